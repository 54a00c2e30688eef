// `spe serve --workers 2` as real processes on 127.0.0.1: the port stays served when workers are
// killed and a replacement cannot start (it is reported and tried again with backoff), /metrics
// adds up every worker (a counter never goes back between scrapes), and a save is acknowledged
// only once every worker serves it (no read after the 200 sees the previous revision).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figure, root, runs, serve, type ServeProcess } from '../support/reliability.js';

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const retitled = (n: number) => zmanda.replace(/^title: .*$/m, `title: Zmanda customer support policy (edit ${n})`);
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };
const TOKEN = 'cluster-test-token-0123456789abcdef';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spe-cluster-'));
  cpSync(join(root, 'policies', 'zmanda.yaml'), join(dir, 'zmanda.yaml'));
  return dir;
}

/** One request on a connection of its own, so the cluster hands each to the next worker. */
function send(
  url: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: opts.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const evaluate = (url: string) =>
  send(url, 'POST', '/v1/evaluate', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ policy: 'zmanda', facts: ticket }),
  });

const workerPids = (server: ServeProcess): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(server.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await ok());) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Until every worker of `--workers n` listens (one still starting would count as a failed start when killed). */
const allListening = (server: ServeProcess, n: number) =>
  until(
    `${n} workers listening`,
    async () =>
      Number(/spe_worker_starts_total\{result="listening"\} (\d+)/.exec((await send(server.url, 'GET', '/metrics')).body)?.[1] ?? 0) >= n,
    20_000,
  );

/** Whether the port answers /healthz and an evaluation, each within the time given. */
const serving = async (url: string) =>
  (await send(url, 'GET', '/healthz').then(
    (r) => r.status === 200,
    () => false,
  )) &&
  (await evaluate(url).then(
    (r) => r.status === 200,
    () => false,
  ));

describe('workers that stop or cannot start', () => {
  it('keeps the port served when the token file is emptied and every worker is killed in turn', async () => {
    const dir = folder();
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'spe-token-')), 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const server = await serve(['--policies', dir, '--workers', '2'], { SPE_ADMIN_TOKEN_FILE: tokenFile });
    try {
      writeFileSync(tokenFile, '');
      const rounds = runs(4, 40);
      for (let round = 0; round < rounds; round++) {
        // Each round's replacement listening first: killing one still starting is another story (below).
        await allListening(server, 2 + round);
        const [pid] = workerPids(server);
        process.kill(pid!, 'SIGKILL');
        // The replacement gets the token from the primary, not from the (empty) file: it starts.
        await until('two workers again', () => workerPids(server).length === 2 && !workerPids(server).includes(pid!), 20_000);
        await until('the port answers', () => serving(server.url), 5_000);
      }
      figure('workers killed while the token file was empty', rounds);
      // The token read at start still holds: the file changes nothing until SIGHUP.
      const revision = JSON.parse((await send(server.url, 'GET', '/v1/policies/zmanda')).body).revision as string;
      const put = () =>
        send(server.url, 'PUT', '/v1/policies/zmanda', {
          headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': revision },
          body: retitled(1),
        });
      expect(JSON.parse((await send(server.url, 'GET', '/v1/policies/zmanda')).body).revision).toBe(revision);
      await allListening(server, 2 + rounds);
      server.child.kill('SIGHUP');
      await until('SIGHUP handled', () => /every write is refused.*\(2 workers told\)/.test(server.output().stderr));
      for (let i = 0; i < 4; i++) {
        const refused = await put();
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body).error.code).toBe('admin-token-unset');
      }
      expect(await serving(server.url)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('reports a worker that cannot start, tries again with growing waits, and keeps serving meanwhile', async () => {
    const dir = folder();
    const server = await serve(['--policies', dir, '--workers', '2'], { SPE_ADMIN_TOKEN: TOKEN });
    try {
      await allListening(server, 2);
      // The folder gone: a new worker cannot load the policies; the one left serves from memory.
      renameSync(dir, `${dir}-away`);
      const [pid] = workerPids(server);
      process.kill(pid!, 'SIGKILL');
      await until('three failed starts', () => (server.output().stderr.match(/could not start/g) ?? []).length >= 3);
      const failures = server
        .output()
        .stderr.split('\n')
        .filter((l) => l.includes('could not start'));
      expect(failures[0], failures.join('\n')).toMatch(/is not a folder.*trying again in 0\.1 s/);
      expect(failures[1]).toMatch(/trying again in 0\.2 s/);
      expect(failures[2]).toMatch(/trying again in 0\.4 s/);
      for (let i = 0; i < 10; i++) expect(await serving(server.url)).toBe(true);
      renameSync(`${dir}-away`, dir);
      await until('the replacement listening', () => /worker \d+ started/.test(server.output().stderr));
      expect(workerPids(server)).toHaveLength(2);
      const metrics = (await send(server.url, 'GET', '/metrics')).body;
      expect(metrics).toMatch(/spe_worker_starts_total\{result="failed"\} [3-9]/);
    } finally {
      await server.stop();
    }
  });
});

describe('/metrics with workers', () => {
  it('adds up every worker: a counter never decreases and equals the requests made', async () => {
    const server = await serve(['--policies', folder(), '--workers', '2'], { SPE_ADMIN_TOKEN: TOKEN });
    try {
      const count = (text: string) =>
        Number(/^spe_http_requests_total\{route="\/v1\/evaluate",method="POST",status="200"\} (\d+)$/m.exec(text)?.[1] ?? 0);
      let made = 0;
      let last = 0;
      const scrapes = runs(20, 200);
      for (let i = 0; i < scrapes; i++) {
        const n = 1 + (i % 3);
        for (let j = 0; j < n; j++) expect((await evaluate(server.url)).status).toBe(200);
        made += n;
        const seen = count((await send(server.url, 'GET', '/metrics')).body);
        expect(seen).toBeGreaterThanOrEqual(last);
        expect(seen).toBe(made);
        last = seen;
      }
      figure('metric scrapes across workers', scrapes);
    } finally {
      await server.stop();
    }
  });
});

describe('reads after a save, across workers', () => {
  it('serves the saved revision from every worker once the save is acknowledged', async () => {
    const server = await serve(['--policies', folder(), '--workers', '2'], { SPE_ADMIN_TOKEN: TOKEN });
    try {
      let revision = JSON.parse((await send(server.url, 'GET', '/v1/policies/zmanda')).body).revision as string;
      const saves = runs(5, 50);
      let stale = 0;
      for (let n = 1; n <= saves; n++) {
        const saved = await send(server.url, 'PUT', '/v1/policies/zmanda', {
          headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': revision },
          body: retitled(n),
        });
        expect(saved.status).toBe(200);
        revision = JSON.parse(saved.body).revision as string;
        const reads = await Promise.all(
          Array.from({ length: 200 }, () =>
            send(server.url, 'GET', '/v1/policies/zmanda').then((r) => JSON.parse(r.body).revision),
          ),
        );
        stale += reads.filter((r) => r !== revision).length;
      }
      // Rolled back: acknowledged the same way.
      const history = JSON.parse((await send(server.url, 'GET', '/v1/policies/zmanda/history')).body).revisions as {
        revision: string;
      }[];
      const back = await send(server.url, 'POST', '/v1/policies/zmanda/rollback', {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'if-match': revision },
        body: JSON.stringify({ revision: history.at(-1)!.revision }),
      });
      expect(back.status).toBe(200);
      revision = JSON.parse(back.body).revision as string;
      const reads = await Promise.all(
        Array.from({ length: 200 }, () =>
          send(server.url, 'GET', '/v1/policies/zmanda').then((r) => JSON.parse(r.body).revision),
        ),
      );
      stale += reads.filter((r) => r !== revision).length;
      figure('reads right after a save', (saves + 1) * 200);
      expect(stale).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('tells the event streams of every worker of a save made on any one of them', async () => {
    const server = await serve(['--policies', folder(), '--workers', '2'], { SPE_ADMIN_TOKEN: TOKEN });
    const streams: { text: string; close: () => void }[] = [];
    try {
      await allListening(server, 2);
      // Each stream on a connection of its own: the primary hands them out in turn, so both workers hold some.
      for (let i = 0; i < 4; i++) {
        streams.push(
          await new Promise((resolve, reject) => {
            const req = request(`${server.url}/v1/events?policy=zmanda`, { agent: false }, (res) => {
              const s = { text: '', close: () => req.destroy() };
              res.setEncoding('utf8');
              res.on('data', (c: string) => (s.text += c));
              resolve(s);
            });
            req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
            req.end();
          }),
        );
      }
      const revision = JSON.parse((await send(server.url, 'GET', '/v1/policies/zmanda')).body).revision as string;
      const saved = await send(server.url, 'PUT', '/v1/policies/zmanda', {
        headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': revision },
        body: retitled(1),
      });
      expect(saved.status).toBe(200);
      const now = JSON.parse(saved.body).revision as string;
      await until('every stream told of the save', () =>
        streams.every((s) => s.text.includes(`data: {"id":"zmanda","revision":"${now}"}`)),
      );
    } finally {
      for (const s of streams) s.close();
      await server.stop();
    }
  });
});
