// A policy's history in the folder (`.history/<id>/`): each saved revision's source
// (`<sha256 hex>.yaml`) and a record of who saved it when (`<savedAt>-<revision prefix>.json`).
// Pages are read newest first, reading only their own records (kept parsed: they never change);
// a damaged record is left out and named; old entries are pruned past `historyKeep`.
import { join } from 'node:path';
import { type StoreFiles, writeAtomically } from './files.js';
import { POLICY_ID, StoreError } from './store-error.js';

export interface Revision {
  revision: string;
  author: string;
  savedAt: string;
  message?: string;
}

/** One page of a policy's history, newest first. */
export interface HistoryPage {
  revisions: Revision[];
  /** The cursor of the next (older) page, or null on the last page. */
  next: string | null;
  /** Entries of this page whose record is damaged: left out, named here and logged. */
  skipped: { entry: string; reason: string }[];
}

export const HISTORY_PAGE = { default: 50, max: 500 } as const;

/**
 * A history entry's name (`<savedAt>-<revision prefix>`), which is also the page cursor: names
 * sort as the save times do, so a page is a slice of the folder's listing and reads only its own
 * records. A revision cannot be the cursor: a rollback saves the same revision again.
 */
const HISTORY_ENTRY = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{12}$/;

function historyRecord(value: unknown): Revision | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.revision !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(r.revision)) return 'no valid revision';
  if (typeof r.author !== 'string') return 'no author';
  if (typeof r.savedAt !== 'string' || Number.isNaN(Date.parse(r.savedAt))) return 'no valid savedAt';
  if (r.message !== undefined && typeof r.message !== 'string') return 'a message that is not text';
  return {
    revision: r.revision,
    author: r.author,
    savedAt: r.savedAt,
    ...(typeof r.message === 'string' ? { message: r.message } : {}),
  };
}

/** History records are written once and never change: parsed ones are kept, up to this many. */
const HISTORY_CACHE = 20_000;

export class PolicyHistory {
  /** Parsed history records by `<id>/<entry>`. */
  private readonly records = new Map<string, Revision>();

  constructor(
    private readonly folder: string,
    private readonly files: StoreFiles,
    /** History entries kept per policy (0 or undefined: all). */
    private readonly keep: number | undefined,
    /** Told of a record that cannot be read or parsed. */
    private readonly damaged?: (id: string, entry: string, reason: string) => void,
  ) {}

  private dir(id: string): string {
    return join(this.folder, '.history', id);
  }

  /** The names of a policy's history entries, newest first. */
  private async entries(id: string): Promise<string[] | null> {
    const names = await this.files.readdir(this.dir(id)).catch(() => null);
    if (names === null) return null;
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((n) => HISTORY_ENTRY.test(n))
      .sort()
      .reverse();
  }

  /**
   * One page of a policy's saved revisions, newest first: `limit` entries older than the cursor
   * `before` (the `next` of the page before). Only the page's records are read (and, being
   * immutable, kept parsed); a damaged record is skipped and named in `skipped`. `known`: whether
   * the store has the policy (one without a history then has an empty one).
   */
  async page(id: string, page: { limit?: number; before?: string }, known: () => boolean): Promise<HistoryPage> {
    if (!POLICY_ID.test(id)) throw new StoreError('unknown-policy', `no policy '${id}'`);
    const limit = page.limit ?? HISTORY_PAGE.default;
    if (page.before !== undefined && !HISTORY_ENTRY.test(page.before))
      throw new StoreError('invalid-cursor', `'${page.before}' is not a history cursor: pass the 'next' of the page before`);
    const names = await this.entries(id);
    // A policy whose file is gone (after a restart) can still be restored from its history.
    if (names === null && !known()) throw new StoreError('unknown-policy', `no policy '${id}'`);
    const all = names ?? [];
    const start = page.before === undefined ? 0 : all.findIndex((n) => n < page.before!);
    const slice = start < 0 ? [] : all.slice(start, start + limit);
    const revisions: Revision[] = [];
    const skipped: HistoryPage['skipped'] = [];
    for (const name of slice) {
      const key = `${id}/${name}`;
      let record: Revision | string | undefined = this.records.get(key);
      if (!record) {
        try {
          record = historyRecord(JSON.parse(await this.files.readFile(join(this.dir(id), `${name}.json`), 'utf8')));
        } catch (e) {
          record = e instanceof SyntaxError ? 'not JSON' : `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`;
        }
        if (typeof record !== 'string') {
          if (this.records.size >= HISTORY_CACHE) this.records.clear();
          this.records.set(key, record);
        }
      }
      if (typeof record === 'string') {
        skipped.push({ entry: name, reason: record });
        this.damaged?.(id, name, record);
      } else revisions.push(record);
    }
    const last = slice.at(-1);
    return { revisions, next: start >= 0 && start + limit < all.length && last ? last : null, skipped };
  }

  /** Keeps the newest `historyKeep` entries of a policy's history, and the sources they name. */
  async prune(id: string): Promise<void> {
    const keep = this.keep;
    if (!keep || keep <= 0) return;
    try {
      const names = await this.entries(id);
      if (!names || names.length <= keep) return;
      const dir = this.dir(id);
      for (const name of names.slice(keep)) {
        await this.files.rm(join(dir, `${name}.json`), { force: true });
        this.records.delete(`${id}/${name}`);
      }
      // An entry names its source by the revision's first 12 hex digits.
      const named = new Set(names.slice(0, keep).map((n) => n.slice(-12)));
      for (const file of await this.files.readdir(dir)) {
        const hex = /^([0-9a-f]{64})\.yaml$/.exec(file)?.[1];
        if (hex && !named.has(hex.slice(0, 12))) await this.files.rm(join(dir, file), { force: true });
      }
    } catch {
      // Pruning is housekeeping: the save stands, and the next save prunes again.
    }
  }

  async source(id: string, revision: string): Promise<string> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(revision)?.[1];
    if (!hex || !POLICY_ID.test(id)) throw new StoreError('unknown-revision', `no revision '${revision}' of policy '${id}'`);
    try {
      return await this.files.readFile(join(this.dir(id), `${hex}.yaml`), 'utf8');
    } catch {
      throw new StoreError('unknown-revision', `no revision '${revision}' of policy '${id}'`);
    }
  }

  /** Records a revision found on disk (in `file`), unless the history has it already. */
  async recordFromDisk(id: string, file: string, source: string, revision: string): Promise<void> {
    const known = await this.files.stat(join(this.dir(id), `${revision.slice('sha256:'.length)}.yaml`)).then(
      () => true,
      () => false,
    );
    if (known) return;
    const modified = await this.files.stat(file).then(
      (s) => s.mtime.toISOString(),
      () => new Date().toISOString(),
    );
    await this.record(id, source, {
      revision,
      author: 'file on disk',
      savedAt: modified,
      message: 'found on disk before a save',
    });
  }

  /** Keeps a revision's source and who saved it when; returns the files it created. */
  async record(id: string, source: string, revision: Revision): Promise<string[]> {
    const dir = this.dir(id);
    await this.files.mkdir(dir, { recursive: true });
    const hex = revision.revision.slice('sha256:'.length);
    const stamp = `${revision.savedAt.replace(/[:.]/g, '-')}-${hex.slice(0, 12)}`;
    const content = join(dir, `${hex}.yaml`);
    const created: string[] = [];
    const existed = await this.files.stat(content).then(
      () => true,
      () => false,
    );
    try {
      await writeAtomically(content, source, this.files);
      if (!existed) created.push(content);
      const meta = join(dir, `${stamp}.json`);
      await writeAtomically(meta, `${JSON.stringify(revision, null, 2)}\n`, this.files);
      created.push(meta);
    } catch (e) {
      for (const f of created) await this.files.rm(f, { force: true }).catch(() => undefined);
      throw e;
    }
    return created;
  }
}
