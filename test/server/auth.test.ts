// Who may change a contract: every write endpoint refuses a missing, wrong or rotated token,
// a client that keeps guessing is held off, the comparison takes as long whatever the guess, and
// no token ever reaches a log line. Over real HTTP on 127.0.0.1, in process and as `spe serve`.
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FailedAuthLimit } from '../../server/index.js';
import { tokenMatches } from '../../server/auth.js';
import { root, serve } from '../support/reliability.js';
import { policiesCopy, startTestServer, withServer } from '../support/with-server.js';

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const retitled = (n: number) => zmanda.replace(/^title: .*$/m, `title: Zmanda customer support policy (edit ${n})`);

const folder = () => policiesCopy(['zmanda.yaml']);

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request from a chosen loopback address (127.0.0.0/8 is all this machine), on a new connection. */
function send(
  url: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, headers: opts.headers ?? {}, agent: false, ...(opts.from ? { localAddress: opts.from } : {}) },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const revisionOf = async (url: string, id = 'zmanda') =>
  ((await (await fetch(`${url}/v1/policies/${id}`)).json()) as { revision: string }).revision;

/** Every way to write, each given an Authorization header (or none). */
const writes = (url: string, revision: string, n: number) => [
  (auth?: string) =>
    send(url, 'PUT', '/v1/policies/zmanda', {
      headers: { 'content-type': 'application/json', 'if-match': revision, ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ source: retitled(n) }),
    }),
  (auth?: string) =>
    send(url, 'PUT', '/v1/policies/zmanda', {
      headers: { 'content-type': 'application/yaml', 'if-match': revision, ...(auth ? { authorization: auth } : {}) },
      body: retitled(n + 1),
    }),
  (auth?: string) =>
    send(url, 'PUT', '/v1/policies/created', {
      headers: { 'content-type': 'application/yaml', ...(auth ? { authorization: auth } : {}) },
      body: zmanda.replace('policy: zmanda', 'policy: created'),
    }),
  (auth?: string) =>
    send(url, 'POST', '/v1/policies/zmanda/rollback', {
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ revision }),
    }),
];

describe('every write endpoint needs the current admin token', () => {
  const dir = folder();
  let token = 'first-token-0123456789abcdef';
  const lines: string[] = [];
  const running = withServer({
    dir,
    token: () => token,
    // Generous: this block is about the answers, the limit has its own tests.
    authLimit: new FailedAuthLimit(1000),
    log: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });

  it('refuses none, a wrong one, a malformed one and a rotated one, and changes nothing', async () => {
    const before = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
    const revision = await revisionOf(running.url);
    const old = token;
    const attempts: [string | undefined, number, string][] = [
      [undefined, 401, 'unauthorized'],
      ['Bearer', 401, 'unauthorized'],
      ['Basic Zmlyc3QtdG9rZW4=', 401, 'unauthorized'],
      [`Token ${old}`, 401, 'unauthorized'],
      [`Bearer ${old} extra`, 401, 'unauthorized'],
      ['Bearer wrong', 403, 'forbidden'],
      [`Bearer ${old.slice(0, -1)}`, 403, 'forbidden'],
      [`Bearer ${old}x`, 403, 'forbidden'],
      [`Bearer ${old.toUpperCase()}`, 403, 'forbidden'],
      [`Bearer ${'x'.repeat(8000)}`, 403, 'forbidden'],
    ];
    for (const write of writes(running.url, revision, 1)) {
      for (const [auth, status, code] of attempts) {
        const res = await write(auth);
        expect(res.status, `${auth}`).toBe(status);
        const body = JSON.parse(res.body) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(code);
        expect(body.error.message).toMatch(/admin token/);
        expect(res.body).not.toContain(old);
      }
    }
    // Rotated: the token the service knew a moment ago is refused at once, the new one accepted.
    token = 'second-token-fedcba9876543210';
    for (const write of writes(running.url, revision, 1)) expect((await write(`Bearer ${old}`)).status).toBe(403);
    expect(readFileSync(join(dir, 'zmanda.yaml'), 'utf8')).toBe(before);
    expect((await fetch(`${running.url}/v1/policies/created`)).status).toBe(404);
    const [put] = writes(running.url, revision, 1);
    expect((await put!(`bearer   ${token}  `)).status).toBe(200);
    expect(readFileSync(join(dir, 'zmanda.yaml'), 'utf8')).toBe(retitled(1));
  });

  it('never writes a token, right or wrong, into the logs', async () => {
    const text = lines.join('');
    expect(text).toContain('admin token refused');
    expect(text).toContain('policy saved');
    for (const secret of ['first-token-0123456789abcdef', 'second-token-fedcba9876543210', 'first-token-0123456789abcde']) {
      expect(text).not.toContain(secret);
    }
    expect(text.toLowerCase()).not.toContain('bearer');
  });
});

describe('a client that keeps guessing is held off', () => {
  const TOKEN = 'rate-limit-token-0123456789';
  const running = withServer({ dir: folder(), token: TOKEN, authLimit: new FailedAuthLimit(3, 1500) });

  const put = (from: string, token: string) =>
    send(running.url, 'PUT', '/v1/policies/created', {
      from,
      headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` },
      body: zmanda.replace('policy: zmanda', 'policy: created'),
    });

  it('answers 429 with Retry-After to wrong tokens after the allowed failures, per address, and never to the right token', async () => {
    for (let i = 0; i < 3; i++) expect((await put('127.0.0.2', `guess-${i}`)).status).toBe(403);
    const limited = await put('127.0.0.2', 'guess-4');
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.code).toBe('too-many-attempts');
    const wait = Number(limited.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(2);
    expect((await put('127.0.0.2', '')).status).toBe(429);
    // A stranger failing from the admin's address does not lock the admin out.
    expect((await put('127.0.0.2', TOKEN)).status).toBe(201);
    // Another address, reads and evaluations are not affected.
    expect((await send(running.url, 'GET', '/v1/policies/zmanda', { from: '127.0.0.2' })).status).toBe(200);
    expect((await put('127.0.0.3', 'guess')).status).toBe(403);
    // Once the window has passed, a wrong token is told so again.
    await new Promise((r) => setTimeout(r, 1600));
    expect((await put('127.0.0.2', 'guess-5')).status).toBe(403);
  });

  it('counts failures in a window and forgets the oldest client when full', () => {
    const limit = new FailedAuthLimit(2, 1000, 3);
    limit.failed('a', 0);
    expect(limit.retryAfter('a', 10)).toBe(0);
    limit.failed('a', 10);
    expect(limit.retryAfter('a', 10)).toBe(1);
    expect(limit.retryAfter('a', 999)).toBe(1);
    expect(limit.retryAfter('a', 1000)).toBe(0);
    // A new window starts afresh.
    limit.failed('a', 1000);
    expect(limit.retryAfter('a', 1001)).toBe(0);
    for (const c of ['b', 'c', 'd']) {
      limit.failed(c, 1001);
      limit.failed(c, 1001);
    }
    // At most three clients: 'a' (the oldest) was forgotten to make room for 'd'.
    expect(limit.retryAfter('d', 1002)).toBe(1);
    expect(limit.retryAfter('a', 1002)).toBe(0);
  });
});

describe('behind a proxy (--trust-proxy)', () => {
  const TOKEN = 'proxy-test-token-0123456789abcdef';
  const start = (trustProxy?: string) =>
    startTestServer({
      dir: folder(),
      token: TOKEN,
      authLimit: new FailedAuthLimit(10, 60_000),
      ...(trustProxy ? { trustProxy } : {}),
    });
  const put = (url: string, token: string, client: string, n: number) =>
    send(url, 'PUT', '/v1/policies/created', {
      from: '127.0.0.1',
      headers: {
        'content-type': 'application/yaml',
        authorization: `Bearer ${token}`,
        'x-forwarded-for': client,
      },
      body: zmanda.replace('policy: zmanda', 'policy: created').replace(/^title: .*$/m, `title: Created ${n}`),
    });

  it('keys the failed-token limit on the client the proxy names: one client guessing does not hold off another', async () => {
    const running = await start('loopback');
    try {
      for (let i = 0; i < 10; i++) expect((await put(running.url, `guess-${i}`, '203.0.113.7', i)).status).toBe(403);
      expect((await put(running.url, 'guess-10', '203.0.113.7', 10)).status).toBe(429);
      // Another client behind the same proxy: its wrong token is told so, its right token works.
      expect((await put(running.url, 'typo', '198.51.100.9', 11)).status).toBe(403);
      expect((await put(running.url, TOKEN, '198.51.100.9', 12)).status).toBe(201);
      // The right token is never refused, even from the held-off client.
      const revision = await revisionOf(running.url, 'created');
      const again = await send(running.url, 'PUT', '/v1/policies/created', {
        from: '127.0.0.1',
        headers: {
          'content-type': 'application/yaml',
          authorization: `Bearer ${TOKEN}`,
          'x-forwarded-for': '203.0.113.7',
          'if-match': revision,
        },
        body: zmanda.replace('policy: zmanda', 'policy: created'),
      });
      expect(again.status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('believes no X-Forwarded-For unless told to: a guesser cannot escape the limit by naming other clients', async () => {
    const running = await start();
    try {
      for (let i = 0; i < 10; i++) expect((await put(running.url, `guess-${i}`, `203.0.113.${i}`, i)).status).toBe(403);
      expect((await put(running.url, 'guess', '192.0.2.1', 10)).status).toBe(429);
      expect((await put(running.url, TOKEN, '192.0.2.2', 11)).status).toBe(201);
    } finally {
      await running.close();
    }
  });

  it('takes --trust-proxy and SPE_TRUST_PROXY in `spe serve`, and refuses a value express would not understand', async () => {
    for (const [args, env] of [
      [['--trust-proxy', 'loopback'], {}],
      [[], { SPE_TRUST_PROXY: '127.0.0.1/8' }],
    ] as [string[], Record<string, string>][]) {
      const server = await serve(['--policies', folder(), ...args], { SPE_ADMIN_TOKEN: TOKEN, ...env });
      try {
        for (let i = 0; i < 10; i++) expect((await put(server.url, `guess-${i}`, '203.0.113.7', i)).status).toBe(403);
        expect((await put(server.url, 'guess', '203.0.113.7', 10)).status).toBe(429);
        expect((await put(server.url, 'typo', '198.51.100.9', 11)).status).toBe(403);
      } finally {
        await server.stop();
      }
    }
    const bad = spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'serve', '--trust-proxy', '300.1.2.3/99'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--trust-proxy '300\.1\.2\.3\/99'/);
  });
});

describe('token hygiene in `spe serve`', () => {
  it('warns about a weak token on standard error and in the log, and still starts', async () => {
    const server = await serve(['--policies', folder()], { SPE_ADMIN_TOKEN: 'short-token' });
    try {
      const { stdout, stderr } = server.output();
      expect(stderr).toMatch(/warning: the admin token is 11 characters long; use at least 32/);
      expect(stdout).toMatch(/"level":40.*the admin token is 11 characters long/);
      expect(stdout + stderr).not.toContain('short-token');
    } finally {
      await server.stop();
    }
  });

  it("refuses at start a token with whitespace, which no header could carry; drops the file's trailing line break", () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-token-'));
    for (const [text, status, said] of [
      ['two words-0123456789abcdefghijklmn\n', 2, /whitespace at character 4/],
      [' leading-space-0123456789abcdefghijkl\n', 2, /whitespace at character 1/],
      ['\n', 2, /the admin token is empty/],
    ] as [string, number, RegExp][]) {
      writeFileSync(join(dir, 'token'), text);
      const run = spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'serve', '--port', '0'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, SPE_ADMIN_TOKEN: '', SPE_ADMIN_TOKEN_FILE: join(dir, 'token') },
        timeout: 20_000,
      });
      expect(run.status, text).toBe(status);
      expect(run.stderr).toMatch(said);
    }
  });

  for (const workers of ['1', '2']) {
    it(`revokes the token when its file is removed and SIGHUP arrives, until a token is there again (--workers ${workers})`, async () => {
      const dir = folder();
      const tokenFile = join(mkdtempSync(join(tmpdir(), 'spe-token-')), 'token');
      const first = `revoke-${workers}-0123456789abcdefghijklmnop`;
      writeFileSync(tokenFile, `${first}\n`);
      const server = await serve(['--policies', dir, '--workers', workers], { SPE_ADMIN_TOKEN_FILE: tokenFile });
      const hup = async (said: RegExp, times: number) => {
        server.child.kill('SIGHUP');
        for (let i = 0; i < 200 && (server.output().stderr.match(said) ?? []).length < times; i++)
          await new Promise((r) => setTimeout(r, 25));
      };
      const create = (token: string) =>
        send(server.url, 'PUT', '/v1/policies/created', {
          headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` },
          body: zmanda.replace('policy: zmanda', 'policy: created'),
        });
      try {
        rmSync(tokenFile);
        await hup(/is gone; every write is refused/g, 1);
        for (let i = 0; i < 4; i++) {
          const refused = await create(first);
          expect(refused.status).toBe(503);
          expect(JSON.parse(refused.body).error.code).toBe('admin-token-unset');
        }
        expect((await send(server.url, 'GET', '/healthz')).status).toBe(200);
        writeFileSync(tokenFile, `${first}\n`);
        await hup(/read again/g, 1);
        expect((await create(first)).status).toBe(201);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('the token comparison', () => {
  it('answers right for every length, never throwing', () => {
    for (const given of ['', 'a', 'secret', 'secreT', 'secret ', 'x'.repeat(10_000), '\u00e9\u0000']) {
      expect(tokenMatches(given, 'secret')).toBe(given === 'secret');
    }
  });

  it('takes as long whether a guess is wrong in its first character or its last', () => {
    // With a 1 MB token an early-exit comparison would differ by the time to scan 1 MB; comparing
    // digests of equal length takes the same time whatever the guess.
    const expected = 'k'.repeat(1 << 20);
    const early = `x${expected.slice(1)}`;
    const late = `${expected.slice(0, -1)}x`;
    const time = (guess: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 4; i++) tokenMatches(guess, expected);
      return Number(process.hrtime.bigint() - start);
    };
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < 25; round++) {
      a.push(time(early));
      b.push(time(late));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
    const ratio = median(a) / median(b);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});

describe('rotating the token of a running `spe serve`', () => {
  for (const workers of ['1', '2']) {
    it(`refuses the old token once the token file changed and SIGHUP arrived (--workers ${workers})`, async () => {
      const dir = folder();
      const tokenFile = join(mkdtempSync(join(tmpdir(), 'spe-token-')), 'token');
      const first = `first-${workers}-0123456789abcdef`;
      const second = `second-${workers}-fedcba9876543210`;
      writeFileSync(tokenFile, `${first}\n`);
      const server = await serve(['--policies', dir, '--workers', workers], { SPE_ADMIN_TOKEN_FILE: tokenFile });
      try {
        // Each request on its own connection, so with workers every process is asked. A worker
        // learns of another's save from the folder a moment later: until then If-Match may be stale.
        const attempt = async (token: string, n: number) => {
          for (let tries = 0; ; tries++) {
            const { status } = await writes(server.url, await revisionOf(server.url), n)[0]!(`Bearer ${token}`);
            if (status !== 412 || tries === 20) return status;
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        expect(await attempt(first, 1)).toBe(200);
        writeFileSync(tokenFile, `${second}\n`);
        server.child.kill('SIGHUP');
        // With workers the primary reads the file and says so once every worker has the new token.
        const read = workers === '1' ? /read again/ : /read again.*\(2 workers told\)/;
        for (let i = 0; i < 100 && !read.test(server.output().stderr); i++) await new Promise((r) => setTimeout(r, 50));
        for (let i = 0; i < 4; i++) expect(await attempt(first, 10 + i)).toBe(403);
        for (let i = 0; i < 4; i++) expect(await attempt(second, 20 + i)).toBe(200);
        const { stdout, stderr } = server.output();
        expect(stdout).toContain('policy saved');
        for (const secret of [first, second]) expect(stdout + stderr).not.toContain(secret);
      } finally {
        await server.stop();
      }
    });
  }
});
