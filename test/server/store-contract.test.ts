// The policy store's contract, run against each store over real HTTP on 127.0.0.1: the folder
// (a temporary directory) and PostgreSQL (a real server started by test/support/postgres.ts, a new
// database per store). Statuses are DESIGN §6's: 201 created, 428 without If-Match, 412 stale,
// 422 invalid with nothing changed, 404 unknown; revisions are `sha256:` of the source's bytes,
// computed here with node:crypto.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/postgres.js';
import { root } from '../support/reliability.js';
import { type TestServer, type TestServerOptions, startTestServer } from '../support/with-server.js';

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const titled = (label: string) => zmanda.replace(/^title: .*$/m, `title: Zmanda (${label})`);
const sha = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const TOKEN = 'contract-test-token-0123456789abcdef';
const admin = { authorization: `Bearer ${TOKEN}` };

let postgres: PgServer | undefined;
let databases = 0;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.destroy());

/** Each store, as a fresh empty one; `reopen` serves the same store again (a restart). */
const STORES: { name: string; fresh: () => Promise<TestServerOptions> }[] = [
  { name: 'folder', fresh: async () => ({ dir: mkdtempSync(join(tmpdir(), 'spe-contract-')) }) },
  {
    name: 'postgres',
    fresh: async () => ({
      dir: mkdtempSync(join(tmpdir(), 'spe-contract-unused-')),
      store: await postgres!.database(`contract_${++databases}`),
    }),
  },
];

describe.each(STORES)('the $name store', ({ fresh }) => {
  let where: TestServerOptions;
  let server: TestServer;
  beforeAll(async () => {
    where = await fresh();
    server = await startTestServer({ ...where, token: TOKEN });
  });
  afterAll(() => server?.close());

  const put = (id: string, source: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/policies/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml', ...admin, ...headers },
      body: source,
    });
  const history = (query = '', headers: Record<string, string> = admin) =>
    server.get(`/v1/policies/zmanda/history${query}`, headers).then((r) => r.json() as Promise<Record<string, any>>);

  it('starts empty and healthy', async () => {
    const health = (await (await server.get('/healthz')).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', policies: 0 });
    expect(((await (await server.get('/v1/policies')).json()) as { policies: unknown[] }).policies).toEqual([]);
  });

  it('creates a policy: 201, its revision the sha256 of the source, served at once', async () => {
    const res = await put('zmanda', titled('one'), { 'x-author': 'ada' });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe(`"${sha(titled('one'))}"`);
    const read = await server.get('/v1/policies/zmanda');
    expect(read.headers.get('etag')).toBe(`"${sha(titled('one'))}"`);
    expect(((await read.json()) as { source: string }).source).toBe(titled('one'));
    const list = (await (await server.get('/v1/policies')).json()) as { policies: { id: string; title: string }[] };
    expect(list.policies.map((p) => [p.id, p.title])).toEqual([['zmanda', 'Zmanda (one)']]);
  });

  it('evaluates with the saved policy; an unknown policy is 404', async () => {
    const ok = await server.post('/v1/evaluate', {
      policy: 'zmanda',
      facts: { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { policy: unknown }).policy).toMatchObject({ id: 'zmanda', revision: sha(titled('one')) });
    expect((await server.post('/v1/evaluate', { policy: 'nope', facts: {} })).status).toBe(404);
  });

  it('refuses a save of an existing policy without If-Match (428) or with a stale one (412)', async () => {
    expect((await put('zmanda', titled('two'))).status).toBe(428);
    const stale = await put('zmanda', titled('two'), { 'if-match': `"${sha('something else')}"` });
    expect(stale.status).toBe(412);
    const body = (await stale.json()) as { error: { code: string; details: { currentRevision: string } } };
    expect(body.error.code).toBe('stale-revision');
    expect(body.error.details.currentRevision).toBe(sha(titled('one')));
  });

  it('refuses an invalid policy (422) and one saved under another id, changing nothing', async () => {
    const broken = await put('zmanda', `${titled('broken')}\nrules: [`, { 'if-match': `"${sha(titled('one'))}"` });
    expect(broken.status).toBe(422);
    const misnamed = await put('other', titled('one'));
    expect(misnamed.status).toBe(422);
    expect((await server.get('/v1/policies/zmanda')).headers.get('etag')).toBe(`"${sha(titled('one'))}"`);
    expect((await server.get('/v1/policies/other')).status).toBe(404);
  });

  it('saves with the current revision; the same source again is unchanged and adds no history', async () => {
    const two = await put('zmanda', titled('two'), { 'if-match': `"${sha(titled('one'))}"`, 'x-author': 'bob' });
    expect(two.status).toBe(200);
    const three = await fetch(`${server.url}/v1/policies/zmanda`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...admin, 'if-match': `"${sha(titled('two'))}"` },
      body: JSON.stringify({ source: titled('three'), author: 'cy', message: 'third' }),
    });
    expect(three.status).toBe(200);
    const again = await put('zmanda', titled('three'), { 'if-match': `"${sha(titled('three'))}"` });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { unchanged?: boolean }).unchanged).toBe(true);
    const page = await history();
    expect(page.revisions.map((r: { revision: string }) => r.revision)).toEqual([
      sha(titled('three')),
      sha(titled('two')),
      sha(titled('one')),
    ]);
    expect(page.revisions.map((r: { author: string }) => r.author)).toEqual(['cy', 'bob', 'ada']);
    expect(page.revisions[0].message).toBe('third');
    expect(page.next).toBeNull();
  });

  it('shows authors to admins only', async () => {
    const page = await history('', {});
    expect(page.revisions).toHaveLength(3);
    expect(page.revisions.every((r: Record<string, unknown>) => !('author' in r))).toBe(true);
  });

  it('pages the history with the cursor it gives; a cursor it did not give is 400', async () => {
    const first = await history('?limit=2');
    expect(first.revisions).toHaveLength(2);
    expect(typeof first.next).toBe('string');
    const second = await history(`?limit=2&before=${encodeURIComponent(first.next)}`);
    expect(second.revisions.map((r: { revision: string }) => r.revision)).toEqual([sha(titled('one'))]);
    expect(second.next).toBeNull();
    expect((await server.get('/v1/policies/zmanda/history?before=not-a-cursor')).status).toBe(400);
  });

  it('reads an earlier revision; an unknown one is 404, as is an unknown policy', async () => {
    const res = await server.get(`/v1/policies/zmanda/history/${sha(titled('one'))}`);
    expect(((await res.json()) as { source: string }).source).toBe(titled('one'));
    expect((await server.get(`/v1/policies/zmanda/history/${sha('never saved')}`)).status).toBe(404);
    expect((await server.get('/v1/policies/nope')).status).toBe(404);
    expect((await server.get('/v1/policies/nope/history')).status).toBe(404);
  });

  it('rolls back to an earlier revision as a new save, with If-Match', async () => {
    const body = JSON.stringify({ revision: sha(titled('one')) });
    const headers = { 'content-type': 'application/json', ...admin };
    const stale = await fetch(`${server.url}/v1/policies/zmanda/rollback`, {
      method: 'POST',
      headers: { ...headers, 'if-match': `"${sha(titled('two'))}"` },
      body,
    });
    expect(stale.status).toBe(412);
    const res = await fetch(`${server.url}/v1/policies/zmanda/rollback`, {
      method: 'POST',
      headers: { ...headers, 'if-match': `"${sha(titled('three'))}"` },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${sha(titled('one'))}"`);
    const page = await history('?limit=1');
    expect(page.revisions[0]).toMatchObject({ revision: sha(titled('one')), message: `rollback to ${sha(titled('one'))}` });
  });

  it('keeps policies and history across a restart', async () => {
    await server.close();
    server = await startTestServer({ ...where, token: TOKEN });
    expect((await server.get('/v1/policies/zmanda')).headers.get('etag')).toBe(`"${sha(titled('one'))}"`);
    expect((await history()).revisions).toHaveLength(4);
  });

  it('tells /v1/events listeners of a save as it happens, with its revision', async () => {
    const stream = { text: '' };
    const req = request(`${server.url}/v1/events?policy=zmanda`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (stream.text += c));
    });
    req.on('error', () => undefined);
    req.end();
    try {
      await expect.poll(() => stream.text).toContain('retry:');
      const current = ((await (await server.get('/v1/policies/zmanda')).json()) as { revision: string }).revision;
      const res = await put('zmanda', titled('told'), { 'if-match': current });
      expect(res.status).toBe(200);
      await expect
        .poll(() => stream.text)
        .toContain(`event: changed\ndata: ${JSON.stringify({ id: 'zmanda', revision: sha(titled('told')) })}\n\n`);
    } finally {
      req.destroy();
    }
  });
});

describe.each(STORES)('the $name store with --history-keep 2', ({ fresh }) => {
  it('keeps the newest two history entries of a policy, and their sources', async () => {
    const server = await startTestServer({ ...(await fresh()), token: TOKEN, historyKeep: 2 });
    try {
      let base: string | undefined;
      for (const label of ['one', 'two', 'three']) {
        const res = await fetch(`${server.url}/v1/policies/zmanda`, {
          method: 'PUT',
          headers: { 'content-type': 'application/yaml', ...admin, ...(base ? { 'if-match': `"${base}"` } : {}) },
          body: titled(label),
        });
        expect(res.status).toBe(base ? 200 : 201);
        base = sha(titled(label));
      }
      const page = (await (await server.get('/v1/policies/zmanda/history', admin)).json()) as {
        revisions: { revision: string }[];
      };
      expect(page.revisions.map((r) => r.revision)).toEqual([sha(titled('three')), sha(titled('two'))]);
      expect((await server.get(`/v1/policies/zmanda/history/${sha(titled('two'))}`)).status).toBe(200);
      expect((await server.get(`/v1/policies/zmanda/history/${sha(titled('one'))}`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
