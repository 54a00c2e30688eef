// The policy folder's files: atomic writes (temporary file, fsync, rename), the lock file each
// save holds (shared by every process serving the folder), the cleanup of what a process killed
// mid-save left behind, and what a failed write says.
import { randomBytes } from 'node:crypto';
import * as nodeFiles from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { POLICY_ID, StoreError, type StoreErrorKind } from './store-error.js';

/** The file operations the store needs: node:fs/promises, or a wrapper that injects disk faults. */
export type StoreFiles = Pick<typeof nodeFiles, 'link' | 'mkdir' | 'open' | 'readFile' | 'readdir' | 'rename' | 'rm' | 'stat'>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why a write to the policies folder failed, as the API says it: nothing else leaks (no paths). */
const STORAGE_FAULTS: Record<string, [kind: StoreErrorKind, why: string]> = {
  ENOSPC: ['storage-full', 'the disk holding the policies is full'],
  EDQUOT: ['storage-full', 'the disk quota of the policies folder is used up'],
  EACCES: ['storage-denied', 'the service may not write to the policies folder'],
  EPERM: ['storage-denied', 'the service may not write to the policies folder'],
  EROFS: ['storage-denied', 'the policies folder is on a read-only file system'],
};

export function storageError(e: unknown, serving: string | null): unknown {
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

/**
 * Removes what a process killed mid-save (kill -9) left: lock claims (`.locks/*.tmp`) and locks
 * whose owner is dead on this host, or older than a save could take; temporary files of atomic
 * writes in the folder and its history older than a minute. A live process's files are young and
 * name a live owner, so several workers starting side by side leave each other's saves alone.
 * Returns the files it removed.
 */
export async function cleanStale(dir: string, files: StoreFiles): Promise<string[]> {
  const removed: string[] = [];
  const now = Date.now();
  const age = (file: string) =>
    files.stat(file).then(
      (s) => now - s.mtimeMs,
      () => -1,
    );
  const remove = async (file: string) => {
    await files.rm(file, { force: true }).then(
      () => removed.push(file),
      () => undefined,
    );
  };
  const locks = join(dir, '.locks');
  for (const name of await files.readdir(locks).catch(() => [] as string[])) {
    if (!name.endsWith('.tmp') && !name.endsWith('.lock')) continue;
    const file = join(locks, name);
    const owner = await files.readFile(file, 'utf8').catch(() => '');
    const old = await age(file);
    // This process's own claims are in flight (another store on the same folder): only age removes them.
    const dead = owner !== '' && owner !== LOCK_OWNER && ownerGone(owner, file);
    if (old > 30_000 || dead || (owner === '' && old > 5_000)) await remove(file);
  }
  const folders = [dir];
  for (const id of await files.readdir(join(dir, '.history')).catch(() => [] as string[]))
    if (POLICY_ID.test(id)) folders.push(join(dir, '.history', id));
  for (const folder of folders) {
    for (const name of await files.readdir(folder).catch(() => [] as string[])) {
      if (!/\.[0-9a-f]{12}\.tmp$/.test(name)) continue;
      if ((await age(join(folder, name))) > 60_000) await remove(join(folder, name));
    }
  }
  return removed;
}

/**
 * Runs `fn` holding the policy's lock file (shared by every process serving the folder). The
 * file names its owner (host:pid), so a lock left by a process that died mid-save (kill -9) is
 * taken over at once on the same host, and after 30 s otherwise.
 */
export async function locked<T>(dir: string, files: StoreFiles, id: string, fn: () => Promise<T>): Promise<T> {
  const locks = join(dir, '.locks');
  await files.mkdir(locks, { recursive: true });
  const lock = join(locks, `${id}.lock`);
  const deadline = Date.now() + 5_000;
  // The lock appears with its owner's name in it (a hard link to a file written first), so no
  // one ever sees a lock without an owner.
  const claim = `${lock}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await files.open(claim, 'wx');
    try {
      await handle.writeFile(LOCK_OWNER);
    } finally {
      await handle.close();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await files.link(claim, lock);
        heldLocks.add(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const [age, owner] = await Promise.all([
        files.stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        ),
        files.readFile(lock, 'utf8').catch(() => ''),
      ]);
      if (age > 30_000 || ownerGone(owner, lock)) await files.rm(lock, { force: true }).catch(() => undefined);
      else if (Date.now() > deadline) throw new StoreError('busy', 'another save of this policy is in progress; try again');
      await sleep(Math.min(100, 5 * 2 ** attempt));
    }
  } finally {
    await files.rm(claim, { force: true }).catch(() => undefined);
  }
  try {
    return await fn();
  } finally {
    // The save's outcome stands even if the lock cannot be removed: the next save sees it is stale.
    await files.rm(lock, { force: true }).catch(() => undefined);
    heldLocks.delete(lock);
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
