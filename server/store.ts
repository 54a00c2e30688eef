// The policy store. Files in the policies folder are the source of truth, so a Git checkout is a
// deployment. Saves are validated first, written atomically (temporary file, fsync, rename),
// recorded in a history (`.history/<id>/`) with author and time, and swapped in for the next
// request. A change on disk (e.g. `git pull`) is recompiled; an invalid file keeps the last
// good revision serving and is reported as degraded.
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../dsl/index.js';
import { type CompiledPolicy, compileSource, revisionOf } from '../engine/index.js';
import { HttpError } from './errors.js';

/** Policy ids are file names without `.yaml`: lower-case words, so no id can reach outside the folder. */
export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface Revision {
  revision: string;
  author: string;
  savedAt: string;
  message?: string;
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

export interface StoreEvents {
  reloaded?: (id: string, ok: boolean) => void;
}

export class PolicyStore {
  private readonly entries = new Map<string, PolicyEntry>();
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly dir: string,
    private readonly events: StoreEvents = {},
  ) {}

  private fileOf(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  private historyDir(id: string): string {
    return join(this.dir, '.history', id);
  }

  /** Loads every policy of the folder. */
  async load(): Promise<void> {
    const names = (await readdir(this.dir)).filter((f) => f.endsWith('.yaml')).sort();
    for (const name of names) {
      const id = name.slice(0, -'.yaml'.length);
      if (POLICY_ID.test(id)) await this.reload(id);
    }
  }

  /** Watches the folder and reloads a policy whose file changes (debounced: editors write in steps). */
  watch(): void {
    this.watcher = watch(this.dir, (_event, name) => {
      if (!name || !name.endsWith('.yaml')) return;
      const id = name.slice(0, -'.yaml'.length);
      if (!POLICY_ID.test(id)) return;
      clearTimeout(this.pending.get(id));
      this.pending.set(
        id,
        setTimeout(() => {
          this.pending.delete(id);
          void this.reload(id);
        }, 50),
      );
    });
  }

  close(): void {
    this.watcher?.close();
    for (const t of this.pending.values()) clearTimeout(t);
  }

  /** Reads a policy's file again and compiles it; an invalid file keeps the last good revision serving. */
  async reload(id: string): Promise<void> {
    let source: string;
    try {
      source = await readFile(this.fileOf(id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.entries.delete(id);
        return;
      }
      throw e;
    }
    const before = this.entries.get(id);
    if (before && before.source === source) return;
    const result = await compileSource(source, `policies/${id}.yaml`);
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
    if (!entry) throw new HttpError(404, 'unknown-policy', `no policy '${id}'`);
    return entry;
  }

  /** The compiled policy to evaluate with (the last good revision when the file is invalid). */
  compiled(id: string): CompiledPolicy {
    const entry = this.get(id);
    if (!entry.serving) {
      throw new HttpError(422, 'invalid-policy', `policy '${id}' has errors and no earlier revision to serve`, entry.diagnostics);
    }
    return entry.serving.compiled;
  }

  /** Whether every policy on disk is valid; the ones that are not, with their diagnostics. */
  health(): { ok: boolean; degraded: { id: string; serving: string | null; diagnostics: Diagnostic[] }[] } {
    const degraded = this.list()
      .filter((e) => e.diagnostics.some((d) => d.severity === 'error'))
      .map((e) => ({ id: e.id, serving: e.serving?.revision ?? null, diagnostics: e.diagnostics }));
    return { ok: degraded.length === 0, degraded };
  }

  /**
   * Saves a new source. `ifMatch` must be the revision on disk (an existing policy needs one):
   * of two writers with the same base revision exactly one wins, even across processes, because
   * the comparison and the write happen under a lock file.
   */
  async save(
    id: string,
    source: string,
    opts: { ifMatch: string | undefined; author: string; message?: string },
  ): Promise<PolicyEntry> {
    if (!POLICY_ID.test(id))
      throw new HttpError(400, 'invalid-id', 'a policy id is lower-case letters, digits, - and _ (at most 64)');
    const result = await compileSource(source, `policies/${id}.yaml`);
    if (!result.ok) throw new HttpError(422, 'invalid-policy', 'the policy has errors; nothing was saved', result.diagnostics);
    if (result.compiled.id !== id) {
      throw new HttpError(422, 'invalid-policy', `the source says 'policy: ${result.compiled.id}' but is saved as '${id}'`, []);
    }
    return this.locked(id, async () => {
      const current = await readFile(this.fileOf(id), 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return null;
        throw e;
      });
      const currentRevision = current === null ? null : revisionOf(current);
      if (currentRevision !== null && opts.ifMatch === undefined) {
        throw new HttpError(
          428,
          'precondition-required',
          'send If-Match with the revision you edited, so no one else’s save is lost',
          { revision: currentRevision },
        );
      }
      if (opts.ifMatch !== undefined && opts.ifMatch !== currentRevision) {
        throw new HttpError(412, 'stale-revision', 'the policy changed since you read it: reload, merge and save again', {
          yourRevision: opts.ifMatch,
          currentRevision,
        });
      }
      // The revision being replaced may have come from disk (a checkout, an editor): keep it too,
      // so it can be restored.
      if (current !== null && currentRevision !== null) await this.recordFromDisk(id, current, currentRevision);
      const revision = revisionOf(source);
      const savedAt = new Date().toISOString();
      await this.record(id, source, {
        revision,
        author: opts.author,
        savedAt,
        ...(opts.message ? { message: opts.message } : {}),
      });
      await writeAtomically(this.fileOf(id), source);
      const entry: PolicyEntry = {
        id,
        file: this.fileOf(id),
        source,
        revision,
        diagnostics: result.diagnostics,
        serving: { source, revision, compiled: result.compiled },
      };
      this.entries.set(id, entry);
      return entry;
    });
  }

  /** Every saved revision of a policy, newest first. */
  async history(id: string): Promise<Revision[]> {
    this.get(id);
    const dir = this.historyDir(id);
    const names = await readdir(dir).catch(() => [] as string[]);
    const revisions: Revision[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      revisions.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as Revision);
    }
    return revisions.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  async revisionSource(id: string, revision: string): Promise<string> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(revision)?.[1];
    if (!hex) throw new HttpError(404, 'unknown-revision', `no revision '${revision}' of policy '${id}'`);
    try {
      return await readFile(join(this.historyDir(id), `${hex}.yaml`), 'utf8');
    } catch {
      throw new HttpError(404, 'unknown-revision', `no revision '${revision}' of policy '${id}'`);
    }
  }

  /** Restores an earlier revision as a new save. */
  async rollback(id: string, revision: string, opts: { ifMatch: string | undefined; author: string }): Promise<PolicyEntry> {
    const source = await this.revisionSource(id, revision);
    return this.save(id, source, { ...opts, message: `rollback to ${revision}` });
  }

  /** Records a revision found on disk, unless the history has it already. */
  private async recordFromDisk(id: string, source: string, revision: string): Promise<void> {
    const known = await stat(join(this.historyDir(id), `${revision.slice('sha256:'.length)}.yaml`)).then(
      () => true,
      () => false,
    );
    if (known) return;
    const modified = await stat(this.fileOf(id)).then(
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

  /** Keeps a revision's source and who saved it when. */
  private async record(id: string, source: string, revision: Revision): Promise<void> {
    const dir = this.historyDir(id);
    await mkdir(dir, { recursive: true });
    const hex = revision.revision.slice('sha256:'.length);
    const stamp = `${revision.savedAt.replace(/[:.]/g, '-')}-${hex.slice(0, 12)}`;
    await writeAtomically(join(dir, `${hex}.yaml`), source);
    await writeAtomically(join(dir, `${stamp}.json`), `${JSON.stringify(revision, null, 2)}\n`);
  }

  /** Runs `fn` holding the policy's lock file (shared by every process serving the folder). */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const locks = join(this.dir, '.locks');
    await mkdir(locks, { recursive: true });
    const lock = join(locks, `${id}.lock`);
    const deadline = Date.now() + 5_000;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // A lock left by a process that died mid-save is stale after 30 s.
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > 30_000) await rm(lock, { force: true });
        else if (Date.now() > deadline) throw new HttpError(503, 'busy', 'another save of this policy is in progress; try again');
        await sleep(Math.min(100, 5 * 2 ** attempt));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

/** Writes a file so that readers see the old content or the new one, never a part: temp file, fsync, rename. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  // The rename itself must reach the disk too.
  const dir = await open(join(file, '..'), 'r').catch(() => null);
  if (dir) {
    await dir.sync().catch(() => undefined);
    await dir.close();
  }
}
