// `spe serve`: the HTTP service on the policies folder, in one process or several.
import cluster from 'node:cluster';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  Supervisor,
  TOKEN_FILE_VARIABLE,
  TOKEN_VARIABLE,
  type TrustProxy,
  WorkerLink,
  generateToken,
  isPostgresUrl,
  redactedUrl,
  startServer,
  tokenFromFile,
  tokenProblem,
  trustProxySetting,
} from '../server/index.js';
import { EXIT, UsageError } from './common.js';

export const TRUST_PROXY_VARIABLE = 'SPE_TRUST_PROXY';
export const STORE_VARIABLE = 'SPE_STORE';

export const HELP = `Usage: spe serve [--port 8080] [--host 127.0.0.1] [--policies DIR | --store URL] [--workers N] [--trust-proxy WHO]
                 [--history-keep N] [--poll-ms N] [--poll-only] [--time-limit MS] [--decision-log FILE|-]

Serves the policies in DIR (default: policies/) over HTTP; see GET /openapi.json.
  POST /v1/evaluate             { "policy": "zmanda", "facts": {…} } → the decision
  POST /v1/evaluate/batch       { "requests": [{ "policy", "facts" }, …] } → results in order
  GET  /v1/policies[/ID]        the policies; one's source, revision (ETag) and diagnostics
  PUT  /v1/policies/ID          save (admin token, If-Match: the revision you edited)
  GET  /v1/policies/ID/history  its revisions; POST /v1/policies/ID/rollback restores one
  POST /v1/validate             { "source": "…" } → diagnostics
  GET  /healthz  /metrics  /openapi.json

Options:
  --port <n>        port to listen on (default: 8080, or PORT; 0 picks a free one)
  --host <addr>     address to listen on (default: 127.0.0.1)
  --policies <dir>  the policies folder (default: policies/); its files are the source of truth
  --store <url>     the policies in PostgreSQL instead (postgres://user:password@host:5432/db,
                    ?sslmode=require for TLS; or ${STORE_VARIABLE}), shared by every replica: the
                    tables are created or migrated at start, a save on one replica is served by
                    all within a second; while the database is away the last revisions keep
                    serving, /healthz says degraded and saves answer 503
  --workers <n>     processes sharing the port (default: 1; 0 = one per core)
  --trust-proxy <who>  the proxies whose X-Forwarded-For names the client, for the failed-token
                    limit: addresses or subnets (loopback, 10.0.0.0/8, …) or a number of hops
                    (default: none, or ${TRUST_PROXY_VARIABLE})
  --history-keep <n>  history entries kept per policy, the oldest pruned at each save
                    (default: all; or SPE_HISTORY_KEEP)
  --poll-ms <n>     rescan the folder every n ms, for changes its events miss (default: 2000,
                    or SPE_POLL_MS; 0 = never)
  --poll-only       no file system events, only the rescans (network and overlay file systems)
  --time-limit <ms> most time for a heavy request (/v1/test, /v1/try, a batch of more than
                    20 items), run on worker threads: past it, 503 too-much-work (default: 2000)
  --decision-log <file|->  one JSON line per decision served (time, policy, revision, decisionId,
                    the facts with those marked personal: true masked, the decision's fields),
                    appended to FILE (every worker appends whole lines) or written to standard
                    output (-); replay it through a draft with spe impact --tickets FILE

Writes need the admin token from ${TOKEN_VARIABLE}, or from the file named by
${TOKEN_FILE_VARIABLE} (its trailing line break dropped; read again on SIGHUP: write the new
token there and send SIGHUP to rotate it, the old one is refused at once; empty or remove the
file and send SIGHUP to refuse every write, 503). When neither is set, a token is made at start
and printed once. A token holding whitespace is refused at start; one shorter than 32
characters is warned about. After 10 failed attempts in a minute a client address gets 429 for
its wrong tokens for the rest of that minute (the right token is never refused). Decision logs
are JSON lines on standard output.
`;

/** The token a token file holds, or why it holds none that can be used. */
function readTokenFile(file: string): string {
  const token = tokenFromFile(readFileSync(file, 'utf8'));
  const problem = tokenProblem(token);
  if (problem && 'refused' in problem) throw new Error(`${file}: ${problem.refused}`);
  return token;
}

const say = (line: string) => void process.stderr.write(`spe serve: ${line}\n`);

/** A weak token, said on standard error (and, by the caller, in the log). */
function warnings(token: string | null): string[] {
  const problem = token === null ? null : tokenProblem(token);
  return problem && 'weak' in problem ? [`warning: ${problem.weak}`] : [];
}

interface Settings {
  host: string;
  port: number;
  policies: string;
  /** A PostgreSQL URL, or undefined for the folder. */
  store: string | undefined;
  workers: number;
  trustProxy: TrustProxy | undefined;
  historyKeep: number;
  watchOptions: { pollMs: number; events: boolean };
  timeLimitMs: number;
  decisionLog: string | undefined;
}

function settings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      policies: { type: 'string', default: 'policies/' },
      store: { type: 'string' },
      workers: { type: 'string', default: '1' },
      'trust-proxy': { type: 'string' },
      'history-keep': { type: 'string', default: process.env.SPE_HISTORY_KEEP ?? '0' },
      'poll-ms': { type: 'string', default: process.env.SPE_POLL_MS ?? '2000' },
      'poll-only': { type: 'boolean', default: false },
      'time-limit': { type: 'string', default: '2000' },
      'decision-log': { type: 'string' },
    },
  });
  const historyKeep = Number(values['history-keep']);
  if (!/^\d{1,9}$/.test(values['history-keep'])) throw new UsageError(`--history-keep takes a count (0 keeps all)`);
  const pollMs = Number(values['poll-ms']);
  if (!/^\d{1,9}$/.test(values['poll-ms']) || (pollMs > 0 && pollMs < 100))
    throw new UsageError(`--poll-ms takes 0 (never) or at least 100 ms`);
  if (values['poll-only'] && pollMs === 0) throw new UsageError(`--poll-only needs --poll-ms above 0`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`'${values.port}' is not a port number`);
  const workers = values.workers === '0' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers takes 1 to 64 (or 0 for one per core)`);
  const timeLimitMs = Number(values['time-limit']);
  if (!Number.isInteger(timeLimitMs) || timeLimitMs < 10 || timeLimitMs > 600_000)
    throw new UsageError(`--time-limit takes 10 to 600000 milliseconds`);
  const store = values.store ?? (process.env[STORE_VARIABLE] || undefined);
  if (store !== undefined && !isPostgresUrl(store))
    throw new UsageError(`--store takes a PostgreSQL URL (postgres://user@host:5432/db); the folder is --policies`);
  if (store !== undefined && args.some((a) => a === '--policies' || a.startsWith('--policies=')))
    throw new UsageError(`--policies and --store name two stores: give one`);
  if (store === undefined && (!existsSync(values.policies) || !statSync(values.policies).isDirectory()))
    throw new UsageError(`'${values.policies}' is not a folder`);
  const decisionLog = values['decision-log'];
  if (decisionLog !== undefined && decisionLog !== '-') {
    if (decisionLog === '' || (existsSync(decisionLog) && statSync(decisionLog).isDirectory()))
      throw new UsageError(`--decision-log takes a file to append to, or - for standard output`);
    if (!existsSync(dirname(decisionLog))) throw new UsageError(`--decision-log: no folder '${dirname(decisionLog)}'`);
    try {
      closeSync(openSync(decisionLog, 'a'));
    } catch (e) {
      throw new UsageError(`--decision-log: cannot append to ${decisionLog} (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  const trust = values['trust-proxy'] ?? process.env[TRUST_PROXY_VARIABLE];
  let trustProxy: TrustProxy | undefined;
  if (trust !== undefined && trust !== '') {
    try {
      trustProxy = trustProxySetting(trust);
    } catch (e) {
      throw new UsageError(`--trust-proxy '${trust}': ${(e as Error).message}`);
    }
  }
  return {
    host: values.host,
    port,
    policies: values.policies,
    store,
    workers,
    trustProxy,
    historyKeep,
    watchOptions: { pollMs, events: !values['poll-only'] },
    timeLimitMs,
    decisionLog,
  };
}

export async function run(args: string[]): Promise<number> {
  if (cluster.isWorker) return runWorker(args);
  const s = settings(args);
  const tokenFile = process.env[TOKEN_FILE_VARIABLE] || undefined;
  let token: string | null = process.env[TOKEN_VARIABLE] || null;
  if (tokenFile && token) throw new UsageError(`set ${TOKEN_VARIABLE} or ${TOKEN_FILE_VARIABLE}, not both`);
  if (tokenFile) {
    try {
      token = readTokenFile(tokenFile);
    } catch (e) {
      throw new UsageError(`cannot read the admin token: ${(e as Error).message}`);
    }
  } else if (token !== null) {
    const problem = tokenProblem(token);
    if (problem && 'refused' in problem) throw new UsageError(`${TOKEN_VARIABLE}: ${problem.refused}`);
  } else {
    token = generateToken();
    process.stderr.write(`spe serve: no ${TOKEN_VARIABLE} set; the admin token for this run is\n  ${token}\n`);
  }
  for (const w of warnings(token)) say(w);

  // SIGHUP reads the token file again. A file that is gone, empty or unusable revokes the token:
  // every write is refused (503) until a good token is there and SIGHUP is sent again.
  const reread = (): string => {
    if (!tokenFile) return `SIGHUP: no ${TOKEN_FILE_VARIABLE}, the token stays`;
    try {
      token = readTokenFile(tokenFile);
      for (const w of warnings(token)) say(w);
      return `admin token read again from ${tokenFile}`;
    } catch (e) {
      token = null;
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${tokenFile} is gone` : (e as Error).message;
      return `SIGHUP: ${why}; every write is refused until a token is there and SIGHUP is sent again`;
    }
  };

  if (s.workers > 1) {
    const supervisor = new Supervisor({
      workers: s.workers,
      token: () => token,
      report: (line) => void process.stderr.write(`${line}\n`),
    });
    supervisor.start();
    say(`${s.workers} workers on http://${s.host}:${s.port}/ (Ctrl-C stops)`);
    const relay = () => {
      const line = reread();
      void supervisor.tokenChanged().then((n) => say(`${line} (${n} workers told)`));
    };
    process.on('SIGHUP', relay);
    await new Promise<void>((resolve) => {
      const end = () => {
        supervisor.stop();
        resolve();
      };
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
    });
    process.off('SIGHUP', relay);
    return EXIT.ok;
  }
  process.on('SIGHUP', () => say(reread()));

  let running;
  try {
    running = await startServer({ ...serverOptions(s), token: () => token, warnings: warnings(token) });
  } catch (e) {
    say(`cannot start on ${s.host}:${s.port}: ${(e as Error).message}`);
    return EXIT.failed;
  }
  reportDegraded(running.store.health().degraded);
  say(
    `${running.store.list().length} policies from ${s.store ? redactedUrl(s.store) : s.policies} at ${running.url}/ (Ctrl-C stops)`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void running.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}

/** What a server takes from the command line, alone or as a cluster worker (the token is each one's own). */
function serverOptions(s: Settings) {
  return {
    host: s.host,
    port: s.port,
    policiesDir: s.policies,
    ...(s.store ? { store: s.store } : {}),
    ...(s.trustProxy === undefined ? {} : { trustProxy: s.trustProxy }),
    historyKeep: s.historyKeep,
    watchOptions: s.watchOptions,
    heavyWork: { timeLimitMs: s.timeLimitMs },
    ...(s.decisionLog ? { decisionLog: s.decisionLog } : {}),
  };
}

function reportDegraded(degraded: { id: string; serving: string | null }[]): void {
  for (const d of degraded)
    say(`policies/${d.id}.yaml has errors; ${d.serving ? 'serving its last good revision' : 'not served'}`);
}

/**
 * A cluster worker: its token comes from the primary, never from the file (so a respawned worker
 * cannot be stopped by a bad file); a worker that cannot start says why and exits, and the
 * primary tries again later. Its channel to the primary keeps it alive: it always leaves explicitly.
 */
async function runWorker(args: string[]): Promise<number> {
  const link = await WorkerLink.connect();
  let running;
  try {
    const s = settings(args);
    running = await startServer({ ...serverOptions(s), token: () => link.token(), warnings: warnings(link.token()), link });
  } catch (e) {
    await link.failed((e as Error).message);
    process.exit(EXIT.failed);
  }
  process.on('SIGHUP', () => undefined); // the primary reads the token file and tells each worker
  await new Promise<void>((resolve) => {
    const stop = () => void running.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.exit(EXIT.ok);
}
