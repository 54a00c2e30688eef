// How the policy store follows its folder: change events (fs.watch), debounced per file, and a
// periodic rescan that stats each policy file through its symlinks (a ConfigMap's `..data` swap
// changes them all at once) and reloads those whose identity or time changed.
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import type { StoreFiles } from './files.js';
import { POLICY_ID } from './store-error.js';

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

export class FolderWatch {
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Each policy file's stamp at the last scan, so a rescan reloads only what changed. */
  private readonly stamps = new Map<string, string>();
  private scanning: Promise<void> | undefined;
  private rescanAgain = false;

  constructor(
    private readonly dir: string,
    private readonly files: StoreFiles,
    /** The policies the store knows besides the files there now (served, or with a problem). */
    private readonly known: () => Iterable<string>,
    /** Reads a policy's file again; never rejects. */
    private readonly reload: (id: string) => Promise<void>,
  ) {}

  /** The ids of the policy files in the folder now. */
  private async policyIds(): Promise<string[]> {
    const names = (await this.files.readdir(this.dir)).filter((f) => f.endsWith('.yaml')).sort();
    return names.map((n) => n.slice(0, -'.yaml'.length)).filter((id) => POLICY_ID.test(id));
  }

  private async stampOf(id: string): Promise<string> {
    return this.files.stat(join(this.dir, `${id}.yaml`)).then(fileStamp, (e: NodeJS.ErrnoException) => e.code ?? 'EIO');
  }

  /** Loads every policy of the folder, noting each file's stamp. */
  async load(): Promise<void> {
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
          const ids = new Set([...(await this.policyIds()), ...this.known()]);
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
}
