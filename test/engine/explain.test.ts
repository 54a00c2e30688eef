// A decision's explanation (`explain: true`) and `--why-not`: every stage reached and every rule
// considered, with what it read. Expected events checked by hand against policies/zmanda.yaml
// (its priority matrix: urgency high × impact medium is P2; tiers community, standard, premium).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CompiledPolicy,
  type Decision,
  type ExplainEvent,
  compileSource,
  evaluate,
  evaluateReference,
  whyNot,
} from '../../engine/index.js';
import { factsOf } from '../support/arbitraries.js';
import { withServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
let zmanda: CompiledPolicy;
beforeAll(async () => {
  const result = await compileSource(readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8'), 'policies/zmanda.yaml');
  if (!result.ok) throw new Error('zmanda.yaml does not compile');
  zmanda = result.compiled;
});

const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'web' };

function decided(facts: unknown, options = {}): Decision {
  const result = evaluate(zmanda, facts, { explain: true, ...options });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.decision;
}

/** The rule events of a stage, as `op rule`. */
const stageOps = (events: ExplainEvent[], stage: string) =>
  events.filter((e) => 'rule' in e && e.stage === stage).map((e) => `${e.op} ${(e as { rule: string }).rule}`);

describe('the explanation', () => {
  it('is left out unless asked for, and leaves the rest of the decision as it is', () => {
    const plain = evaluate(zmanda, ticket);
    expect(plain.ok && 'explanation' in plain.decision).toBe(false);
    const { explanation, ...rest } = decided(ticket);
    expect(explanation!.length).toBeGreaterThan(0);
    expect(plain.ok && plain.decision).toEqual(rest);
  });

  it('lists a first-match stage’s rules up to the one that decided, each under its stage’s enter event', () => {
    const events = decided(ticket).explanation!;
    const enter = events.findIndex((e) => e.op === 'enter' && e.stage === 'priority');
    expect(events[enter]).toEqual({ op: 'enter', stage: 'priority', parent: null });
    // No requested priority: the four overrides are false; then the matrix row of urgency high.
    expect(stageOps(events, 'priority')).toEqual([
      'fail priority.override.P1',
      'fail priority.override.P2',
      'fail priority.override.P3',
      'fail priority.override.P4',
      'fail priority.matrix.high.high',
      'eval priority.matrix.high.medium',
    ]);
    const decider = events.find((e) => 'rule' in e && e.rule === 'priority.matrix.high.medium')!;
    expect(decider).toMatchObject({ parent: enter, facts: { urgency: 'high', impact: 'medium' }, outcome: 'P2' });
    expect(decider).toHaveProperty('source', 'policies/zmanda.yaml:102:33');
    // Every rule event's parent is the enter event of its own stage.
    for (const e of events) if ('rule' in e) expect(events[e.parent]).toEqual({ op: 'enter', stage: e.stage, parent: null });
  });

  it('lists every rule of an all-match stage', () => {
    const events = decided(ticket).explanation!;
    expect(stageOps(events, 'entitlements')).toEqual([
      'eval entitlements.recorded-training',
      'fail entitlements.premium-onboarding',
    ]);
  });

  it('says which stages an ineligible ticket skips', () => {
    // «Non forniamo supporto telefonico per i prodotti della Comunità.»
    const d = decided({ tier: 'community', impact: 'low', urgency: 'low', channel: 'phone' });
    expect(d.eligible).toBe(false);
    const events = d.explanation!;
    expect(stageOps(events, 'eligibility')[0]).toBe('eval eligibility.community-phone');
    expect(events).toContainEqual({ op: 'skip', stage: 'sla', reason: 'the ticket is not eligible' });
    expect(events.some((e) => e.op === 'enter' && e.stage === 'sla')).toBe(false);
  });

  it('marks the rule a missing fact leaves unknown, and stops there', async () => {
    // policies/logbot.yaml: the tier is «activation» when the category is one of the two
    // activations; with no category given, that first tier rule can be neither true nor false.
    const logbot = await compileSource(readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8'), 'policies/logbot.yaml');
    if (!logbot.ok) throw new Error('logbot.yaml does not compile');
    const result = evaluate(logbot.compiled, {}, { explain: true });
    const events = (result.ok && result.decision.explanation) || [];
    expect(stageOps(events, 'tier')).toEqual(['unknown tier.1']);
    expect(events.find((e) => e.op === 'unknown')).toMatchObject({
      rule: 'tier.1',
      stage: 'tier',
      facts: { activation: null },
      note: 'unknown: category not given',
    });
  });
});

describe('why not', () => {
  it('names each rule that gives P1 and the condition that read the value that failed it', () => {
    const answer = whyNot(zmanda, decided(ticket), 'P1');
    expect(answer.rules.map((r) => [r.rule, r.status])).toEqual([
      ['priority.override.P1', 'failed'],
      ['priority.matrix.high.high', 'failed'],
    ]);
    expect(answer.rules[1]!.conditions).toEqual([
      { test: 'urgency == "high"', read: { urgency: 'high' }, holds: true },
      { test: 'impact == "high"', read: { impact: 'medium' }, holds: false },
    ]);
    expect(answer.rules[0]!.conditions).toEqual([
      { test: 'requestedPriority == "P1"', read: { requestedPriority: null }, holds: false },
    ]);
  });

  it('says a rule after the one that decided was not tried', () => {
    const answer = whyNot(zmanda, decided(ticket), 'tier=premium');
    expect(answer.rules).toEqual([
      expect.objectContaining({ rule: 'tier.premium', status: 'not-reached', note: 'not tried: tier.standard decided first' }),
    ]);
    // What it would have read, as the rules before it read it.
    expect(answer.rules[0]!.conditions).toEqual([{ test: 'tier == "premium"', read: { tier: 'standard' }, holds: false }]);
  });

  it('finds no rule for an outcome the policy never gives', () => {
    expect(whyNot(zmanda, decided(ticket), 'P9').rules).toEqual([]);
  });
});

describe('the reference runner', () => {
  /** Every valid policy of policies/, examples/ and test/engine/differential/. */
  const compiled: { name: string; compiled: CompiledPolicy }[] = [];
  beforeAll(async () => {
    for (const dir of ['policies', 'examples', join('test', 'engine', 'differential')])
      for (const f of readdirSync(join(root, dir)).filter((f) => f.endsWith('.yaml'))) {
        const result = await compileSource(readFileSync(join(root, dir, f), 'utf8'), `${dir}/${f}`);
        if (result.ok) compiled.push({ name: `${dir}/${f}`, compiled: result.compiled });
      }
  });

  it('gives the same explanation on every policy test and on generated facts', async () => {
    expect(compiled.length).toBeGreaterThan(5);
    for (const { name, compiled: c } of compiled) {
      for (const t of c.policy.tests) {
        const options = { explain: true, ...(t.now ? { now: t.now } : {}) };
        expect(await evaluateReference(c, t.facts, options), `${name}: ${t.name}`).toEqual(evaluate(c, t.facts, options));
      }
      await fc.assert(
        fc.asyncProperty(factsOf(c.policy), async (facts) => {
          expect(await evaluateReference(c, facts, { explain: true }), name).toEqual(evaluate(c, facts, { explain: true }));
        }),
        { numRuns: 40 },
      );
    }
  });
});

describe('spe eval --explain and --why-not', () => {
  const facts = join(tmpdir(), `spe-explain-${process.pid}.json`);
  const spe = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'eval', ...args], { cwd: root, encoding: 'utf8' });
  beforeAll(() => writeFileSync(facts, JSON.stringify(ticket)));

  it('adds the explanation to the decision', () => {
    const run = spe('zmanda', '--facts', facts, '--explain');
    expect(run.status).toBe(0);
    const decision = JSON.parse(run.stdout) as Decision;
    expect(stageOps(decision.explanation!, 'priority').at(-1)).toBe('eval priority.matrix.high.medium');
  });

  it('prints why P1 did not come out', () => {
    const run = spe('zmanda', '--facts', facts, '--why-not', 'P1');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('priority.matrix.high.high (policies/zmanda.yaml:102:21), stage priority: did not hold');
    expect(run.stdout).toMatch(/FAILS\s+impact == "high"\s+\(read impact = "medium"\)/);
  });

  it('exits 1 when no rule gives the outcome, 2 for --why-not with --batch', () => {
    expect(spe('zmanda', '--facts', facts, '--why-not', 'P9').status).toBe(1);
    expect(spe('zmanda', '--facts', facts, '--batch', '--why-not', 'P1').status).toBe(2);
  });
});

describe('POST /v1/evaluate with explain', () => {
  const server = withServer({ copy: ['zmanda.yaml'] });

  it('adds the explanation only when asked', async () => {
    const asked = (await (
      await server.post('/v1/evaluate', { policy: 'zmanda', facts: ticket, explain: true })
    ).json()) as Decision;
    expect(stageOps(asked.explanation!, 'tier')).toEqual(['fail tier.community', 'eval tier.standard']);
    const plain = (await (await server.post('/v1/evaluate', { policy: 'zmanda', facts: ticket })).json()) as Decision;
    expect(plain).not.toHaveProperty('explanation');
  });

  it('explains the items of a batch that asks, in a worker too', async () => {
    // More items than are decided on the main thread: the rest go to a worker.
    const requests = Array.from({ length: 30 }, (_, i) => ({ policy: 'zmanda', facts: ticket, explain: i % 2 === 0 }));
    const res = await server.post('/v1/evaluate/batch', { requests });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Decision[] };
    results.forEach((d, i) => {
      if (i % 2 === 0)
        expect(stageOps(d.explanation!, 'tier'), `item ${i}`).toEqual(['fail tier.community', 'eval tier.standard']);
      else expect(d, `item ${i}`).not.toHaveProperty('explanation');
    });
  });

  it('refuses a misspelled field on every route with a JSON body', async () => {
    const auth = { authorization: `Bearer ${String(server.token)}` };
    for (const [path, body] of [
      ['/v1/validate', { source: 'x', fiel: 'a.yaml' }],
      ['/v1/try', { source: 'x', fcats: {} }],
      ['/v1/test', { source: 'x', fiel: 'a.yaml' }],
      ['/v1/policies/zmanda/rollback', { revision: 'sha256:x', autor: 'me' }],
      ['/v1/policies/zmanda/impact', { tickts: [] }],
    ] as const) {
      const res = await server.post(path, body, auth);
      expect(res.status, path).toBe(400);
      const error = (await res.json()) as { error: { details: { pointer: string }[] } };
      expect(
        error.error.details.map((d) => d.pointer),
        path,
      ).toEqual([`/${Object.keys(body).at(-1)}`]);
    }
  });
});
