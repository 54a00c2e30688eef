// The engine on the Zmanda policy, each expectation worked out from DESIGN §4 and the Zmanda
// support policy (contracts/source/zmanda-support-policy.it.txt), not from the program.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../dsl/index.js';
import { type CompiledPolicy, type Decision, compilePolicy, evaluate, rulesJson } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const source = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');

function compile(text: string, file = 'policies/zmanda.yaml'): CompiledPolicy {
  const loaded = loadPolicy(text, file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
  return compilePolicy(loaded.policy, text);
}
const zmanda = compile(source);

function decide(facts: Record<string, unknown>, c = zmanda, now?: string): Decision {
  const r = evaluate(c, facts, now ? { now } : {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.decision;
}
const ticket = (more: Record<string, unknown> = {}) => ({
  tier: 'standard',
  impact: 'medium',
  urgency: 'medium',
  channel: 'web',
  ...more,
});

describe('zmanda priority', () => {
  // «Urgenza / Grande impatto / Impatto medio / Basso impatto: Alta P1 P2 P3; Medio P2 P3 P4; Basso P3 P4 P4»
  const matrix: [string, string, string][] = [
    ['high', 'high', 'P1'],
    ['high', 'medium', 'P2'],
    ['high', 'low', 'P3'],
    ['medium', 'high', 'P2'],
    ['medium', 'medium', 'P3'],
    ['medium', 'low', 'P4'],
    ['low', 'high', 'P3'],
    ['low', 'medium', 'P4'],
    ['low', 'low', 'P4'],
  ];
  it.each(matrix)('urgency %s, impact %s → %s', (urgency, impact, priority) => {
    const d = decide(ticket({ urgency, impact }));
    expect(d.priority).toBe(priority);
    const step = d.trace.find((t) => t.rule.startsWith('priority.'))!;
    expect(step).toMatchObject({ rule: `priority.matrix.${urgency}.${impact}`, outcome: priority, facts: { urgency, impact } });
    // The trace points at the cell that decided.
    const [, line, col] = step.source.split(':').map(Number) as [number, number, number];
    expect(source.split('\n')[line - 1]!.slice(col - 1, col + 1)).toBe(priority);
  });

  it("the customer's requested priority overrides the matrix, and the trace says so", () => {
    const d = decide(ticket({ urgency: 'low', impact: 'low', requestedPriority: 'P1' }));
    expect(d.priority).toBe('P1');
    const step = d.trace.find((t) => t.rule.startsWith('priority.'))!;
    expect(step.rule).toBe('priority.override.P1');
    expect(step.note).toContain('overrides');
  });
});

describe('zmanda channels and eligibility', () => {
  it.each([
    ['community', ['email']],
    ['standard', ['phone', 'web']],
    ['premium', ['phone', 'web', 'account-manager']],
  ])('%s may use %j', (tier, channels) => {
    expect(decide(ticket({ tier, channel: channels[0] })).channels).toEqual(channels);
  });

  it('another channel is not eligible, with the reason and its source', () => {
    const d = decide(ticket({ tier: 'standard', channel: 'account-manager' }));
    expect(d.eligible).toBe(false);
    expect(d.reasons).toEqual([
      {
        code: 'channel-not-offered',
        message: expect.any(String),
        source: expect.stringMatching(/^policies\/zmanda\.yaml:\d+:\d+$/),
      },
    ]);
    expect(d.sla).toBeNull();
    expect(d.billing).toBeNull();
    expect(d.entitlements).toEqual([]);
  });

  it('community by phone lists every rule that denies it', () => {
    const d = decide(ticket({ tier: 'community', channel: 'phone' }));
    expect(d.eligible).toBe(false);
    expect(d.reasons.map((r) => r.code).sort()).toEqual(['channel-not-offered', 'community-phone']);
  });

  it('community by email is eligible, best effort: no SLA', () => {
    const d = decide(ticket({ tier: 'community', channel: 'email' }));
    expect(d.eligible).toBe(true);
    expect(d.sla).toEqual({ response: null, resolution: null });
  });
});

describe('zmanda SLA targets', () => {
  const cases: [string, string, string, string][] = [
    // standard: «P1 1, P2 3h, P3 8h, P4 24h», business hours Mon–Fri 08:00–17:00 (calendar office)
    ['standard', 'P1', 'PT1H', 'office'],
    ['standard', 'P2', 'PT3H', 'office'],
    ['standard', 'P3', 'PT8H', 'office'],
    ['standard', 'P4', 'PT24H', 'office'],
    // premium: «15 min, 60mins, 4h, 8h», 24 x 7 x 365 (calendar always)
    ['premium', 'P1', 'PT15M', 'always'],
    ['premium', 'P2', 'PT1H', 'always'],
    ['premium', 'P3', 'PT4H', 'always'],
    ['premium', 'P4', 'PT8H', 'always'],
  ];
  it.each(cases)('%s %s responds within %s on %s', (tier, priority, target, calendar) => {
    const d = decide(ticket({ tier, requestedPriority: priority }));
    expect(d.sla?.response).toMatchObject({ target, calendar });
    expect(d.sla?.resolution).toBeNull();
  });

  it('trial customers get the premium targets, and keep their own tier', () => {
    const d = decide(ticket({ tier: 'standard', trial: true, requestedPriority: 'P1' }));
    expect(d.tier).toBe('standard');
    expect(d.channels).toEqual(['phone', 'web']);
    expect(d.sla?.response).toMatchObject({ target: 'PT15M', calendar: 'always' });
  });
});

describe('facts', () => {
  const problems = (facts: unknown) => {
    const r = evaluate(zmanda, facts);
    expect(r.ok).toBe(false);
    return r.ok ? [] : r.problems;
  };

  it('names an unknown fact, with what was meant', () => {
    expect(problems({ ...ticket(), urgncy: 'high' })).toEqual([
      expect.objectContaining({ pointer: '/urgncy', fact: 'urgncy', message: expect.stringContaining("did you mean 'urgency'") }),
    ]);
  });

  it('names a bad value, a wrong type and a missing required fact', () => {
    const p = problems({ tier: 'gold', impact: 3, channel: 'web' });
    expect(p.map((x) => x.pointer).sort()).toEqual(['/impact', '/tier', '/urgency']);
    expect(p.find((x) => x.fact === 'tier')!.message).toContain('community, standard, premium');
  });

  it('rejects a datetime without its offset', () => {
    expect(problems(ticket({ openedAt: '2026-03-09T09:30:00' }))[0]!.message).toContain('offset');
  });

  it('treats __proto__ as an unknown fact and changes nothing', () => {
    const p = problems(
      JSON.parse('{"tier":"standard","impact":"low","urgency":"low","channel":"web","__proto__":{"polluted":true}}'),
    );
    expect(p.map((x) => x.fact)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes null as not given and applies defaults', () => {
    const d = decide(ticket({ trial: null, requestedPriority: null, urgency: 'high', impact: 'high' }));
    expect(d.tier).toBe('standard');
    expect(d.priority).toBe('P1');
  });

  it('rejects something that is not an object', () => {
    expect(problems([1, 2])[0]!.message).toContain('object');
  });
});

describe('decisions', () => {
  it('are deterministic: same revision, facts and now give the same decision', () => {
    const a = decide(ticket({ openedAt: '2026-03-09T09:30:00+01:00' }), zmanda, '2026-03-09T10:00:00Z');
    const b = decide(
      { openedAt: '2026-03-09T09:30:00+01:00', channel: 'web', urgency: 'medium', impact: 'medium', tier: 'standard' },
      zmanda,
      '2026-03-09T10:00:00Z',
    );
    expect(b).toEqual(a);
    expect(decide(ticket(), zmanda, '2026-03-10T10:00:00Z').decisionId).not.toBe(a.decisionId);
  });

  it('have ids that follow the facts as validated, not how they were written', () => {
    const base = { channel: 'web', urgency: 'medium', impact: 'medium', tier: 'standard' };
    const id = (facts: Record<string, unknown>, now = '2026-03-09T10:00:00Z') => decide(facts, zmanda, now).decisionId;
    expect(id(base)).toMatch(/^dec_[0-9a-f]{32}$/);
    // Key order, a null (not given) and a default written out name the same facts.
    expect(id({ tier: 'standard', impact: 'medium', urgency: 'medium', channel: 'web' })).toBe(id(base));
    expect(id({ ...base, requestedPriority: null })).toBe(id(base));
    expect(id({ ...base, trial: false })).toBe(id(base));
    // Any other value, or another time, is another decision.
    expect(id({ ...base, trial: true })).not.toBe(id(base));
    expect(id({ ...base, impact: 'high' })).not.toBe(id(base));
    expect(id({ ...base, openedAt: '2026-03-09T09:30:00+01:00' })).not.toBe(
      id({ ...base, openedAt: '2026-03-09T09:30:00+02:00' }),
    );
    expect(id(base, '2026-03-09T10:00:01Z')).not.toBe(id(base));
  });

  it('carry the policy revision, a sha256 of its source', () => {
    const d = decide(ticket());
    expect(d.policy).toEqual({
      id: 'zmanda',
      version: '2024.1',
      revision: `sha256:${createHash('sha256').update(source).digest('hex')}`,
    });
  });

  it('name the facts an undecided outcome needed', () => {
    const c = compile(
      [
        'policy: partial',
        'title: Partial',
        'version: "1"',
        'effective: 2024-01-01',
        'facts:',
        '  impact: { type: enum, values: [high, low] }',
        '  openedAt: { type: datetime }',
        'priorities: [P1, P2]',
        'priority:',
        '  lookup: { fact: impact, table: { high: P1, low: P2 } }',
        '',
      ].join('\n'),
      'partial.yaml',
    );
    expect(decide({}, c)).toMatchObject({ priority: null, missingFacts: ['impact'] });
    expect(decide({ impact: 'low' }, c)).toMatchObject({ priority: 'P2', missingFacts: [] });
  });
});

describe('the compiled rules', () => {
  it('run in a plain json-rules-engine Engine', async () => {
    const json = rulesJson(zmanda);
    const priority = json.stages.find((s) => s.name === 'priority')!;
    const engine = new Engine(priority.rules);
    const facts = { requestedPriority: null, urgency: 'high', impact: 'low' };
    const { events } = await engine.run(facts);
    // Several rules may hold; the highest priority decides (first-match stage). Each rule's twin
    // fires (event `false`) when it does not hold.
    const held = events.filter((e) => e.type !== 'false');
    expect(events.filter((e) => e.type === 'false').map((e) => e.params!.rule)).toContain('priority.matrix.high.high');
    const first = [...held].sort(
      (a, b) =>
        (priority.rules.find((r) => r.name === b.params!.rule)!.priority ?? 0) -
        (priority.rules.find((r) => r.name === a.params!.rule)!.priority ?? 0),
    )[0];
    expect(first?.params).toMatchObject({ rule: 'priority.matrix.high.low', outcome: { priority: 'P3' } });
  });

  it('say how to run them and what they read', () => {
    const json = rulesJson(zmanda);
    expect(json.stages.map((s) => s.name)).toEqual([
      'derived',
      'tier',
      'priority',
      'channels',
      'eligibility',
      'sla',
      'billing',
      'notices',
      'entitlements',
      'actions',
    ]);
    expect(json.derivedFacts).toEqual([
      expect.objectContaining({ id: 'slaTier', expression: 'if trial then "premium" else tier', computedBy: 'rules' }),
    ]);
    // slaTier is a rule for trial tickets and one per tier for the rest.
    const rules = json.stages[0]!.rules.filter((r) => r.event.type !== 'false');
    expect(rules.map((r) => [r.name, (r.event.params as { outcome: { value: unknown } }).outcome.value])).toEqual(
      [
        ['derived.slaTier.1', 'premium'],
        ['derived.slaTier.2.community', 'community'],
        ['derived.slaTier.2.standard', 'standard'],
        ['derived.slaTier.2.premium', 'premium'],
      ],
    );
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('zmanda SLA clock', () => {
  // Standard hours: «Dal lunedì al venerdì, dalle 8 alle 17 (fuso orario locale)»; the customer's zone, default Europe/Rome.
  it('Fri 16:30 + 8 business hours (P3) → Mon 15:30, in the calendar zone', () => {
    const d = decide(ticket({ requestedPriority: 'P3', openedAt: '2026-03-06T16:30:00+01:00' }));
    expect(d.sla?.response).toMatchObject({
      target: 'PT8H',
      dueAt: '2026-03-09T15:30:00+01:00',
      startsAt: '2026-03-06T16:30:00+01:00',
      status: null,
    });
  });

  it("counts in the customer's zone: New York, across the US change of 2026-03-08", () => {
    // Opened Fri 16:00-05:00 with 3 h: Friday 16–17 (1 h), Monday 08:00-04:00 + 2 h = 10:00-04:00.
    const d = decide(ticket({ requestedPriority: 'P2', timezone: 'America/New_York', openedAt: '2026-03-06T16:00:00-05:00' }));
    expect(d.sla?.response?.dueAt).toBe('2026-03-09T10:00:00-04:00');
  });

  it('starts the clock at the next business instant for a ticket opened on Saturday', () => {
    const d = decide(ticket({ requestedPriority: 'P1', openedAt: '2026-03-07T10:00:00+01:00' }));
    expect(d.sla?.response).toMatchObject({ startsAt: '2026-03-09T08:00:00+01:00', dueAt: '2026-03-09T09:00:00+01:00' });
  });

  it("counts premium 24x7 targets in real time, printed in the customer's zone", () => {
    // 15 minutes across the spring-forward night in Rome are 15 real minutes: 00:50Z + 15 min =
    // 01:05Z, the instant Rome moved to +02:00 (at 01:00Z), so 03:05+02:00 in the customer's zone
    // (timezone, default Europe/Rome) — no longer 02:05+01:00, the offset the ticket was written in.
    const d = decide(ticket({ tier: 'premium', requestedPriority: 'P1', openedAt: '2026-03-29T01:50:00+01:00' }));
    expect(d.sla?.response?.dueAt).toBe('2026-03-29T03:05:00+02:00');
  });

  it('does not count the time the ticket waited on the customer', () => {
    // Mon 09:00 + 3 h, paused 10:00–12:00 → 14:00.
    const d = decide(
      ticket({
        requestedPriority: 'P2',
        openedAt: '2026-03-09T09:00:00+01:00',
        pauses: [{ from: '2026-03-09T10:00:00+01:00', to: '2026-03-09T12:00:00+01:00' }],
      }),
    );
    expect(d.sla?.response?.dueAt).toBe('2026-03-09T14:00:00+01:00');
  });

  it('says whether the window is running, met or breached, and by how much', () => {
    const opened = { requestedPriority: 'P2', openedAt: '2026-03-09T09:00:00+01:00' }; // due 12:00
    expect(decide(ticket(opened), zmanda, '2026-03-09T10:30:00+01:00').sla?.response).toMatchObject({
      status: 'running',
      elapsed: 'PT1H30M',
      remaining: 'PT1H30M',
      exceeded: null,
    });
    expect(decide(ticket(opened), zmanda, '2026-03-09T16:00:00+01:00').sla?.response).toMatchObject({
      status: 'breached',
      elapsed: 'PT7H',
      exceeded: 'PT4H',
    });
    expect(
      decide(ticket({ ...opened, respondedAt: '2026-03-09T11:59:00+01:00' }), zmanda, '2026-03-10T09:00:00+01:00').sla?.response,
    ).toMatchObject({ status: 'met', remaining: 'PT1M' });
    expect(decide(ticket({ ...opened, respondedAt: '2026-03-09T12:00:00+01:00' })).sla?.response?.status).toBe('met');
    expect(decide(ticket({ ...opened, respondedAt: '2026-03-10T08:30:00+01:00' })).sla?.response).toMatchObject({
      status: 'breached',
      exceeded: 'PT5H30M',
    });
  });

  it('measures a changed priority from openedAt, and says so in the trace', () => {
    const d = decide(
      ticket({ requestedPriority: 'P1', openedAt: '2026-03-09T09:00:00+01:00', priorityChangedAt: '2026-03-09T11:00:00+01:00' }),
    );
    expect(d.sla?.response?.dueAt).toBe('2026-03-09T10:00:00+01:00');
    expect(d.trace.find((t) => t.rule === 'sla.priority-changed')?.note).toContain('measured from openedAt');
  });

  it('names openedAt when it is missing, and leaves dueAt null', () => {
    const d = decide(ticket({ requestedPriority: 'P2' }));
    expect(d.sla?.response?.dueAt).toBeNull();
    expect(d.missingFacts).toEqual(['openedAt']);
  });
});

describe('a time of evaluation the clock cannot read', () => {
  it('is a problem named now, not a crash', () => {
    for (const now of ['2026-03-09T25:00:00Z', 'yesterday', '']) {
      const r = evaluate(zmanda, { ...ticket(), openedAt: '2026-03-09T09:30:00+01:00' }, { now });
      expect(r.ok, now).toBe(false);
      if (!r.ok) expect(r.problems[0]).toMatchObject({ fact: 'now', message: expect.stringContaining('not a date and time') });
    }
  });
});

describe('derived facts across stages', () => {
  const file = join('test', 'engine', 'differential', 'derived.yaml');
  const derived = compile(readFileSync(join(root, file), 'utf8'), file);

  it('works a fact out again when the decision it reads has moved on since', () => {
    // lateDate reads the priority: the tier reads it before the priority is decided (2030), the
    // `early` entitlement after it is P1 (2024).
    const d = decide({ plan: 'basic', seats: 40, balance: 20, vip: true }, derived);
    expect(d.priority).toBe('P1');
    // Before the priority is decided, lateDate reads it as unknown: not set, so the plan decides.
    expect(d.tier).toBe('basic');
    expect(d.entitlements).toContain('early');
    expect(decide({ plan: 'basic', seats: 40, balance: 20, vip: false }, derived).entitlements).not.toContain('early');
  });
});
