// The policy store. Files in the policies folder are the source of truth, so a Git checkout is a
// deployment. Saves are validated first, written atomically (temporary file, fsync, rename),
// recorded in a history (`.history/<id>/`) with author and time, and swapped in for the next
// request. A change on disk (e.g. `git pull`) is recompiled; an invalid file keeps the last
// good revision serving and is reported as degraded. A failed write (disk full, permission
// denied) leaves the previous revision serving and the history as it was. The store speaks the
// domain (StoreError kinds: 'stale revision', 'unknown policy'); the service maps them to statuses.
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import * as nodeFiles from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../dsl/index.js';
import { type CompiledPolicy, compileSource, revisionOf } from '../engine/index.js';

/** Policy ids are file names without `.yaml`: lower-case words, so no id can reach outside the folder. */
export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface Revision {
  revision: string;
  author: string;
  savedAt: string;
  message?: string;
}

/** What can go wrong with a store operation, in the store's words; the service maps each kind to a status. */
export type StoreErrorKind =
  | 'invalid-id'
  | 'unknown-policy'
  | 'unknown-revision'
  | 'invalid-policy'
  | 'invalid-cursor'
  | 'precondition-required'
  | 'stale-revision'
  | 'busy'
  | 'storage-full'
  | 'storage-denied'
  | 'storage-failed';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
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

/** Why a policy file on disk is not served as it is, besides errors in it. */
export type FileProblem = { kind: 'unreadable'; errno: string } | { kind: 'missing' } | { kind: 'misnamed'; says: string };

export interface StoreSettings {
  /** History entries kept per policy; older ones are pruned at each save (0 or undefined: all). */
  historyKeep?: number;
}

export interface PolicyEntry {
  id: string;
  file: string;
  /** What the file holds now. */
  source: string;
  revision: string;
  diagnostics: Diagnostic[];
  /** The revision being served: the file's, or the last good one when the file is invalid. */
  serving: { source: string; revision: string; compiled: CompiledPolicy } | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The file operations the store needs: node:fs/promises, or a wrapper that injects disk faults. */
export type StoreFiles = Pick<typeof nodeFiles, 'link' | 'mkdir' | 'open' | 'readFile' | 'readdir' | 'rename' | 'rm' | 'stat'>;

/** Why a write to the policies folder failed, as the API says it: nothing else leaks (no paths). */
const STORAGE_FAULTS: Record<string, [kind: StoreErrorKind, why: string]> = {
  ENOSPC: ['storage-full', 'the disk holding the policies is full'],
  EDQUOT: ['storage-full', 'the disk quota of the policies folder is used up'],
  EACCES: ['storage-denied', 'the service may not write to the policies folder'],
  EPERM: ['storage-denied', 'the service may not write to the policies folder'],
  EROFS: ['storage-denied', 'the policies folder is on a read-only file system'],
};

function storageError(e: unknown, serving: string | null): unknown {
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (e instanceof StoreError || typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) return e;
  const [kind, why] = STORAGE_FAULTS[errno] ?? ['storage-failed', 'the policies folder could not be written'];
  const still = serving ? `revision ${serving} is still serving` : 'the policy is still not served';
  return new StoreError(kind, `${why} (${errno}): nothing was saved and ${still}`, { errno, serving });
}

/** Lock files held by this process, so one it left behind (a failed removal) is known stale. */
const heldLocks = new Set<string>();
const LOCK_OWNER = `${hostname()}:${process.pid}`;

/** Whether the process named in a lock file is gone (only knowable on this host). */
function ownerGone(owner: string, lock: string): boolean {
  const m = /^(.*):(\d+)$/.exec(owner);
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return !heldLocks.has(lock);
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface StoreEvents {
  reloaded?: (id: string, ok: boolean) => void;
  /** A policy file that exists but cannot be read (a directory, no permission, an I/O error). */
  unreadable?: (id: string, errno: string) => void;
  /** A policy file that was served and is gone: its last good revision keeps serving. */
  missing?: (id: string) => void;
  /** A policy file whose `policy:` id is not its file name: refused, as a save would be. */
  misnamed?: (id: string, says: string) => void;
  /** A history record that cannot be read or parsed: left out of the pages that hold it. */
  damagedHistory?: (id: string, entry: string, reason: string) => void;
  /** Lock and temporary files left by a process that died mid-save, removed at start. */
  cleaned?: (files: string[]) => void;
}

/** How the folder is followed: change events (fs.watch), a periodic rescan, or both. */
export interface WatchOptions {
  /** Use fs.watch (default true); off where it is unreliable (some network and overlay file systems). */
  events?: boolean;
  /** Rescan every this many ms (default 2000; 0: never). */
  pollMs?: number;
}

export const POLL_MS = 2_000;

/** A file's identity and version as stat (through symlinks) sees it: a ConfigMap swap changes it. */
const fileStamp = (s: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }) =>
  `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

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

export class PolicyStore {
  private readonly entries = new Map<string, PolicyEntry>();
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The last reload or save of each policy in progress (see inTurn). */
  private readonly turns = new Map<string, Promise<void>>();
  /** Policy files that are not served as they are on disk, and why. */
  private readonly problems = new Map<string, FileProblem>();
  /** Each policy file's stamp at the last scan, so a rescan reloads only what changed. */
  private readonly stamps = new Map<string, string>();
  private scanning: Promise<void> | undefined;
  private rescanAgain = false;
  /** Parsed history records by `<id>/<entry>`. */
  private readonly records = new Map<string, Revision>();

  constructor(
    readonly dir: string,
    private readonly events: StoreEvents = {},
    private readonly files: StoreFiles = nodeFiles,
    private readonly settings: StoreSettings = {},
  ) {}

  private fileOf(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  private historyDir(id: string): string {
    return join(this.dir, '.history', id);
  }

  /** The ids of the policy files in the folder now. */
  private async policyIds(): Promise<string[]> {
    const names = (await this.files.readdir(this.dir)).filter((f) => f.endsWith('.yaml')).sort();
    return names.map((n) => n.slice(0, -'.yaml'.length)).filter((id) => POLICY_ID.test(id));
  }

  private async stampOf(id: string): Promise<string> {
    return this.files.stat(this.fileOf(id)).then(fileStamp, (e: NodeJS.ErrnoException) => e.code ?? 'EIO');
  }

  /** Removes what a process killed mid-save left behind, then loads every policy of the folder. */
  async load(): Promise<void> {
    await this.cleanStale();
    for (const id of await this.policyIds()) {
      this.stamps.set(id, await this.stampOf(id));
      await this.reload(id);
    }
  }

  /**
   * Follows the folder. A change event naming a policy file reloads it (debounced: editors write
   * in steps); any other name (`..data` swapped by Kubernetes in a ConfigMap volume, a folder
   * renamed) rescans the folder. The rescan also runs every `pollMs`, for file systems whose
   * events are lost or never sent: it stats each file through its symlinks and reloads those
   * whose identity or time changed.
   */
  watch(options: WatchOptions = {}): void {
    if (options.events !== false) {
      try {
        this.watcher = watch(this.dir, (_event, name) => this.changed(name));
        // A watcher that fails (the folder replaced, too many watches) leaves the rescans to do the work.
        this.watcher.on('error', () => undefined);
      } catch {
        this.watcher = undefined;
      }
    }
    const pollMs = options.pollMs ?? POLL_MS;
    if (pollMs > 0) {
      this.poller = setInterval(() => void this.rescan(), pollMs);
      this.poller.unref();
    }
  }

  private changed(name: string | null): void {
    if (name && (name.endsWith('.tmp') || name === '.history' || name === '.locks')) return;
    const id = name?.endsWith('.yaml') ? name.slice(0, -'.yaml'.length) : undefined;
    const key = id !== undefined && POLICY_ID.test(id) ? id : '';
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        void (key ? this.reload(key) : this.rescan());
      }, 50),
    );
  }

  /** Reloads every policy file whose stamp changed, appeared or went away. One scan at a time. */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.rescanAgain = false;
          const ids = new Set([...(await this.policyIds()), ...this.entries.keys(), ...this.problems.keys()]);
          for (const id of ids) {
            const stamp = await this.stampOf(id);
            if (stamp === this.stamps.get(id)) continue;
            this.stamps.set(id, stamp);
            await this.reload(id);
          }
        } while (this.rescanAgain);
      } catch {
        // The folder could not be listed this time: the next scan tries again.
      } finally {
        this.scanning = undefined;
      }
    })();
    return this.scanning;
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poller);
    for (const t of this.pending.values()) clearTimeout(t);
  }

  /**
   * Reads a policy's file again and compiles it; an invalid file keeps the last good revision
   * serving, and so does a file that cannot be read or is gone. Never rejects: it runs from the watcher.
   */
  reload(id: string): Promise<void> {
    return this.inTurn(id, () => this.reloadNow(id));
  }

  /**
   * Runs the reloads and saves of one policy one after another: a reload that read the file just
   * before a save must not put its older revision back in after the save.
   */
  private inTurn<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.turns.get(id) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(id, settled);
    void settled.then(() => {
      if (this.turns.get(id) === settled) this.turns.delete(id);
    });
    return mine;
  }

  private async reloadNow(id: string): Promise<void> {
    let source: string;
    try {
      source = await this.files.readFile(this.fileOf(id), 'utf8');
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (errno === 'ENOENT') {
        // A file deleted by mistake (or a key dropped from a ConfigMap) must not take its contract
        // offline: the last good revision keeps serving until the file is back or rolled back.
        if (this.entries.get(id)?.serving) {
          if (this.problems.get(id)?.kind !== 'missing') this.events.missing?.(id);
          this.problems.set(id, { kind: 'missing' });
        } else {
          this.entries.delete(id);
          this.problems.delete(id);
        }
        return;
      }
      this.problems.set(id, { kind: 'unreadable', errno });
      this.events.unreadable?.(id, errno);
      return;
    }
    const before = this.entries.get(id);
    if (before && before.source === source && this.problems.get(id)?.kind !== 'misnamed') {
      this.problems.delete(id);
      return;
    }
    const result = await compileSource(source, `policies/${id}.yaml`);
    if (result.ok && result.compiled.id !== id) {
      // con.yaml saying `policy: zmanda` would serve a second zmanda: refused as a save would be.
      if (this.problems.get(id)?.kind !== 'misnamed') this.events.misnamed?.(id, result.compiled.id);
      this.problems.set(id, { kind: 'misnamed', says: result.compiled.id });
      return;
    }
    this.problems.delete(id);
    const entry: PolicyEntry = {
      id,
      file: this.fileOf(id),
      source,
      revision: revisionOf(source),
      diagnostics: result.diagnostics,
      serving: result.ok ? { source, revision: revisionOf(source), compiled: result.compiled } : (before?.serving ?? null),
    };
    this.entries.set(id, entry);
    this.events.reloaded?.(id, result.ok);
  }

  list(): PolicyEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): PolicyEntry {
    const entry = POLICY_ID.test(id) ? this.entries.get(id) : undefined;
    if (!entry) throw new StoreError('unknown-policy', `no policy '${id}'`);
    return entry;
  }

  /** The compiled policy to evaluate with (the last good revision when the file is invalid). */
  compiled(id: string): CompiledPolicy {
    const entry = this.get(id);
    if (!entry.serving) {
      throw new StoreError('invalid-policy', `policy '${id}' has errors and no earlier revision to serve`, entry.diagnostics);
    }
    return entry.serving.compiled;
  }

  /** Whether every policy on disk is served as it is; the ones that are not, with why. */
  health(): {
    ok: boolean;
    degraded: {
      id: string;
      serving: string | null;
      diagnostics: Diagnostic[];
      reason: string;
      unreadable?: string;
      missing?: true;
      misnamed?: string;
    }[];
  } {
    const degraded: ReturnType<PolicyStore['health']>['degraded'] = this.list()
      .filter((e) => e.diagnostics.some((d) => d.severity === 'error') && !this.problems.has(e.id))
      .map((e) => ({
        id: e.id,
        serving: e.serving?.revision ?? null,
        diagnostics: e.diagnostics,
        reason: `policies/${e.id}.yaml has errors`,
      }));
    for (const [id, problem] of this.problems) {
      const serving = this.entries.get(id)?.serving?.revision ?? null;
      const file = `policies/${id}.yaml`;
      switch (problem.kind) {
        case 'unreadable':
          degraded.push({
            id,
            serving,
            diagnostics: [],
            unreadable: problem.errno,
            reason: `${file} cannot be read (${problem.errno})`,
          });
          break;
        case 'missing':
          degraded.push({ id, serving, diagnostics: [], missing: true, reason: `${file} is missing` });
          break;
        case 'misnamed':
          degraded.push({
            id,
            serving,
            diagnostics: [],
            misnamed: problem.says,
            reason: `${file} says 'policy: ${problem.says}': a policy's id must be its file name; not served`,
          });
          break;
        default: {
          const never: never = problem;
          throw new Error(`unknown file problem ${String(never)}`);
        }
      }
    }
    return { ok: degraded.length === 0, degraded: degraded.sort((a, b) => a.id.localeCompare(b.id)) };
  }

  /**
   * Saves a new source. `ifMatch` must be the revision on disk (an existing policy needs one):
   * of two writers with the same base revision exactly one wins, even across processes, because
   * the comparison and the write happen under a lock file. A policy whose file was deleted still
   * has its served revision as the one to match. Saving the source already there changes
   * nothing and adds no history entry (`unchanged`).
   */
  async save(
    id: string,
    source: string,
    opts: { ifMatch: string | undefined; author: string; message?: string },
  ): Promise<PolicyEntry & { unchanged: boolean }> {
    if (!POLICY_ID.test(id))
      throw new StoreError('invalid-id', 'a policy id is lower-case letters, digits, - and _ (at most 64)');
    const result = await compileSource(source, `policies/${id}.yaml`);
    if (!result.ok) throw new StoreError('invalid-policy', 'the policy has errors; nothing was saved', result.diagnostics);
    if (result.compiled.id !== id) {
      throw new StoreError('invalid-policy', `the source says 'policy: ${result.compiled.id}' but is saved as '${id}'`, []);
    }
    const serving = this.entries.get(id)?.serving?.revision ?? null;
    return this.inTurn(id, () =>
      this.locked(id, async () => {
        const current = await this.files.readFile(this.fileOf(id), 'utf8').catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return null;
          throw e;
        });
        const missing = current === null && this.problems.get(id)?.kind === 'missing' ? this.entries.get(id) : undefined;
        const currentRevision = current !== null ? revisionOf(current) : (missing?.revision ?? null);
        if (currentRevision !== null && opts.ifMatch === undefined) {
          throw new StoreError(
            'precondition-required',
            'send If-Match with the revision you edited, so no one else’s save is lost',
            {
              revision: currentRevision,
            },
          );
        }
        if (opts.ifMatch !== undefined && opts.ifMatch !== currentRevision) {
          throw new StoreError('stale-revision', 'the policy changed since you read it: reload, merge and save again', {
            yourRevision: opts.ifMatch,
            currentRevision,
          });
        }
        const revision = revisionOf(source);
        if (current !== null && currentRevision === revision) {
          const entry = this.entries.get(id);
          if (entry?.serving?.revision === revision) return { ...entry, unchanged: true };
        }
        // The revision being replaced may have come from disk (a checkout, an editor): keep it too,
        // so it can be restored.
        if (current !== null && currentRevision !== null) await this.recordFromDisk(id, current, currentRevision);
        const savedAt = new Date().toISOString();
        const recorded = await this.record(id, source, {
          revision,
          author: opts.author,
          savedAt,
          ...(opts.message ? { message: opts.message } : {}),
        });
        try {
          await writeAtomically(this.fileOf(id), source, this.files);
        } catch (e) {
          // The file still holds the previous revision: the history must not claim this one was saved.
          for (const f of recorded) await this.files.rm(f, { force: true }).catch(() => undefined);
          throw e;
        }
        const entry: PolicyEntry = {
          id,
          file: this.fileOf(id),
          source,
          revision,
          diagnostics: result.diagnostics,
          serving: { source, revision, compiled: result.compiled },
        };
        this.entries.set(id, entry);
        this.problems.delete(id);
        await this.prune(id);
        return { ...entry, unchanged: false };
      }),
    ).catch((e: unknown) => {
      throw storageError(e, serving);
    });
  }

  /** The names of a policy's history entries, newest first. */
  private async historyEntries(id: string): Promise<string[] | null> {
    const names = await this.files.readdir(this.historyDir(id)).catch(() => null);
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
   * immutable, kept parsed); a damaged record is skipped and named in `skipped`.
   */
  async history(id: string, page: { limit?: number; before?: string } = {}): Promise<HistoryPage> {
    if (!POLICY_ID.test(id)) throw new StoreError('unknown-policy', `no policy '${id}'`);
    const limit = page.limit ?? HISTORY_PAGE.default;
    if (page.before !== undefined && !HISTORY_ENTRY.test(page.before))
      throw new StoreError('invalid-cursor', `'${page.before}' is not a history cursor: pass the 'next' of the page before`);
    const names = await this.historyEntries(id);
    // A policy whose file is gone (after a restart) can still be restored from its history.
    if (names === null && !this.entries.has(id)) throw new StoreError('unknown-policy', `no policy '${id}'`);
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
          record = historyRecord(JSON.parse(await this.files.readFile(join(this.historyDir(id), `${name}.json`), 'utf8')));
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
        this.events.damagedHistory?.(id, name, record);
      } else revisions.push(record);
    }
    const last = slice.at(-1);
    return { revisions, next: start >= 0 && start + limit < all.length && last ? last : null, skipped };
  }

  /** Keeps the newest `historyKeep` entries of a policy's history, and the sources they name. */
  private async prune(id: string): Promise<void> {
    const keep = this.settings.historyKeep;
    if (!keep || keep <= 0) return;
    try {
      const names = await this.historyEntries(id);
      if (!names || names.length <= keep) return;
      const dir = this.historyDir(id);
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

  async revisionSource(id: string, revision: string): Promise<string> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(revision)?.[1];
    if (!hex || !POLICY_ID.test(id)) throw new StoreError('unknown-revision', `no revision '${revision}' of policy '${id}'`);
    try {
      return await this.files.readFile(join(this.historyDir(id), `${hex}.yaml`), 'utf8');
    } catch {
      throw new StoreError('unknown-revision', `no revision '${revision}' of policy '${id}'`);
    }
  }

  /** Restores an earlier revision as a new save; `ifMatch` as for a save. */
  async rollback(
    id: string,
    revision: string,
    opts: { ifMatch: string | undefined; author: string },
  ): Promise<PolicyEntry & { unchanged: boolean }> {
    const source = await this.revisionSource(id, revision);
    return this.save(id, source, { ...opts, message: `rollback to ${revision}` });
  }

  /** Records a revision found on disk, unless the history has it already. */
  private async recordFromDisk(id: string, source: string, revision: string): Promise<void> {
    const known = await this.files.stat(join(this.historyDir(id), `${revision.slice('sha256:'.length)}.yaml`)).then(
      () => true,
      () => false,
    );
    if (known) return;
    const modified = await this.files.stat(this.fileOf(id)).then(
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
  private async record(id: string, source: string, revision: Revision): Promise<string[]> {
    const dir = this.historyDir(id);
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

  /**
   * Removes what a process killed mid-save (kill -9) left: lock claims (`.locks/*.tmp`) and locks
   * whose owner is dead on this host, or older than a save could take; temporary files of atomic
   * writes in the folder and its history older than a minute. A live process's files are young and
   * name a live owner, so several workers starting side by side leave each other's saves alone.
   */
  private async cleanStale(): Promise<void> {
    const removed: string[] = [];
    const now = Date.now();
    const age = (file: string) =>
      this.files.stat(file).then(
        (s) => now - s.mtimeMs,
        () => -1,
      );
    const remove = async (file: string) => {
      await this.files.rm(file, { force: true }).then(
        () => removed.push(file),
        () => undefined,
      );
    };
    const locks = join(this.dir, '.locks');
    for (const name of await this.files.readdir(locks).catch(() => [] as string[])) {
      if (!name.endsWith('.tmp') && !name.endsWith('.lock')) continue;
      const file = join(locks, name);
      const owner = await this.files.readFile(file, 'utf8').catch(() => '');
      const old = await age(file);
      // This process's own claims are in flight (another store on the same folder): only age removes them.
      const dead = owner !== '' && owner !== LOCK_OWNER && ownerGone(owner, file);
      if (old > 30_000 || dead || (owner === '' && old > 5_000)) await remove(file);
    }
    const folders = [this.dir];
    for (const id of await this.files.readdir(join(this.dir, '.history')).catch(() => [] as string[]))
      if (POLICY_ID.test(id)) folders.push(this.historyDir(id));
    for (const folder of folders) {
      for (const name of await this.files.readdir(folder).catch(() => [] as string[])) {
        if (!/\.[0-9a-f]{12}\.tmp$/.test(name)) continue;
        if ((await age(join(folder, name))) > 60_000) await remove(join(folder, name));
      }
    }
    if (removed.length) this.events.cleaned?.(removed);
  }

  /**
   * Runs `fn` holding the policy's lock file (shared by every process serving the folder). The
   * file names its owner (host:pid), so a lock left by a process that died mid-save (kill -9) is
   * taken over at once on the same host, and after 30 s otherwise.
   */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const locks = join(this.dir, '.locks');
    await this.files.mkdir(locks, { recursive: true });
    const lock = join(locks, `${id}.lock`);
    const deadline = Date.now() + 5_000;
    // The lock appears with its owner's name in it (a hard link to a file written first), so no
    // one ever sees a lock without an owner.
    const claim = `${lock}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await this.files.open(claim, 'wx');
      try {
        await handle.writeFile(LOCK_OWNER);
      } finally {
        await handle.close();
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await this.files.link(claim, lock);
          heldLocks.add(lock);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const [age, owner] = await Promise.all([
          this.files.stat(lock).then(
            (s) => Date.now() - s.mtimeMs,
            () => 0,
          ),
          this.files.readFile(lock, 'utf8').catch(() => ''),
        ]);
        if (age > 30_000 || ownerGone(owner, lock)) await this.files.rm(lock, { force: true }).catch(() => undefined);
        else if (Date.now() > deadline) throw new StoreError('busy', 'another save of this policy is in progress; try again');
        await sleep(Math.min(100, 5 * 2 ** attempt));
      }
    } finally {
      await this.files.rm(claim, { force: true }).catch(() => undefined);
    }
    try {
      return await fn();
    } finally {
      // The save's outcome stands even if the lock cannot be removed: the next save sees it is stale.
      await this.files.rm(lock, { force: true }).catch(() => undefined);
      heldLocks.delete(lock);
    }
  }
}

/**
 * Writes a file so that readers see the old content or the new one, never a part: temp file,
 * fsync, rename. On any failure the temporary file is removed and the old content stays.
 */
export async function writeAtomically(file: string, content: string, files: StoreFiles = nodeFiles): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await files.open(temp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await files.rename(temp, file);
  } catch (e) {
    await files.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  // The rename itself must reach the disk too.
  const dir = await files.open(join(file, '..'), 'r').catch(() => null);
  if (dir) {
    await dir.sync().catch(() => undefined);
    await dir.close().catch(() => undefined);
  }
}
