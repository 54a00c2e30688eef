// `spe serve`: the HTTP service on the policies folder, in one process or several.
import cluster from 'node:cluster';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { TOKEN_FILE_VARIABLE, TOKEN_VARIABLE, forkWorkers, generateToken, startServer } from '../server/index.js';
import { EXIT, UsageError } from './main.js';

export const HELP = `Usage: spe serve [--port 8080] [--host 127.0.0.1] [--policies DIR] [--workers N] [--time-limit MS]

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
  --workers <n>     processes sharing the port (default: 1; 0 = one per core)
  --time-limit <ms> most time for a heavy request (/v1/test, /v1/try, a batch of more than
                    20 items), run on worker threads: past it, 503 too-much-work (default: 2000)

Writes need the admin token from ${TOKEN_VARIABLE}, or from the file named by
${TOKEN_FILE_VARIABLE} (read again on SIGHUP: write the new token there and send SIGHUP to
rotate it; the old one is refused at once). When neither is set, a token is made at start and
printed once. After 10 failed attempts in a minute a client address is refused (429) for the
rest of that minute. Decision logs are JSON lines on standard output.
`;

/** The token in a token file: its first line, trimmed. */
function readTokenFile(file: string): string {
  const token = readFileSync(file, 'utf8').split('\n')[0]!.trim();
  if (!token) throw new Error(`${file} holds no token`);
  return token;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      policies: { type: 'string', default: 'policies/' },
      workers: { type: 'string', default: '1' },
      'time-limit': { type: 'string', default: '2000' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`'${values.port}' is not a port number`);
  const workers = values.workers === '0' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers takes 1 to 64 (or 0 for one per core)`);
  const timeLimitMs = Number(values['time-limit']);
  if (!Number.isInteger(timeLimitMs) || timeLimitMs < 10 || timeLimitMs > 600_000)
    throw new UsageError(`--time-limit takes 10 to 600000 milliseconds`);
  if (!existsSync(values.policies) || !statSync(values.policies).isDirectory())
    throw new UsageError(`'${values.policies}' is not a folder`);

  const tokenFile = process.env[TOKEN_FILE_VARIABLE];
  let token = process.env[TOKEN_VARIABLE];
  if (tokenFile && token) throw new UsageError(`set ${TOKEN_VARIABLE} or ${TOKEN_FILE_VARIABLE}, not both`);
  if (tokenFile) {
    try {
      token = readTokenFile(tokenFile);
    } catch (e) {
      throw new UsageError(`cannot read the admin token: ${(e as Error).message}`);
    }
  }
  if (cluster.isPrimary && !token) {
    token = generateToken();
    process.stderr.write(`spe serve: no ${TOKEN_VARIABLE} set; the admin token for this run is\n  ${token}\n`);
  }
  // SIGHUP rotates the token: read the file again (each worker reads it itself).
  const rotate = () => {
    if (!tokenFile) return void process.stderr.write(`spe serve: SIGHUP: no ${TOKEN_FILE_VARIABLE}, the token stays\n`);
    try {
      token = readTokenFile(tokenFile);
      process.stderr.write(`spe serve: admin token read again from ${tokenFile}\n`);
    } catch (e) {
      process.stderr.write(`spe serve: SIGHUP: ${(e as Error).message}; the token stays\n`);
    }
  };
  if (cluster.isPrimary && workers > 1) {
    const stop = forkWorkers(workers, tokenFile ? {} : { [TOKEN_VARIABLE]: token! }, () => undefined);
    process.stderr.write(`spe serve: ${workers} workers on http://${values.host}:${port}/ (Ctrl-C stops)\n`);
    const relay = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
    };
    process.on('SIGHUP', relay);
    await new Promise<void>((resolve) => {
      const end = () => {
        stop();
        resolve();
      };
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
    });
    process.off('SIGHUP', relay);
    return EXIT.ok;
  }
  process.on('SIGHUP', rotate);

  let running;
  try {
    running = await startServer({
      host: values.host,
      port,
      policiesDir: values.policies,
      token: () => token!,
      heavyWork: { timeLimitMs },
    });
  } catch (e) {
    process.stderr.write(`spe serve: cannot start on ${values.host}:${port}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const degraded = running.store.health().degraded;
  for (const d of degraded)
    process.stderr.write(
      `spe serve: policies/${d.id}.yaml has errors; ${d.serving ? 'serving its last good revision' : 'not served'}\n`,
    );
  if (cluster.isPrimary)
    process.stderr.write(
      `spe serve: ${running.store.list().length} policies from ${values.policies} at ${running.url}/ (Ctrl-C stops)\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = () => void running.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // A cluster worker's channel to the primary keeps it alive: leave explicitly once closed.
  if (!cluster.isPrimary) process.exit(EXIT.ok);
  return EXIT.ok;
}
