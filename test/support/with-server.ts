// One in-process service for tests: a temp copy of policies/ (or a given folder), served on a
// free port of 127.0.0.1 with test defaults (silent log, a fixed admin token), with the requests
// tests repeat. `spe serve` as a process is test/support/reliability.ts's `serve()`.
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { type RunningServer, type ServeOptions, startServer } from '../../server/index.js';
import type { TokenSource } from '../../server/auth.js';

const root = join(import.meta.dirname, '..', '..');

/** The admin token of a test server unless the test names its own. */
export const TEST_TOKEN = 'test-fixture-admin-token-0123456789';

export interface TestServerOptions extends Partial<Omit<ServeOptions, 'host' | 'port' | 'policiesDir'>> {
  /** Serve this folder as it is (default: a temp copy of policies/). */
  dir?: string;
  /** The files of policies/ the temp copy holds (default: every .yaml); not with `dir`. */
  copy?: string[];
}

export interface TestServer extends RunningServer {
  dir: string;
  token: TokenSource;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** POSTs `body` as JSON: a string as it is, anything else stringified. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** A temp folder holding a copy of `files` of policies/ (default: every .yaml). */
export function policiesCopy(files?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'spe-test-'));
  for (const f of files ?? readdirSync(join(root, 'policies')).filter((f) => f.endsWith('.yaml')))
    cpSync(join(root, 'policies', f), join(dir, f));
  return dir;
}

/** Starts a server; the caller closes it. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { dir = policiesCopy(options.copy), copy: _copy, ...rest } = options;
  const token = rest.token ?? TEST_TOKEN;
  // Heavy requests get 30 s, not the service's 2 s: a test asserts answers, and a machine busy with
  // other work must not turn them into 503s. Tests of the limit itself pass their own.
  const running = await startServer({
    log: 'silent',
    heavyWork: { timeLimitMs: 30_000 },
    ...rest,
    host: '127.0.0.1',
    port: 0,
    policiesDir: dir,
    token,
  });
  return {
    ...running,
    dir,
    token,
    get: (path, headers = {}) => fetch(`${running.url}${path}`, { headers }),
    post: (path, body, headers = {}) =>
      fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

/** Inside a test: starts a server closed when the test finishes. */
export async function serverForTest(options: TestServerOptions = {}): Promise<TestServer> {
  const running = await startTestServer(options);
  onTestFinished(() => running.close());
  return running;
}

/**
 * In a describe block or a file: a server started before its tests and closed after them. The
 * handle answers once started, i.e. inside tests and hooks. `options` may be a function, called
 * when the server starts.
 */
export function withServer(options: TestServerOptions | (() => TestServerOptions) = {}): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(typeof options === 'function' ? options() : options);
  });
  afterAll(() => current?.close());
  return new Proxy({} as TestServer, {
    get(_, key) {
      if (!current) throw new Error(`withServer(): the server is not started yet (reading ${String(key)})`);
      return Reflect.get(current, key);
    },
  });
}
