// The evaluation service's public surface: start it on a folder of policies, one process or
// several (Node's cluster module) behind one port.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DestinationStream, type Logger, destination, pino } from 'pino';
import { createService } from './app.js';
import { HeavyWork, type HeavyWorkOptions } from './heavy.js';
import { createMetrics } from './metrics.js';
import type { FailedAuthLimit, TokenSource } from './auth.js';
import { PolicyStore, type StoreFiles } from './store.js';

export { createApp, createService, publicDiagnostic, type AppOptions } from './app.js';
export { HttpError } from './errors.js';
export { BATCH_ON_MAIN_THREAD, DEFAULT_TIME_LIMIT_MS, HeavyWork, type HeavyWorkOptions } from './heavy.js';
export { FailedAuthLimit, generateToken, TOKEN_FILE_VARIABLE, TOKEN_VARIABLE, type TokenSource } from './auth.js';
export { openapi } from './openapi.js';
export { PolicyStore, POLICY_ID, type StoreFiles } from './store.js';

/** How long a connection may take, in ms: slow or stuck clients must not hold connections forever. */
export interface Timeouts {
  /** To send the request's headers. */
  headers: number;
  /** To send the whole request. */
  request: number;
  /** An idle kept-alive connection stays open. */
  keepAlive: number;
  /** A connection with no traffic at all (say, a client that stops reading the answer). */
  idle: number;
}

export const TIMEOUTS: Timeouts = { headers: 10_000, request: 30_000, keepAlive: 5_000, idle: 60_000 };

export interface ServeOptions {
  host: string;
  port: number;
  policiesDir: string;
  /** The admin token, or a function giving the current one (rotation). */
  token: TokenSource;
  /** Failed admin-token attempts allowed per client address. */
  authLimit?: FailedAuthLimit;
  /** File operations of the policy store (default node:fs/promises; tests inject disk faults). */
  files?: StoreFiles;
  timeouts?: Partial<Timeouts>;
  bodyLimit?: string;
  /** Where the JSON log lines go (default: standard output); `silent` logs nothing. */
  log?: DestinationStream | 'silent';
  /** Watch the folder and reload changed files (default: true). */
  watch?: boolean;
  /** The built editor; default: editor/dist beside the project, when it exists. */
  editorDir?: string;
  /** Serve POST /v1/evaluate ahead of express (default: true; the same answers, for less work). */
  evaluationLane?: boolean;
  /** Worker threads and time limit of heavy requests (`/v1/test`, `/v1/try`, big batches). */
  heavyWork?: HeavyWorkOptions;
}

export interface RunningServer {
  server: Server;
  store: PolicyStore;
  url: string;
  close(): Promise<void>;
}

/** editor/dist of this project (found from this file, whether run from sources or from the bundle). */
function defaultEditorDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'editor', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

/** Loads the policies, starts watching them, and listens; resolves once it accepts connections. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  // Standard output is written asynchronously: under load, decision lines are gathered into
  // fewer writes instead of one blocking write each. Flushed when the server closes.
  const logger: Logger =
    options.log === 'silent'
      ? pino({ level: 'silent' })
      : pino({ base: { pid: process.pid } }, options.log ?? destination({ dest: 1, sync: false }));
  const metrics = createMetrics();
  const store = new PolicyStore(
    options.policiesDir,
    {
      reloaded: (id, ok) => {
        metrics.reloads.inc({ policy: id, result: ok ? 'ok' : 'failed' });
        if (!ok) logger.warn({ policy: id }, 'policy file is invalid; serving its last good revision');
      },
      unreadable: (id, errno) => {
        metrics.reloads.inc({ policy: id, result: 'failed' });
        logger.warn({ policy: id, errno }, 'policy file cannot be read; serving its last good revision');
      },
    },
    options.files,
  );
  await store.load();
  if (options.watch !== false) store.watch();
  const editorDir = options.editorDir ?? defaultEditorDir();
  const heavy = new HeavyWork(options.heavyWork);
  const { app, lane } = createService({
    store,
    heavy,
    token: options.token,
    ...(options.authLimit ? { authLimit: options.authLimit } : {}),
    metrics,
    logger,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(editorDir ? { editorDir } : {}),
  });
  const timeouts = { ...TIMEOUTS, ...options.timeouts };
  // Node checks the header and request timeouts every connectionsCheckingInterval (30 s unless
  // told): check often enough that they mean what they say.
  const server = createServer(
    {
      headersTimeout: timeouts.headers,
      requestTimeout: timeouts.request,
      keepAliveTimeout: timeouts.keepAlive,
      connectionsCheckingInterval: Math.min(1_000, timeouts.headers),
    },
    options.evaluationLane === false ? app : (req, res) => lane(req, res) || app(req, res),
  );
  server.setTimeout(timeouts.idle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    store,
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        store.close();
        server.close(() => {
          logger.flush();
          void heavy.close().then(resolve, resolve);
        });
        server.closeIdleConnections();
      }),
  };
}

/**
 * Runs `workers` processes sharing one port. The primary forks them and replaces any that
 * dies; each worker loads the policies and serves on its own.
 */
export function isPrimary(): boolean {
  return cluster.isPrimary;
}

export function forkWorkers(count: number, env: Record<string, string>, onExit: (code: number | null) => void): () => void {
  let stopping = false;
  const fork = () => cluster.fork(env);
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    onExit(code);
    process.stderr.write(`spe serve: worker ${worker.process.pid} stopped (${signal ?? code}); starting another\n`);
    fork();
  });
  return () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
  };
}
