// The facts validator answers the common case without ajv. That path must never accept what ajv
// refuses, and when it accepts it must give exactly the values the full path gives: random
// facts of every kind (right, wrong, unknown, null, undefined, inherited, hidden) through both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPolicy, type Policy } from '../../dsl/index.js';
import { createFactsValidator } from '../../engine/facts.js';

const root = join(import.meta.dirname, '..', '..');
const load = (source: string, file: string): Policy => {
  const r = loadPolicy(source, file);
  if (!r.ok) throw new Error(`${file} does not load: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.policy;
};
/** Facts with bounds of every kind: fractional and whole, one-sided, a single value, negative. */
const bounded = load(
  `policy: bounded
title: Bounded facts
version: "1"
effective: 2026-01-01
facts:
  minutes: { type: integer, min: 0 }
  quantity: { type: integer, min: 1, max: 10, default: 1 }
  year: { type: integer, min: 2000, max: 9999 }
  only: { type: integer, min: 7, max: 7 }
  rate: { type: number, min: -2.5, max: 2.5 }
  ceiling: { type: number, max: 100 }
  openedAt: { type: datetime }
  respondedAt: { type: datetime }
  pauses: { type: intervals }
priorities: [P1]
`,
  'bounded.yaml',
);
const policies: Policy[] = [
  ...['zmanda', 'oto', 'logbot', 'imagicle'].map((id) =>
    load(readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8'), `${id}.yaml`),
  ),
  bounded,
];

/** Values of every type, plenty of them right for some fact and wrong for the others. */
function valuesFor(policy: Policy): fc.Arbitrary<unknown> {
  const enumValues = policy.facts.flatMap((f) => f.values ?? []);
  const bounds = policy.facts
    .flatMap((f) => [f.min, f.max])
    .filter((b): b is number => b !== undefined)
    .flatMap((b) => [b - 1, b - 0.5, b, b + 0.5, b + 1]);
  return fc.oneof(
    fc.constantFrom(...enumValues, 'P1', 'nope', ''),
    fc.constantFrom(null, undefined, true, false, 0, 1, -3, 2.5, Number.NaN, Infinity, 1e21),
    // Bounds and just past them; integers past 2^53.
    fc.constantFrom(...bounds, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 9007199254740993),
    fc.integer({ min: -20, max: 20 }),
    fc.constantFrom(
      '2026-03-09T09:30:00+01:00',
      '2026-03-09T09:30:00Z',
      '2026-02-30T09:30:00Z',
      '2026-03-09T25:00:00Z',
      '2026-03-09T24:00:00Z',
      '2026-03-09T23:60:00Z',
      '2026-03-09',
      '2026-13-01',
      'Europe/Rome',
      'Mars/Olympus',
    ),
    fc.constant([{ from: '2026-03-09T10:00:00Z', to: '2026-03-09T11:00:00Z' }]),
    fc.constant([{ from: 'x', to: '2026-03-09T11:00:00Z' }]),
    fc.constant([{ from: '2026-03-09T11:00:00Z', to: '2026-03-09T10:00:00Z' }]),
    fc.constant([{ from: '2026-03-09T10:00:00Z', to: '2026-03-09T10:00:00Z' }]),
    fc.constant([{ from: '2026-03-09T10:00:00Z' }]),
    fc.string({ maxLength: 6 }),
    fc.constant({}),
  );
}

function factsFor(policy: Policy): fc.Arbitrary<Record<string, unknown>> {
  const names = policy.facts.map((f) => f.name);
  const values = valuesFor(policy);
  // Mostly right facts, some of them spoilt: a realistic share of inputs take the quick path.
  const rightValue = (f: Policy['facts'][number]): fc.Arbitrary<unknown> => {
    switch (f.type) {
      case 'enum':
        return fc.constantFrom(...(f.values ?? []));
      case 'boolean':
        return fc.boolean();
      case 'string':
        return fc.string({ maxLength: 8 });
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: f.min ?? -1e6, max: f.max ?? 1e6 });
      case 'integer':
        return fc.integer({ min: f.min ?? -1000, max: f.max ?? 1000 });
      case 'date':
        return fc.constant('2026-03-09');
      case 'datetime':
        return fc.constantFrom('2026-03-09T09:30:00+01:00', '2026-12-31T23:59:59.5Z');
      case 'timezone':
        return fc.constantFrom('Europe/Rome', 'America/Sao_Paulo');
      default:
        return fc.constant([{ from: '2026-03-09T10:00:00Z', to: '2026-03-09T11:00:00Z' }]);
    }
  };
  const right = fc.record(Object.fromEntries(policy.facts.map((f) => [f.name, rightValue(f)])), {
    requiredKeys: policy.facts.filter((f) => f.required).map((f) => f.name),
  });
  const spoilt = fc.dictionary(fc.constantFrom(...names, 'unknown', 'constructor', 'toString', '__proto__'), values, {
    maxKeys: 4,
  });
  return fc.tuple(right, spoilt, fc.boolean()).map(([a, b, merge]) => (merge ? Object.assign(a, b) : a));
}

describe('facts validator', () => {
  for (const policy of policies) {
    it(`${policy.id}: the quick path agrees with ajv on every input it accepts`, () => {
      const validate = createFactsValidator(policy);
      const full = createFactsValidator(policy, { quick: false });
      let quickOk = 0;
      fc.assert(
        fc.property(factsFor(policy), (facts) => {
          const a = validate(facts);
          const b = full(facts);
          expect(a).toEqual(b);
          if (a.ok) quickOk++;
        }),
        { numRuns: 3000 },
      );
      // Both kinds of answer were seen.
      expect(quickOk).toBeGreaterThan(100);
      expect(quickOk).toBeLessThan(3000);
    });
  }

  it('reads own enumerable keys only, as the full path does', () => {
    const zmanda = policies[0]!;
    const validate = createFactsValidator(zmanda);
    const full = createFactsValidator(zmanda, { quick: false });
    const base = { tier: 'standard', impact: 'high', urgency: 'low', channel: 'web' };
    const inherited = Object.assign(Object.create({ tier: 'premium' }), { impact: 'high', urgency: 'low', channel: 'web' });
    const hidden = Object.defineProperty({ ...base, unknown: 'x' }, 'channel', { value: 'web', enumerable: false });
    const hiddenOnly = Object.defineProperty({ ...base }, 'trial', { value: true, enumerable: false });
    for (const input of [base, inherited, hidden, hiddenOnly, { ...base, trial: undefined }, { ...base, other: null }]) {
      expect(validate(input)).toEqual(full(input));
    }
    expect(validate(inherited).ok).toBe(false);
    expect(validate(hidden).ok).toBe(false);
    expect(validate({ ...base, other: null }).ok).toBe(true);
  });

  describe('min and max', () => {
    const quick = createFactsValidator(bounded);
    const full = createFactsValidator(bounded, { quick: false });
    const numeric = bounded.facts.filter((f) => f.type === 'number' || f.type === 'integer');

    it('accept a value inside [min, max] and refuse one outside, on both paths alike', () => {
      const value = (f: Policy['facts'][number]) =>
        f.type === 'integer'
          ? fc.integer({ min: (f.min ?? -1e4) - 50, max: (f.max ?? 1e4) + 50 })
          : fc.double({ noNaN: true, noDefaultInfinity: true, min: (f.min ?? -1e4) - 50, max: (f.max ?? 1e4) + 50 });
      fc.assert(
        fc.property(
          fc.constantFrom(...numeric).chain((f) => fc.tuple(fc.constant(f), value(f))),
          ([f, v]) => {
            const inside = (f.min === undefined || v >= f.min) && (f.max === undefined || v <= f.max);
            const input = { only: 7, [f.name]: v };
            const a = quick(input);
            expect(a).toEqual(full(input));
            expect(a.ok).toBe(inside);
            if (!a.ok) {
              expect(a.problems).toEqual([
                {
                  pointer: `/${f.name}`,
                  fact: f.name,
                  message:
                    f.min !== undefined && v < f.min
                      ? `fact '${f.name}' should be at least ${f.min} (got ${v})`
                      : `fact '${f.name}' should be at most ${f.max} (got ${v})`,
                },
              ]);
            }
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('refuses integers past 2^53, which JSON cannot carry exactly', () => {
      for (const v of [2 ** 53, -(2 ** 53), JSON.parse('9007199254740993') as number]) {
        const refused = full({ only: 7, minutes: Math.abs(v) });
        expect(refused).toEqual({
          ok: false,
          problems: [
            {
              pointer: '/minutes',
              fact: 'minutes',
              message: `fact 'minutes' should be a whole number between -9007199254740991 and 9007199254740991, exactly as written (got 9007199254740992)`,
            },
          ],
        });
        expect(quick({ only: 7, minutes: Math.abs(v) })).toEqual(refused);
      }
      expect(quick({ only: 7, minutes: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    });
  });
});
