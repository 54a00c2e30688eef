// `spe serve`: the HTTP service on the policies folder.
import { existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '../server/index.js';
import { EXIT, UsageError } from './main.js';

export const HELP = `Usage: spe serve [--port 8080] [--host 127.0.0.1] [--policies DIR]

Serves the policies in DIR (default: policies/) over HTTP:
  GET  /healthz               liveness
  GET  /v1/policies           the policies, each with its revision and whether it is valid
  GET  /v1/policies/:id       one policy's source, revision (also as ETag) and diagnostics
  POST /v1/validate           { "source": "…" } → { ok, diagnostics }
  GET  /v1/schema             the JSON Schema of policy files

Options:
  --port <n>        port to listen on (default: 8080; 0 picks a free one)
  --host <addr>     address to listen on (default: 127.0.0.1)
  --policies <dir>  the policies folder (default: policies/)
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      policies: { type: 'string', default: 'policies/' },
    },
  });
  void positionals;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`'${values.port}' is not a port number`);
  if (!existsSync(values.policies) || !statSync(values.policies).isDirectory())
    throw new UsageError(`'${values.policies}' is not a folder`);
  let server;
  try {
    server = await serve({ host: values.host, port, policiesDir: values.policies });
  } catch (e) {
    process.stderr.write(`spe serve: cannot listen on ${values.host}:${port}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const { address, port: bound } = server.address() as AddressInfo;
  process.stdout.write(`spe serve: policies from ${values.policies} at http://${address}:${bound}/ (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}
