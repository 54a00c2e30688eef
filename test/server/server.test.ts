// The service over real HTTP on 127.0.0.1: every endpoint and every error status, saves with
// history, two concurrent saves, a corrupt file appearing on disk, and a restart that loses
// nothing. Responses are checked against the service's own OpenAPI schemas.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapi } from '../../server/index.js';
import { type TestServer, policiesCopy, startTestServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
const dir = policiesCopy(['zmanda.yaml', 'logbot.yaml']);
writeFileSync(join(dir, 'notes.txt'), 'not a policy');
const zmanda = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
const TOKEN = 'test-admin-token-1234567890';

const logLines: string[] = [];
const log = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

let running: TestServer;
const start = () => startTestServer({ dir, token: TOKEN, bodyLimit: '64kb', log });
beforeAll(async () => {
  running = await start();
});
afterAll(() => running.close());

const url = (path: string) => `${running.url}${path}`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => running.post(path, body, headers);
const put = (id: string, source: string, headers: Record<string, string> = {}) =>
  fetch(url(`/v1/policies/${id}`), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify({ source, author: 'ada' }),
  });
// Responses are checked against the OpenAPI schemas below; here they are plain JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const errorOf = async (res: Response) =>
  ((await json(res)) as { error: { code: string; message: string; details?: unknown } }).error;

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(openapi as unknown as object, 'openapi');
function conforms(schema: string, value: unknown): void {
  const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
}

const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };

describe('evaluation', () => {
  it('decides a ticket, in the documented shape', async () => {
    const res = await post('/v1/evaluate', { policy: 'zmanda', facts: ticket });
    expect(res.status).toBe(200);
    const d = await json(res);
    conforms('Decision', d);
    expect(d).toMatchObject({
      eligible: true,
      priority: 'P2',
      sla: { response: { target: 'PT3H', dueAt: '2026-03-09T10:30:00+01:00' } },
    });
  });

  it('writes one JSON decision log line with the id, revision and outcome', async () => {
    const d = await json(await post('/v1/evaluate', { policy: 'zmanda', facts: ticket, trace: false }));
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.decisionId === d.decisionId);
    expect(line).toMatchObject({
      msg: 'decision',
      policy: 'zmanda',
      revision: d.policy.revision,
      eligible: true,
      priority: 'P2',
    });
  });

  it('answers 400 with the JSON pointer of every problem in the facts', async () => {
    const res = await post('/v1/evaluate', { policy: 'zmanda', facts: { tier: 'gold', urgncy: 'high' } });
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    conforms('Error', { error: e });
    expect(e.code).toBe('invalid-facts');
    expect((e.details as { pointer: string }[]).map((p) => p.pointer).sort()).toEqual([
      '/facts/channel',
      '/facts/impact',
      '/facts/tier',
      '/facts/urgency',
      '/facts/urgncy',
    ]);
  });

  it('answers 400 for a request that is not an evaluation', async () => {
    const e = await errorOf(await post('/v1/evaluate', { facts: {}, extra: 1 }));
    expect((e.details as { pointer: string }[]).map((p) => p.pointer).sort()).toEqual(['/extra', '/policy']);
    expect((await post('/v1/evaluate', '{"policy": ')).status).toBe(400);
    expect((await post('/v1/evaluate', '[]')).status).toBe(400);
  });

  it('answers 404 for an unknown policy, 415 for another content type, 413 for a large body', async () => {
    expect((await post('/v1/evaluate', { policy: 'nope', facts: {} })).status).toBe(404);
    expect((await post('/v1/evaluate', 'policy=zmanda', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
      415,
    );
    const big = await post('/v1/evaluate', { policy: 'zmanda', facts: { note: 'x'.repeat(100_000) } });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('payload-too-large');
  });

  it('decides a batch in order, each item its own decision or error', async () => {
    const res = await post('/v1/evaluate/batch', {
      requests: [
        { policy: 'zmanda', facts: ticket },
        { policy: 'nope', facts: {} },
        { policy: 'zmanda', facts: { tier: 'x' } },
        { policy: 'logbot', facts: { purchaseSku: 'LOGBOT-CREDIT-100' } },
        { facts: {} },
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await json(res)) as { results: Record<string, unknown>[] };
    conforms('BatchResponse', { results });
    expect(results.map((r) => (r.error as { code: string } | undefined)?.code ?? r.priority ?? 'decided')).toEqual([
      'P2',
      'unknown-policy',
      'invalid-facts',
      // A purchase quote names no ticket category: its tier and priority are open, the quote is not.
      'decided',
      'invalid-request',
    ]);
    expect((results[2]!.error as { details: { pointer: string }[] }).details[0]!.pointer).toMatch(/^\/requests\/2\/facts\//);
    expect((results[3]! as { billing: { total: string } }).billing.total).toBe('136.64');
  });

  it('refuses a batch larger than the limit with 413', async () => {
    const res = await post('/v1/evaluate/batch', {
      requests: Array.from({ length: 1001 }, () => ({ policy: 'zmanda', facts: ticket })),
    });
    expect(res.status).toBe(413);
  });
});

describe('reading', () => {
  it('lists the policies and reports health', async () => {
    const list = await json(await fetch(url('/v1/policies')));
    for (const p of list.policies) conforms('PolicySummary', p);
    expect(list.policies.map((p: { id: string }) => p.id)).toEqual(['logbot', 'zmanda']);
    const health = await json(await fetch(url('/healthz')));
    conforms('Health', health);
    expect(health.status).toBe('ok');
  });

  it('gives a policy with its revision as ETag, and its compiled rules', async () => {
    const res = await fetch(url('/v1/policies/zmanda'));
    const p = await json(res);
    conforms('Policy', p);
    expect(res.headers.get('etag')).toBe(`"${p.revision}"`);
    const rules = await json(await fetch(url('/v1/policies/zmanda/rules')));
    expect(rules.stages.length).toBeGreaterThan(5);
  });

  it('answers 404 for unknown policies and ids that try to leave the folder', async () => {
    for (const id of ['nope', '..%2Fpackage', '%2E%2E', 'ZMANDA', '.history', 'notes']) {
      const res = await fetch(url(`/v1/policies/${id}`));
      expect(res.status, id).toBe(404);
    }
  });

  it('validates a source', async () => {
    const body = await json(await post('/v1/validate', { source: zmanda.replace('rows: urgency', 'rows: urgncy') }));
    conforms('Validation', body);
    expect(body.diagnostics.map((d: { code: string }) => d.code)).toEqual(['expr.unknown-fact']);
  });

  it('describes every pinned endpoint in /openapi.json and counts requests in /metrics', async () => {
    const doc = await json(await fetch(url('/openapi.json')));
    for (const path of [
      '/v1/evaluate',
      '/v1/evaluate/batch',
      '/v1/policies',
      '/v1/policies/{id}',
      '/v1/policies/{id}/rules',
      '/v1/validate',
      '/healthz',
      '/metrics',
      '/openapi.json',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toMatch(/spe_http_requests_total\{route="\/v1\/evaluate",method="POST",status="200"\} \d+/);
    expect(metrics).toMatch(/spe_decisions_total\{policy="zmanda",eligible="true",priority="P2"\} \d+/);
    expect(metrics).toContain('spe_http_request_duration_seconds_bucket');
  });

  it('sets security headers and no CORS', async () => {
    const res = await fetch(url('/healthz'), { headers: { origin: 'https://elsewhere.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe("the editor's workbench", () => {
  it('evaluates an unsaved source, with pictures of its SLA windows', async () => {
    const edited = zmanda.replace('P2: { response: 3 hours }', 'P2: { response: 4 hours }');
    const body = await json(await post('/v1/try', { source: edited, facts: ticket }));
    expect(body.ok).toBe(true);
    conforms('Decision', body.decision);
    // Fri 16:30 + 4 business hours on 08:00–17:00: 30 min on Friday, Monday 08:00 + 3 h 30.
    expect(body.decision.sla.response.dueAt).toBe('2026-03-09T11:30:00+01:00');
    const t = body.timeline.response;
    expect(t.business).toEqual([
      ['2026-03-06T16:30:00+01:00', '2026-03-06T17:00:00+01:00'],
      ['2026-03-09T08:00:00+01:00', '2026-03-09T11:30:00+01:00'],
    ]);
    // Friday evening, Saturday, Sunday, Monday before 08:00.
    expect(t.closed.map((c: string[]) => c[2])).toEqual(['closed', 'weekend', 'weekend', 'closed']);
    expect(t.closed[0]).toEqual(['2026-03-06T17:00:00+01:00', '2026-03-07T00:00:00+01:00', 'closed']);
  });

  it('returns the diagnostics of an invalid source, and 400 for facts that do not fit', async () => {
    const bad = await json(await post('/v1/try', { source: zmanda.replace('rows: urgency', 'rows: urgncy'), facts: ticket }));
    expect(bad).toMatchObject({ ok: false, diagnostics: [{ code: 'expr.unknown-fact' }] });
    const res = await post('/v1/try', { source: zmanda, facts: { tier: 'x' } });
    expect(res.status).toBe(200);
    expect((await json(res)).problems.map((p: { pointer: string }) => p.pointer).sort()).toEqual(['/facts/channel', '/facts/impact', '/facts/tier', '/facts/urgency']);
  });

  it("runs an unsaved source's tests with coverage", async () => {
    const body = await json(
      await post('/v1/test', { source: zmanda.replace('expect: { priority: P3 }', 'expect: { priority: P1 }') }),
    );
    expect(body.ok).toBe(true);
    const failed = body.results.filter((r: { passed: boolean }) => !r.passed);
    expect(failed).toEqual([
      expect.objectContaining({
        name: 'urgency high, impact low is P3',
        mismatches: [{ path: 'priority', expected: 'P1', actual: 'P3' }],
      }),
    ]);
    expect(body.coverage.total).toBeGreaterThan(20);
  });
});

describe('saving', () => {
  const faster = zmanda.replace('P1: { response: 1 hour }', 'P1: { response: 30 minutes }');

  it('needs the admin token: 401 without, 403 with a wrong one', async () => {
    const without = await fetch(url('/v1/policies/zmanda'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: faster }),
    });
    expect(without.status).toBe(401);
    expect((await put('zmanda', faster, { authorization: 'Bearer wrong' })).status).toBe(403);
    expect((await put('zmanda', faster, { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('needs If-Match for an existing policy (428), refuses a stale one (412) and an invalid source (422)', async () => {
    expect((await put('zmanda', faster)).status).toBe(428);
    const stale = await put('zmanda', faster, {
      'if-match': '"sha256:0000000000000000000000000000000000000000000000000000000000000000"',
    });
    expect(stale.status).toBe(412);
    const current = (await json(await fetch(url('/v1/policies/zmanda')))).revision;
    const invalid = await put('zmanda', zmanda.replace('rows: urgency', 'rows: urgncy'), { 'if-match': current });
    expect(invalid.status).toBe(422);
    const e = await errorOf(invalid);
    expect((e.details as { code: string }[])[0]!.code).toBe('expr.unknown-fact');
    expect(readFileSync(join(dir, 'zmanda.yaml'), 'utf8')).toBe(zmanda);
  });

  it('saves atomically, serves the new revision at once, and keeps the old one in history', async () => {
    const before = (await json(await fetch(url('/v1/policies/zmanda')))).revision;
    const res = await put('zmanda', faster, { 'if-match': `"${before}"` });
    expect(res.status).toBe(200);
    const saved = await json(res);
    expect(res.headers.get('etag')).toBe(`"${saved.revision}"`);
    expect(readFileSync(join(dir, 'zmanda.yaml'), 'utf8')).toBe(faster);
    const d = await json(await post('/v1/evaluate', { policy: 'zmanda', facts: { ...ticket, requestedPriority: 'P1' } }));
    expect(d.sla.response.target).toBe('PT30M');
    expect(d.policy.revision).toBe(saved.revision);
    const { revisions } = await json(
      await fetch(url('/v1/policies/zmanda/history'), { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    for (const r of revisions) conforms('Revision', r);
    expect(revisions[0]).toMatchObject({ revision: saved.revision, author: 'ada' });
    // The revision it replaced, which came from disk, is kept too.
    expect(revisions[1]).toMatchObject({ revision: before, author: 'file on disk' });
  });

  it('lets exactly one of two concurrent saves with the same base revision win', async () => {
    const base = (await json(await fetch(url('/v1/policies/zmanda')))).revision;
    const a = faster.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }');
    const b = faster.replace('P2: { response: 3 hours }', 'P2: { response: 150 minutes }');
    const statuses = (await Promise.all([put('zmanda', a, { 'if-match': base }), put('zmanda', b, { 'if-match': base })]))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([200, 412]);
    const onDisk = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
    expect([a, b]).toContain(onDisk);
  });

  it('takes the YAML itself, creates a new policy (201), and rolls back', async () => {
    const demo = zmanda.replace('policy: zmanda', 'policy: demo');
    const created = await fetch(url('/v1/policies/demo'), {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}` },
      body: demo,
    });
    expect(created.status).toBe(201);
    const first = (await json(created)).revision;
    const changed = await put('demo', demo.replace('P4: { response: 24 hours }', 'P4: { response: 16 hours }'), {
      'if-match': first,
    });
    expect(changed.status).toBe(200);
    const source = await json(await fetch(url(`/v1/policies/demo/history/${first}`)));
    expect(source.source).toBe(demo);
    const current = (await json(changed)).revision;
    const rolled = await post(
      '/v1/policies/demo/rollback',
      { revision: first },
      { authorization: `Bearer ${TOKEN}`, 'if-match': current },
    );
    expect(rolled.status).toBe(200);
    expect(readFileSync(join(dir, 'demo.yaml'), 'utf8')).toBe(demo);
    expect((await post('/v1/policies/demo/rollback', { revision: first })).status).toBe(401);
    expect(
      (await post('/v1/policies/demo/rollback', { revision: 'sha256:nope' }, { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(404);
  });

  it('refuses a source whose id is not the one saved', async () => {
    const res = await put('other', zmanda);
    expect(res.status).toBe(422);
  });
});

describe('the folder is the source of truth', () => {
  const waitFor = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('timed out');
  };

  it('keeps serving the last good revision when a corrupt file appears, and reports degraded', async () => {
    const good = (await json(await fetch(url('/v1/policies/logbot')))).revision;
    writeFileSync(join(dir, 'logbot.yaml'), 'policy: logbot\n  broken: [\n');
    await waitFor(async () => (await json(await fetch(url('/healthz')))).status === 'degraded');
    const health = await json(await fetch(url('/healthz')));
    expect(health.degraded[0]).toMatchObject({ id: 'logbot', serving: good });
    expect(health.degraded[0].diagnostics[0].code).toBe('yaml.syntax');
    const d = await json(await post('/v1/evaluate', { policy: 'logbot', facts: { purchaseSku: 'LOGBOT-CREDIT-100' } }));
    expect(d.policy.revision).toBe(good);
    cpSync(join(root, 'policies', 'logbot.yaml'), join(dir, 'logbot.yaml'));
    await waitFor(async () => (await json(await fetch(url('/healthz')))).status === 'ok');
  });

  it('picks up a policy file added on disk', async () => {
    writeFileSync(join(dir, 'pulled.yaml'), zmanda.replace('policy: zmanda', 'policy: pulled'));
    await waitFor(async () => (await fetch(url('/v1/policies/pulled'))).status === 200);
  });

  it('loses nothing saved across a restart', async () => {
    const before = await json(await fetch(url('/v1/policies/zmanda')));
    const history = await json(await fetch(url('/v1/policies/zmanda/history')));
    await running.close();
    running = await start();
    const after = await json(await fetch(url('/v1/policies/zmanda')));
    expect(after.revision).toBe(before.revision);
    expect(await json(await fetch(url('/v1/policies/zmanda/history')))).toEqual(history);
  });
});
