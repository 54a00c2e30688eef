// The analyzer against the engine, on generated policies: a condition it calls always true is
// true on every generated ticket (the engine grants its entitlement), one it calls never true
// is true on none, and a derived fact's possible values include every value the engine gives it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../dsl/index.js';
import { compileSource, evaluate } from '../../engine/index.js';
import { datetime, day } from '../support/arbitraries.js';

const TIERS = ['basic', 'gold', 'platinum'] as const;
const CHANNELS = ['phone', 'email', 'web'] as const;

/** Comparisons over the generated policy's facts, the corners of `users` (1–500) among them. */
const atom: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TIERS).map((t) => `tier == "${t}"`),
  fc.constantFrom(...TIERS).map((t) => `tier != "${t}"`),
  fc.subarray([...CHANNELS], { minLength: 1 }).map((cs) => `channel in [${cs.map((c) => `"${c}"`).join(', ')}]`),
  fc.subarray([...CHANNELS], { minLength: 1 }).map((cs) => `channel not in [${cs.map((c) => `"${c}"`).join(', ')}]`),
  fc.constant('trial'),
  fc.constant('onsite'),
  fc.tuple(fc.constantFrom('<', '<=', '>', '>=', '==', '!='), fc.constantFrom(0, 1, 2, 50, 250, 499, 500, 501)).map(([op, n]) => `users ${op} ${n}`),
  fc.constantFrom(...TIERS).map((t) => `level == "${t}"`),
  fc.constant('dateOf(openedAt) < startsAt'),
  fc.constant('dateOf(openedAt) >= startsAt'),
  fc.constant('wide'),
);

const condition: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) and (${b})`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a}) or (${b})`),
    tie('c').map((a) => `not (${a})`),
    // The shapes of the usual slips: a condition with its own negation, one fact twice.
    tie('c').map((a) => `(${a}) or not (${a})`),
    tie('c').map((a) => `(${a}) and not (${a})`),
  ),
})).c;

function policySource(conditions: string[], levelOf: string): string {
  return `policy: generated
title: Generated
version: "1"
effective: 2025-01-01
zone: Europe/Rome
facts:
  tier: { type: enum, values: [${TIERS.join(', ')}], required: true }
  channel: { type: enum, values: [${CHANNELS.join(', ')}], required: true }
  trial: { type: boolean, default: false }
  onsite: { type: boolean, required: true }
  users: { type: integer, min: 1, max: 500, required: true }
  openedAt: { type: datetime, required: true }
  startsAt: { type: date, required: true }
derived:
  level: ${JSON.stringify(levelOf)}
  wide: users > 250 or level == "platinum"
priorities: [P1]
entitlements:
${conditions.map((c, i) => `  - id: c${i}\n    when: ${JSON.stringify(c)}`).join('\n')}
${TIERS.map((t) => `  - id: level-${t}\n    when: level == "${t}"`).join('\n')}
`;
}

const ticket = fc.record({
  tier: fc.constantFrom(...TIERS),
  channel: fc.constantFrom(...CHANNELS),
  trial: fc.boolean(),
  onsite: fc.boolean(),
  users: fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constantFrom(1, 2, 250, 251, 499, 500)),
  openedAt: datetime,
  startsAt: day,
});

const levelOf = fc.constantFrom(
  'if trial then "gold" else tier',
  'if onsite then "platinum" else if trial then "gold" else "basic"',
  'tier',
);

describe('the analyzer agrees with the engine', () => {
  it('on generated policies and tickets', async () => {
    let judged = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(condition, { minLength: 1, maxLength: 8 }), levelOf, fc.array(ticket, { minLength: 20, maxLength: 20 }), async (conditions, level, tickets) => {
        const source = policySource(conditions, level);
        const compiled = await compileSource(source, 'generated.yaml');
        expect(compiled.ok, JSON.stringify(compiled.diagnostics.filter((d) => d.severity === 'error'))).toBe(true);
        if (!compiled.ok) return;
        const policy = compiled.compiled.policy;
        const analyzer = new Analyzer(policy);
        const verdicts = policy.entitlements.slice(0, conditions.length).map((g) => analyzer.verdict(g.when!));
        const levels = analyzer.possibleValues('level');
        expect(levels, level).toBeDefined();
        judged += verdicts.filter((v) => v !== 'depends').length;
        for (const facts of tickets) {
          const result = evaluate(compiled.compiled, facts, { trace: false });
          if (!result.ok) throw new Error(JSON.stringify(result.problems));
          const granted = new Set(result.decision.entitlements);
          verdicts.forEach((v, i) => {
            if (v === 'always') expect(granted.has(`c${i}`), `${conditions[i]} on ${JSON.stringify(facts)}`).toBe(true);
            if (v === 'never') expect(granted.has(`c${i}`), `${conditions[i]} on ${JSON.stringify(facts)}`).toBe(false);
          });
          // The derived fact's value on this ticket is one the analyzer said it can take.
          for (const t of TIERS) if (granted.has(`level-${t}`)) expect(levels, level).toContain(t);
        }
      }),
      { numRuns: 60 },
    );
    // The generator reaches conditions the analyzer decides, so the property says something.
    expect(judged).toBeGreaterThan(20);
  });
});
