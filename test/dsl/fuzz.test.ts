// Fuzzing with fast-check: mutated and random policy sources through the whole front end and
// compiler (every failure a diagnostic, never a throw or a hang), and random requests to a real
// server (never a 5xx; every 4xx a clear error; every decision the one in-process evaluation
// gives). Short in CI; `npm run reliability` runs 100k sources and tens of thousands of requests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type Diagnostic } from '../../dsl/index.js';
import { type CompiledPolicy, compileSource, evaluate, rulesJson, runPolicyTests } from '../../engine/index.js';
import { HOSTILE_WORDS, mutate, mutation } from '../support/mutations.js';
import { figure, root, runs } from '../support/reliability.js';
import { withServer } from '../support/with-server.js';

const POLICIES = ['zmanda', 'logbot', 'oto', 'imagicle'];
const sources = Object.fromEntries(POLICIES.map((id) => [id, readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8')]));
const seeds = [
  ...Object.values(sources),
  ...readdirSync(join(root, 'test', 'dsl', 'cases'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(root, 'test', 'dsl', 'cases', f), 'utf8')),
];

/** Every diagnostic is one the validator documents, inside the text, and says something. */
function expectWellFormed(diagnostics: Diagnostic[], text: string): void {
  const lines = text.split('\n').length;
  for (const d of diagnostics) {
    expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
    expect(['error', 'warning']).toContain(d.severity);
    expect(d.message.length).toBeGreaterThan(3);
    expect(d.message).not.toMatch(/\[native code\]|\[object Object\]|undefined|NaN/);
    expect(d.span.offset).toBeGreaterThanOrEqual(0);
    expect(d.span.offset + d.span.length).toBeLessThanOrEqual(text.length);
    expect(d.span.line).toBeGreaterThanOrEqual(1);
    expect(d.span.line).toBeLessThanOrEqual(lines);
  }
}

/** Runs a source through load, checks and compilation; if it compiles, its rules and its tests too. */
async function throughTheCompiler(text: string): Promise<number> {
  const start = performance.now();
  const result = await compileSource(text, 'policies/fuzzed.yaml');
  expectWellFormed(result.diagnostics, text);
  expect(result.ok).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
  if (result.ok) {
    JSON.stringify(rulesJson(result.compiled));
    for (const r of runPolicyTests(result.compiled).results) expect(typeof r.passed).toBe('boolean');
  }
  return performance.now() - start;
}

describe('policy sources through the loader, checker and compiler', () => {
  // 100k under `npm run reliability`: 90k mutated, 10k random.
  const mutated = runs(600, 90_000);
  const random = runs(200, 10_000);
  let slowest = 0;

  it(`never throw or hang on mutated policies (${mutated} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 5 }), async (seed, ms) => {
        slowest = Math.max(slowest, await throughTheCompiler(ms.reduce(mutate, seed)));
      }),
      { numRuns: mutated },
    );
    figure('policy sources fuzzed', mutated);
    // A hang would show as one case far slower than any policy needs (the largest takes ~50 ms).
    expect(slowest).toBeLessThan(3000);
  });

  it(`never throw or hang on random YAML documents (${random} cases)`, async () => {
    const key = fc.constantFrom(
      'policy',
      'title',
      'version',
      'effective',
      'facts',
      'priorities',
      'tiers',
      'calendars',
      'sla',
      'billing',
      'tests',
      'derived',
      'eligibility',
      'priority',
      'channels',
      'hours',
      'type',
      'values',
      'when',
      ...HOSTILE_WORDS,
    );
    const doc = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          doc.map((d) => JSON.stringify(d)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        async (text) => {
          slowest = Math.max(slowest, await throughTheCompiler(text));
        },
      ),
      { numRuns: random },
    );
    figure('policy sources fuzzed', random);
    expect(slowest).toBeLessThan(3000);
  });
});

describe('random requests to a real server', () => {
  const running = withServer({ copy: POLICIES.map((id) => `${id}.yaml`), token: 'fuzz-token-0123456789' });
  const compiled = new Map<string, CompiledPolicy>();
  const testFacts: { policy: string; facts: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    for (const id of POLICIES) {
      const r = await compileSource(sources[id]!, `policies/${id}.yaml`);
      if (!r.ok) throw new Error(`${id} does not compile`);
      compiled.set(id, r.compiled);
      for (const t of r.compiled.policy.tests) testFacts.push({ policy: id, facts: t.facts });
    }
  });

  const NOW = '2026-03-09T09:00:00+01:00';
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      'standard',
      'premium',
      'P1',
      'high',
      'phone',
      'gestor',
      'platinum',
      'onboarding',
      'Europe/Rome',
      'Mars/Olympus',
    ),
    fc.constantFrom(
      '2026-03-06T16:30:00+01:00',
      '2026-02-30T10:00:00Z',
      '2026-03-09T25:00:00Z',
      '2026-13-01T00:00:00+01:00',
      '2026-03-09T09:00:00.1234567891Z',
      '2026-03-29T02:30:00+01:00',
      '2024-02-29',
      '9999-12-31T23:59:59Z',
    ),
    fc.constantFrom(1e308, -1, 0, 0.5, 2 ** 53 + 1, -0),
    fc.constant([{ from: '2026-03-06T17:00:00+01:00', to: '2026-03-09T09:00:00+01:00' }]),
  );
  const keyName = fc.oneof(
    fc.constantFrom(...HOSTILE_WORDS, 'tier', 'trial', 'openedAt', 'pauses', 'cardBalance', 'workedMinutes'),
    fc.string({ maxLength: 12 }),
  );
  /** The facts of one of the policies' own tests, with fields dropped, changed or added. */
  const ticket = fc
    .tuple(
      fc.nat(),
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
          fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
          fc.record({ op: fc.constant('add' as const), key: keyName, value }),
        ),
        { maxLength: 3, size: 'xsmall' },
      ),
    )
    .map(([which, edits]) => {
      const seed = testFacts[which % testFacts.length]!;
      const f: Record<string, unknown> = { ...seed.facts };
      for (const e of edits) {
        const keys = Object.keys(f);
        if (e.op === 'add')
          Object.defineProperty(f, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
        else if (keys.length > 0) {
          const k = keys[e.at % keys.length]!;
          if (e.op === 'drop') delete f[k];
          else f[k] = e.value;
        }
      }
      return { policy: seed.policy, facts: f };
    });
  const otherPolicy = fc.oneof(
    fc.constantFrom(...POLICIES),
    fc.constantFrom('nope', '../zmanda', 'ZMANDA', '', 'zmanda ', 'x'.repeat(65), '__proto__'),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const sometimes = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  /** Mostly well-formed evaluations; now and then a field missing, of the wrong kind, or extra. */
  const evaluation = fc
    .record({
      ticket,
      policy: sometimes(otherPolicy),
      facts: sometimes(fc.jsonValue({ maxDepth: 2 })),
      drop: sometimes(fc.constantFrom('policy', 'facts')),
      now: fc.oneof(
        { weight: 8, arbitrary: fc.constant(NOW) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: value },
      ),
      trace: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 4, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: value },
      ),
      extra: sometimes(fc.tuple(keyName, value)),
    })
    .map(({ ticket: t, policy, facts, drop, now, trace, extra }) => {
      const req: Record<string, unknown> = {
        policy: policy === undefined ? t.policy : policy,
        facts: facts === undefined ? t.facts : facts,
      };
      if (drop) delete req[drop];
      if (now !== undefined) req.now = now;
      if (trace !== undefined) req.trace = trace;
      if (extra) Object.defineProperty(req, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
      return req;
    });

  /** What an evaluation must answer: the in-process decision, or the error that explains why not. */
  function expected(req: Record<string, unknown>): { status: number; decision?: unknown; problems?: unknown } {
    const { policy, facts: f, now, trace } = req;
    const extra = Object.keys(req).some((k) => !['policy', 'facts', 'now', 'trace'].includes(k));
    const valid =
      !extra &&
      typeof policy === 'string' &&
      policy.length >= 1 &&
      policy.length <= 64 &&
      f !== null &&
      typeof f === 'object' &&
      !Array.isArray(f) &&
      Object.keys(f).length <= 256 &&
      (now === undefined ||
        (typeof now === 'string' &&
          /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/.test(
            now,
          ) &&
          // A real day of its month: 30 February is no date (years here are 2000 or later).
          new Date(Date.UTC(Number(now.slice(0, 4)), Number(now.slice(5, 7)) - 1, Number(now.slice(8, 10)))).getUTCDate() ===
            Number(now.slice(8, 10)))) &&
      (trace === undefined || typeof trace === 'boolean');
    if (!valid) return { status: 400 };
    const c = compiled.get(policy as string);
    if (!c) return { status: 404 };
    const r = evaluate(c, JSON.parse(JSON.stringify(f)), { ...(now ? { now: now as string } : {}), trace: trace !== false });
    // A problem with `now` points at the request's own field (the clock's 5 years, 2000–2100).
    if (!r.ok)
      return {
        status: 400,
        problems: r.problems.map((p) => ({
          ...p,
          pointer: p.fact === 'now' && p.pointer === '' ? '/now' : `/facts${p.pointer}`,
        })),
      };
    return { status: 200, decision: JSON.parse(JSON.stringify(r.decision)) };
  }

  const post = (path: string, body: string) => running.post(path, body);

  function expectClearError(body: unknown, status: number): void {
    const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
    expect(typeof e?.code, `${status}`).toBe('string');
    expect(e!.code).toMatch(/^[a-z][a-z-]+$/);
    expect(typeof e?.message).toBe('string');
    expect((e!.message as string).length).toBeGreaterThan(5);
  }

  const single = runs(1500, 30_000);
  it(`POST /v1/evaluate answers every request as in-process evaluation does (${single} cases)`, async () => {
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(evaluation, async (req) => {
        const res = await post('/v1/evaluate', JSON.stringify(req));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const body = (await res.json()) as Record<string, unknown>;
        const want = expected(req);
        expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(want.status);
        if (res.status === 200) {
          if (req.now !== undefined) expect(body).toEqual(want.decision);
          else expect({ ...body, decisionId: '' }).toMatchObject({ policy: (want.decision as { policy: unknown }).policy });
        } else {
          expectClearError(body, res.status);
          if (want.problems) expect((body.error as { details: unknown }).details).toEqual(want.problems);
        }
      }),
      { numRuns: single },
    );
    // The generator reaches every outcome, not only errors.
    expect(statuses[200]).toBeGreaterThan(single / 10);
    expect(statuses[400]).toBeGreaterThan(single / 10);
    expect(statuses[404]).toBeGreaterThan(0);
    figure('request bodies fuzzed', single);
  });

  const batches = runs(300, 5_000);
  it(`POST /v1/evaluate/batch answers every item as a single evaluation would (${batches} batches)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 9, arbitrary: evaluation }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }), {
          maxLength: 12,
        }),
        async (requests) => {
          const res = await post('/v1/evaluate/batch', JSON.stringify({ requests, now: NOW }));
          expect(res.status).toBe(200);
          const { results } = (await res.json()) as { results: Record<string, unknown>[] };
          expect(results).toHaveLength(requests.length);
          requests.forEach((item, i) => {
            const isObject = item !== null && typeof item === 'object' && !Array.isArray(item);
            const req = isObject ? { now: NOW, ...(item as Record<string, unknown>) } : null;
            const want = req ? expected(req) : { status: 400 };
            const got = results[i]!;
            if (want.status === 200) expect(got).toEqual(want.decision);
            else {
              expectClearError(got, want.status);
              if (want.problems) {
                const problems = (want.problems as { pointer: string }[]).map((p) => ({
                  ...p,
                  pointer: `/requests/${i}${p.pointer}`,
                }));
                expect((got.error as { details: unknown }).details).toEqual(problems.slice(0, 20));
              }
            }
          });
        },
      ),
      { numRuns: batches },
    );
    figure('request bodies fuzzed', batches);
  });

  const raw = runs(300, 5_000);
  it(`answers bytes that are not JSON, or not an object, with a 4xx (${raw} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constantFrom('', '{', '{"policy":', 'null', '[]', '"x"', '{"requests":null}', '\ufeff{}'),
        ),
        fc.constantFrom('/v1/evaluate', '/v1/evaluate/batch', '/v1/validate', '/v1/try', '/v1/test'),
        async (body, path) => {
          const res = await post(path, body);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expectClearError(await res.json(), res.status);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: raw },
    );
    figure('request bodies fuzzed', raw);
  });
});
