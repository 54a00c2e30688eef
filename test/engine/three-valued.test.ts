// Three-valued conditions (DESIGN §3 "Missing facts: never guess"): Kleene's tables for the
// expression language, and the decisions of the bundled policies when a fact is not given.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExpression } from '../../dsl/index.js';
import { type CompiledPolicy, type Decision, compileSource, evaluate } from '../../engine/index.js';
import { compileExpr } from '../../engine/expr.js';
import type { Value } from '../../engine/values.js';
import { locate } from '../support/helpers.js';

/** The value of an expression over the given facts; a fact not in `facts` is not given (null). */
function value(text: string, facts: Record<string, Value>): Value {
  const parsed = parseExpression(text, locate);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.diagnostics[0]?.message}`);
  return compileExpr(parsed.value)({ get: (name) => facts[name] ?? null });
}

const U = null;
const TRUTH = [true, false, U] as const;
/** a, b as facts: true, false, or not given. */
const given = (a: boolean | null, b: boolean | null) => ({ ...(a === null ? {} : { a }), ...(b === null ? {} : { b }) });

describe("Kleene's tables", () => {
  // Written out, not computed: rows a = true, false, unknown; columns b likewise.
  const AND = [
    [true, false, U],
    [false, false, false],
    [U, false, U],
  ];
  const OR = [
    [true, true, true],
    [true, false, U],
    [true, U, U],
  ];
  it('for and, or', () => {
    TRUTH.forEach((a, i) =>
      TRUTH.forEach((b, j) => {
        expect(value('a and b', given(a, b)), `${a} and ${b}`).toBe(AND[i]![j]);
        expect(value('a or b', given(a, b)), `${a} or ${b}`).toBe(OR[i]![j]);
      }),
    );
  });

  it('for not', () => {
    expect(value('not a', given(true, null))).toBe(false);
    expect(value('not a', given(false, null))).toBe(true);
    expect(value('not a', given(null, null))).toBe(U);
  });

  it('for comparisons and membership: a value not given makes them unknown', () => {
    expect(value('n > 3', { n: 5 })).toBe(true);
    expect(value('n > 3', {})).toBe(U);
    expect(value('n != 3', {})).toBe(U);
    expect(value('s == "x"', {})).toBe(U);
    expect(value('s in ["x", "y"]', {})).toBe(U);
    expect(value('s not in ["x", "y"]', {})).toBe(U);
    expect(value('s not in ["x", "y"]', { s: 'z' })).toBe(true);
    // A list that holds an unknown: found decides, not found is unknown.
    expect(value('s in ["x", t]', { s: 'x' })).toBe(true);
    expect(value('s in ["x", t]', { s: 'y' })).toBe(U);
    expect(value('d < 2024-01-01', {})).toBe(U);
  });

  it('except where a condition asks whether a value was given', () => {
    expect(value('s == null', {})).toBe(true);
    expect(value('s != null', {})).toBe(false);
    expect(value('isSet(s)', {})).toBe(false);
    expect(value('not isSet(s) or s == "x"', {})).toBe(true);
    expect(value('coalesce(s, "y")', {})).toBe('y');
    expect(value('coalesce(s, t)', {})).toBe(U);
  });

  it('for if: an unknown test gives an unknown value', () => {
    expect(value('if a then "p" else "q"', { a: true })).toBe('p');
    expect(value('if a then "p" else "q"', {})).toBe(U);
    // false and unknown is false, so the choice is known.
    expect(value('if a and b then "p" else "q"', { a: false })).toBe('q');
  });
});

const root = join(import.meta.dirname, '..', '..');
const policies = new Map<string, CompiledPolicy>();
beforeAll(async () => {
  for (const id of ['logbot', 'oto', 'zmanda', 'imagicle']) {
    const r = await compileSource(readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8'), `policies/${id}.yaml`);
    if (!r.ok) throw new Error(`${id} does not compile`);
    policies.set(id, r.compiled);
  }
});

function decide(id: string, facts: Record<string, unknown>): Decision {
  const r = evaluate(policies.get(id)!, facts);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.decision;
}

describe('a fact not given is never guessed', () => {
  const card = { category: 'hardware', hasCard: true, cardDdtDate: '2026-01-10', cardBalance: 400, workedMinutes: 20 };

  it('logbot: a card ticket without openedAt cannot tell whether the card is valid, so nothing is billed', () => {
    // Main billed this 75 EUR/h with the notice card-expired, and said nothing was missing.
    const d = decide('logbot', card);
    expect(d).toMatchObject({ eligible: true, tier: null, priority: null, sla: null, billing: null, missingFacts: ['openedAt'] });
  });

  it('logbot: a card ticket without its balance cannot tell whether the card pays', () => {
    // Main billed this at the hourly rate with the notice card-empty.
    const { cardBalance: _, ...facts } = card;
    const d = decide('logbot', { ...facts, openedAt: '2026-03-10T10:00:00+01:00' });
    expect(d).toMatchObject({ eligible: true, tier: null, billing: null, missingFacts: ['cardBalance'] });
  });

  it('logbot: with both given, the card pays (20 minutes, 400 → 380 logbit)', () => {
    const d = decide('logbot', { ...card, openedAt: '2026-03-10T10:00:00+01:00' });
    expect(d).toMatchObject({ tier: 'card', billing: { plan: 'card', total: '20', balanceAfter: '380' }, missingFacts: [] });
  });

  it('logbot: a bill waits for the worked minutes, and says so', () => {
    const d = decide('logbot', { category: 'hardware', openedAt: '2026-03-10T10:00:00+01:00' });
    expect(d).toMatchObject({ eligible: true, tier: 'standard', billing: null, missingFacts: ['workedMinutes'] });
  });

  it('a deny rule whose fact is missing leaves eligibility open instead of passing the ticket', () => {
    // imagicle: an alarm ticket that does not say whether the suite is connected to the cloud.
    const d = decide('imagicle', {
      tier: 'gold',
      alarm: 'disk-space-low',
      releaseYear: 2024,
      releaseSeason: 'spring',
      dataConsent: true,
    });
    expect(d).toMatchObject({ eligible: null, reasons: [], sla: null, billing: null, missingFacts: ['cloudConnected'] });
    expect(d.trace.find((t) => t.rule === 'eligibility.cloud-not-connected')).toMatchObject({
      outcome: null,
      note: 'unknown: cloudConnected not given',
    });
  });

  it('a deny rule that holds decides, whatever else is unknown', () => {
    const d = decide('imagicle', { tier: 'basic', alarm: 'disk-space-low' });
    expect(d).toMatchObject({ eligible: false, reasons: [{ code: 'proactive-not-in-tier' }], sla: null });
  });

  it('an override acts only when given: no requested priority lets the matrix decide', () => {
    const d = decide('zmanda', { tier: 'standard', impact: 'high', urgency: 'low', channel: 'web' });
    // (Its due date waits for openedAt.)
    expect(d).toMatchObject({ eligible: true, priority: 'P3', missingFacts: ['openedAt'] });
  });
});

describe('a zone from a fact not given', () => {
  // The ticket's date is a date in the customer's zone; with no zone given it has none.
  const source = `policy: zoned
title: Zoned
version: "1"
effective: 2024-01-01
zoneFact: tz
priorities: [P1]
facts:
  tz: { type: timezone }
  openedAt: { type: datetime, required: true }
  startsOn: { type: date, required: true }
eligibility:
  - deny: before-start
    when: openedAt < startsOn
`;
  it('leaves a date of an instant unknown, and names the zone fact, never reading it in UTC', async () => {
    const r = await compileSource(source, 'zoned.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    // 22:00 on 9 March in São Paulo is 01:00 on 10 March in UTC.
    const facts = { openedAt: '2026-03-09T22:00:00-03:00', startsOn: '2026-03-10' };
    const open = evaluate(r.compiled, facts);
    expect(open.ok && open.decision).toMatchObject({ eligible: null, missingFacts: ['tz'] });
    const saoPaulo = evaluate(r.compiled, { ...facts, tz: 'America/Sao_Paulo' });
    expect(saoPaulo.ok && saoPaulo.decision).toMatchObject({ eligible: false, reasons: [{ code: 'before-start' }] });
    const tokyo = evaluate(r.compiled, { ...facts, tz: 'Asia/Tokyo' });
    expect(tokyo.ok && tokyo.decision).toMatchObject({ eligible: true });
  });

  it('names the zone fact beside the other facts the condition waits for', async () => {
    const r = await compileSource(
      source.replace('startsOn: { type: date, required: true }', 'startsOn: { type: date }'),
      'zoned.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    // Given the start date alone, the ticket's date is still not known: both are needed.
    const open = evaluate(r.compiled, { openedAt: '2026-03-09T22:00:00-03:00' });
    expect(open.ok && open.decision).toMatchObject({ eligible: null, missingFacts: ['startsOn', 'tz'] });
  });
});

describe('a fact whose absence is read elsewhere', () => {
  // `plan` is the channel fact (checked only when given) and also decides the tier.
  const source = `policy: planned
title: Planned
version: "1"
effective: 2024-01-01
priorities: [P1]
facts:
  plan: { type: enum, values: [basic, pro] }
  seats: { type: integer }
tiers:
  levels: [basic, pro]
  of: plan
channels:
  fact: plan
  byTier: { basic: [basic], pro: [basic, pro] }
eligibility:
  - deny: few-seats
    when: seats < 15
`;
  it('is still missing for the rules that compare its value', async () => {
    const r = await compileSource(source, 'planned.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const open = evaluate(r.compiled, { seats: 20 });
    // The tier and the channels wait for the plan: it is what would decide them.
    expect(open.ok && open.decision).toMatchObject({ eligible: true, tier: null, channels: null, missingFacts: ['plan'] });
    const given = evaluate(r.compiled, { seats: 20, plan: 'pro' });
    expect(given.ok && given.decision).toMatchObject({ tier: 'pro', channels: ['basic', 'pro'], missingFacts: [] });
  });

  it('is still missing for the rules that read its value through a derived fact', async () => {
    const r = await compileSource(
      `policy: far
title: Far
version: "1"
effective: 2024-01-01
priorities: [P1]
facts:
  region: { type: enum, values: [emea, apac] }
derived:
  far: region == "apac"
channels:
  fact: region
  rules:
    - allow: [emea, apac]
entitlements:
  - id: night-shift
    when: far
`,
      'far.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const open = evaluate(r.compiled, {});
    // Whether the night shift applies waits for the region.
    expect(open.ok && open.decision).toMatchObject({ eligible: true, entitlements: [], missingFacts: ['region'] });
    const apac = evaluate(r.compiled, { region: 'apac' });
    expect(apac.ok && apac.decision).toMatchObject({ entitlements: ['night-shift'], missingFacts: [] });
  });
});
