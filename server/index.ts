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
import { answerClientError } from './http.js';
import { HeavyWork, type HeavyWorkOptions } from './heavy.js';
import { createMetrics } from './metrics.js';
import { openDecisionLog } from './decision-log.js';
import type { FailedAuthLimit, TokenSource } from './auth.js';
import type { WorkerLink } from './cluster.js';
import type { TrustProxy } from './app.js';
import { PgStore } from './pg-store.js';
import { PolicyStore, type StoreFiles, type WatchOptions } from './store.js';
import type { Store } from './stores.js';

export { createService, trustProxySetting, type AppOptions, type TrustProxy } from './app.js';
export { publicDiagnostic } from './views.js';
export { Supervisor, WorkerLink } from './cluster.js';
export { HttpError } from './errors.js';
export { BATCH_ON_MAIN_THREAD, DEFAULT_TIME_LIMIT_MS, HeavyWork, type HeavyWorkOptions } from './heavy.js';
export {
  FailedAuthLimit,
  generateToken,
  TOKEN_FILE_VARIABLE,
  TOKEN_VARIABLE,
  tokenFromFile,
  tokenProblem,
  type TokenSource,
} from './auth.js';
export { openapi } from './openapi.js';
export { type DecisionLog, openDecisionLog } from './decision-log.js';
export { PolicyStore, POLICY_ID, POLL_MS, StoreError, type StoreFiles, type WatchOptions } from './store.js';
export type { PolicyEntry, Saved, Store, StoreHealth } from './stores.js';
export { PgStore, isPostgresUrl, redactedUrl } from './pg-store.js';
export { migrate, SCHEMA_VERSION } from './pg-schema.js';
export { importPolicy, openPool, readDatabase, readFolder, writeFolder, type MovingPolicy } from './pg-transfer.js';

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
  /** `/v1/events` streams open at once, at most (default: 500). */
  maxEventStreams?: number;
  host: string;
  port: number;
  policiesDir: string;
  /** A PostgreSQL URL (`postgres://…`): the policies live there, shared by replicas, instead of in `policiesDir`. */
  store?: string;
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
  /** How the folder is watched: fs.watch events and/or a rescan every `pollMs` (default both, 2 s). */
  watchOptions?: WatchOptions;
  /** History entries kept per policy, the oldest pruned at each save (default: all). */
  historyKeep?: number;
  /** The built editor; default: editor/dist beside the project, when it exists. */
  editorDir?: string;
  /** Serve POST /v1/evaluate ahead of express (default: true; the same answers, for less work). */
  evaluationLane?: boolean;
  /** Which proxies' X-Forwarded-For to believe for the client address (express's `trust proxy`). */
  trustProxy?: TrustProxy;
  /** Said once in the log at start (a weak admin token, say). */
  warnings?: string[];
  /** In a cluster worker: the channel to the primary (metrics of all workers, saves served by all). */
  link?: WorkerLink;
  /** Worker threads and time limit of heavy requests (`/v1/test`, `/v1/try`, big batches). */
  heavyWork?: HeavyWorkOptions;
  /** Log every decision served, with its facts (personal ones masked), as JSON lines: a file appended to, or `-` for standard output. */
  decisionLog?: string;
}

export interface RunningServer {
  server: Server;
  store: Store;
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
  const store: Store = options.store
    ? new PgStore(options.store, {
        ...(options.historyKeep ? { historyKeep: options.historyKeep } : {}),
        events: {
          migrated: (versions) => logger.info({ versions }, 'policy tables migrated'),
          reloaded: (id, ok) => {
            metrics.reloads.inc({ policy: id, result: ok ? 'ok' : 'failed' });
            if (!ok) logger.warn({ policy: id }, 'stored policy is invalid; serving its last good revision');
          },
          lost: (reason) => {
            metrics.storeAvailable.set(0);
            logger.error({ reason }, 'policy database lost; serving the revisions loaded last');
          },
          restored: (ms) => {
            metrics.storeAvailable.set(1);
            logger.info({ downMs: ms }, 'policy database back; every policy reloaded');
          },
        },
      })
    : folderStore(options, metrics, logger);
  await store.load();
  metrics.storeAvailable.set(1);
  if (options.watch !== false) store.watch(options.watchOptions);
  // Before listening, so a worker never serves a revision older than an acknowledged save.
  await options.link?.ready(store, metrics.registry);
  for (const w of options.warnings ?? []) logger.warn(w);
  const editorDir = options.editorDir ?? defaultEditorDir();
  const heavy = new HeavyWork(options.heavyWork);
  const decisionLog = options.decisionLog === undefined ? undefined : openDecisionLog(options.decisionLog);
  const { app, lane, events } = createService({
    store,
    heavy,
    token: options.token,
    ...(options.authLimit ? { authLimit: options.authLimit } : {}),
    metrics,
    logger,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(editorDir ? { editorDir } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.link ? { cluster: options.link } : {}),
    ...(decisionLog ? { decisionLog } : {}),
    ...(options.maxEventStreams === undefined ? {} : { maxEventStreams: options.maxEventStreams }),
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
  // A request Node's parser refuses never reaches the lane or express: answer it here, in the
  // same JSON shape, instead of Node's bodiless 400.
  server.on('clientError', answerClientError);
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
        events.close();
        if (store instanceof PolicyStore) void store.close();
        server.close(() => {
          logger.flush();
          void Promise.all([heavy.close(), store.close(), decisionLog?.close()]).then(() => resolve(), resolve);
        });
        server.closeIdleConnections();
      }),
  };
}

/** The policies folder as the store, its events logged. */
function folderStore(options: ServeOptions, metrics: ReturnType<typeof createMetrics>, logger: Logger): PolicyStore {
  return new PolicyStore(
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
      missing: (id) => logger.warn({ policy: id }, 'policy file is missing; serving its last good revision'),
      misnamed: (id, says) => logger.warn({ policy: id, says }, "policy file's id is not its file name; not served"),
      damagedHistory: (id, entry, reason) => logger.warn({ policy: id, entry, reason }, 'history entry skipped'),
      cleaned: (files) => logger.info({ files: files.length }, 'removed lock and temporary files left by a stopped process'),
    },
    options.files,
    options.historyKeep ? { historyKeep: options.historyKeep } : {},
  );
}

export function isPrimary(): boolean {
  return cluster.isPrimary;
}
