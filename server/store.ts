// The policy store. Files in the policies folder are the source of truth, so a Git checkout is a
// deployment. Saves are validated first, written atomically (temporary file, fsync, rename),
// recorded in a history (`.history/<id>/`) with author and time, and swapped in for the next
// request. A change on disk (e.g. `git pull`) is recompiled; an invalid file keeps the last
// good revision serving and is reported as degraded. A failed write (disk full, permission
// denied) leaves the previous revision serving and the history as it was. The store speaks the
// domain (StoreError kinds: 'stale revision', 'unknown policy'); the service maps them to statuses.
import * as nodeFiles from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../dsl/index.js';
import { type CompiledPolicy, compileSource, revisionOf } from '../engine/index.js';
import { type StoreFiles, cleanStale, locked, storageError, writeAtomically } from './files.js';
import { PolicyHistory, type HistoryPage } from './history.js';
import { POLICY_ID, StoreError } from './store-error.js';
import {
  type ChangeListener,
  ChangeListeners,
  type DegradedPolicy,
  type PolicyEntry,
  type Saved,
  type SaveOptions,
  ServedPolicies,
  type Store,
  type StoreHealth,
} from './stores.js';
import { FolderWatch, type WatchOptions } from './watch.js';

export { type StoreFiles, writeAtomically } from './files.js';
export { HISTORY_PAGE, type HistoryPage, type Revision } from './history.js';
export { POLICY_ID, StoreError, type StoreErrorKind } from './store-error.js';
export { POLL_MS, type WatchOptions } from './watch.js';
export type { ChangeListener, DegradedPolicy, PolicyEntry, Saved, SaveOptions, Store, StoreHealth } from './stores.js';

/** Why a policy file on disk is not served as it is, besides errors in it. */
export type FileProblem = { kind: 'unreadable'; errno: string } | { kind: 'missing' } | { kind: 'misnamed'; says: string };

export interface StoreSettings {
  /** History entries kept per policy; older ones are pruned at each save (0 or undefined: all). */
  historyKeep?: number;
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

export class PolicyStore extends ServedPolicies implements Store {
  readonly kind = 'folder' as const;
  private readonly changeListeners = new ChangeListeners();
  /** The last reload or save of each policy in progress (see inTurn). */
  private readonly turns = new Map<string, Promise<void>>();
  /** Policy files that are not served as they are on disk, and why. */
  private readonly problems = new Map<string, FileProblem>();
  /** The policies' saved revisions. */
  private readonly archive: PolicyHistory;
  /** Follows the folder's changes. */
  private readonly folder: FolderWatch;

  constructor(
    readonly dir: string,
    private readonly events: StoreEvents = {},
    private readonly files: StoreFiles = nodeFiles,
    settings: StoreSettings = {},
  ) {
    super();
    this.archive = new PolicyHistory(dir, files, settings.historyKeep, (id, entry, reason) =>
      events.damagedHistory?.(id, entry, reason),
    );
    this.folder = new FolderWatch(
      dir,
      files,
      () => [...this.entries.keys(), ...this.problems.keys()],
      (id) => this.reload(id),
    );
  }

  get where(): string {
    return this.dir;
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  /** Removes what a process killed mid-save left behind, then loads every policy of the folder. */
  async load(): Promise<void> {
    const removed = await cleanStale(this.dir, this.files);
    if (removed.length) this.events.cleaned?.(removed);
    await this.folder.load();
  }

  /**
   * Follows the folder. A change event naming a policy file reloads it (debounced: editors write
   * in steps); any other name (`..data` swapped by Kubernetes in a ConfigMap volume, a folder
   * renamed) rescans the folder. The rescan also runs every `pollMs`, for file systems whose
   * events are lost or never sent: it stats each file through its symlinks and reloads those
   * whose identity or time changed.
   */
  watch(options: WatchOptions = {}): void {
    this.folder.watch(options);
  }

  /** Reloads every policy file whose stamp changed, appeared or went away. One scan at a time. */
  rescan(): Promise<void> {
    return this.folder.rescan();
  }

  async close(): Promise<void> {
    this.folder.close();
  }

  /** Calls `listener` on every change of a policy's text; returns the function that stops it. */
  onChange(listener: ChangeListener): () => void {
    return this.changeListeners.add(listener);
  }

  private changed(id: string, revision: string): void {
    this.changeListeners.emit(id, revision);
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
    if (before?.revision !== entry.revision) this.changed(id, entry.revision);
  }



  /** The compiled policy to evaluate with (the last good revision when the file is invalid). */

  /** Whether every policy on disk is served as it is; the ones that are not, with why. */
  health(): StoreHealth {
    const degraded: DegradedPolicy[] = this.list()
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
  async save(id: string, source: string, opts: SaveOptions): Promise<Saved> {
    if (!POLICY_ID.test(id))
      throw new StoreError('invalid-id', 'a policy id is lower-case letters, digits, - and _ (at most 64)');
    const result = await compileSource(source, `policies/${id}.yaml`);
    if (!result.ok) throw new StoreError('invalid-policy', 'the policy has errors; nothing was saved', result.diagnostics);
    if (result.compiled.id !== id) {
      throw new StoreError('invalid-policy', `the source says 'policy: ${result.compiled.id}' but is saved as '${id}'`, []);
    }
    const serving = this.entries.get(id)?.serving?.revision ?? null;
    return this.inTurn(id, () =>
      locked(this.dir, this.files, id, async () => {
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
        if (current !== null && currentRevision !== null)
          await this.archive.recordFromDisk(id, this.fileOf(id), current, currentRevision);
        const savedAt = new Date().toISOString();
        const recorded = await this.archive.record(id, source, {
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
        this.changed(id, revision);
        await this.archive.prune(id);
        return { ...entry, unchanged: false };
      }),
    ).catch((e: unknown) => {
      throw storageError(e, serving);
    });
  }

  /**
   * One page of a policy's saved revisions, newest first: `limit` entries older than the cursor
   * `before` (the `next` of the page before). Only the page's records are read (and, being
   * immutable, kept parsed); a damaged record is skipped and named in `skipped`.
   */
  history(id: string, page: { limit?: number; before?: string } = {}): Promise<HistoryPage> {
    return this.archive.page(id, page, () => this.entries.has(id));
  }

  /** The source of a saved revision of a policy. */
  revisionSource(id: string, revision: string): Promise<string> {
    return this.archive.source(id, revision);
  }

  /** Restores an earlier revision as a new save; `ifMatch` as for a save. */
  async rollback(id: string, revision: string, opts: { ifMatch: string | undefined; author: string }): Promise<Saved> {
    const source = await this.revisionSource(id, revision);
    return this.save(id, source, { ...opts, message: `rollback to ${revision}` });
  }
}
