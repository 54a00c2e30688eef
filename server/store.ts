// The policy store. Files in the policies folder are the source of truth, so a Git checkout is a
// deployment. Saves are validated first, written atomically (temporary file, fsync, rename),
// recorded in a history (`.history/<id>/`) with author and time, and swapped in for the next
// request. A change on disk (e.g. `git pull`) is recompiled; an invalid file keeps the last
// good revision serving and is reported as degraded. A failed write (disk full, permission
// denied) leaves the previous revision serving and the history as it was.
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import * as nodeFiles from 'node:fs/promises';
import { hostname } from 'node:os';
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

/** The file operations the store needs: node:fs/promises, or a wrapper that injects disk faults. */
export type StoreFiles = Pick<typeof nodeFiles, 'link' | 'mkdir' | 'open' | 'readFile' | 'readdir' | 'rename' | 'rm' | 'stat'>;

/** Why a write to the policies folder failed, as the API says it: nothing else leaks (no paths). */
const STORAGE_FAULTS: Record<string, [code: string, why: string]> = {
  ENOSPC: ['storage-full', 'the disk holding the policies is full'],
  EDQUOT: ['storage-full', 'the disk quota of the policies folder is used up'],
  EACCES: ['storage-denied', 'the service may not write to the policies folder'],
  EPERM: ['storage-denied', 'the service may not write to the policies folder'],
  EROFS: ['storage-denied', 'the policies folder is on a read-only file system'],
};

function storageError(e: unknown, serving: string | null): unknown {
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (e instanceof HttpError || typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) return e;
  const [code, why] = STORAGE_FAULTS[errno] ?? ['storage-failed', 'the policies folder could not be written'];
  const still = serving ? `revision ${serving} is still serving` : 'the policy is still not served';
  return new HttpError(507, code, `${why} (${errno}): nothing was saved and ${still}`, { errno, serving });
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
}

export class PolicyStore {
  private readonly entries = new Map<string, PolicyEntry>();
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The last reload or save of each policy in progress (see inTurn). */
  private readonly turns = new Map<string, Promise<void>>();
  /** Policies whose file could not be read at the last attempt, with the error. */
  private readonly unreadable = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly events: StoreEvents = {},
    private readonly files: StoreFiles = nodeFiles,
  ) {}

  private fileOf(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  private historyDir(id: string): string {
    return join(this.dir, '.history', id);
  }

  /** Loads every policy of the folder. */
  async load(): Promise<void> {
    const names = (await this.files.readdir(this.dir)).filter((f) => f.endsWith('.yaml')).sort();
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

  /**
   * Reads a policy's file again and compiles it; an invalid file keeps the last good revision
   * serving, and so does a file that cannot be read. Never rejects: it runs from the watcher.
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
        this.entries.delete(id);
        this.unreadable.delete(id);
        return;
      }
      this.unreadable.set(id, errno);
      this.events.unreadable?.(id, errno);
      return;
    }
    this.unreadable.delete(id);
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
  health(): {
    ok: boolean;
    degraded: { id: string; serving: string | null; diagnostics: Diagnostic[]; unreadable?: string }[];
  } {
    const degraded: { id: string; serving: string | null; diagnostics: Diagnostic[]; unreadable?: string }[] = this.list()
      .filter((e) => e.diagnostics.some((d) => d.severity === 'error') && !this.unreadable.has(e.id))
      .map((e) => ({ id: e.id, serving: e.serving?.revision ?? null, diagnostics: e.diagnostics }));
    for (const [id, errno] of this.unreadable) {
      degraded.push({ id, serving: this.entries.get(id)?.serving?.revision ?? null, diagnostics: [], unreadable: errno });
    }
    return { ok: degraded.length === 0, degraded: degraded.sort((a, b) => a.id.localeCompare(b.id)) };
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
    const serving = this.entries.get(id)?.serving?.revision ?? null;
    return this.inTurn(id, () =>
      this.locked(id, async () => {
        const current = await this.files.readFile(this.fileOf(id), 'utf8').catch((e: NodeJS.ErrnoException) => {
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
        return entry;
      }),
    ).catch((e: unknown) => {
      throw storageError(e, serving);
    });
  }

  /** Every saved revision of a policy, newest first. */
  async history(id: string): Promise<Revision[]> {
    this.get(id);
    const dir = this.historyDir(id);
    const names = await this.files.readdir(dir).catch(() => [] as string[]);
    const revisions: Revision[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      revisions.push(JSON.parse(await this.files.readFile(join(dir, name), 'utf8')) as Revision);
    }
    return revisions.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  async revisionSource(id: string, revision: string): Promise<string> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(revision)?.[1];
    if (!hex) throw new HttpError(404, 'unknown-revision', `no revision '${revision}' of policy '${id}'`);
    try {
      return await this.files.readFile(join(this.historyDir(id), `${hex}.yaml`), 'utf8');
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
        else if (Date.now() > deadline) throw new HttpError(503, 'busy', 'another save of this policy is in progress; try again');
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
