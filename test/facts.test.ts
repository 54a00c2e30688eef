// The facts validator answers the common case without ajv. That path must never accept what ajv
// refuses, and when it accepts it must give exactly the values the full path gives: random
// facts of every kind (right, wrong, unknown, null, undefined, inherited, hidden) through both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPolicy, type Policy } from '../dsl/index.js';
import { createFactsValidator } from '../engine/facts.js';

const root = join(import.meta.dirname, '..');
const policies: Policy[] = ['zmanda', 'oto', 'logbot', 'imagicle'].map((id) => {
  const r = loadPolicy(readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8'), `${id}.yaml`);
  if (!r.ok) throw new Error(`${id} does not load`);
  return r.policy;
});

/** Values of every type, plenty of them right for some fact and wrong for the others. */
function valuesFor(policy: Policy): fc.Arbitrary<unknown> {
  const enumValues = policy.facts.flatMap((f) => f.values ?? []);
  return fc.oneof(
    fc.constantFrom(...enumValues, 'P1', 'nope', ''),
    fc.constantFrom(null, undefined, true, false, 0, 1, -3, 2.5, Number.NaN, Infinity, 1e21),
    fc.constantFrom(
      '2026-03-09T09:30:00+01:00',
      '2026-03-09T09:30:00Z',
      '2026-02-30T09:30:00Z',
      '2026-03-09T25:00:00Z',
      '2026-03-09',
      '2026-13-01',
      'Europe/Rome',
      'Mars/Olympus',
    ),
    fc.constant([{ from: '2026-03-09T10:00:00Z', to: '2026-03-09T11:00:00Z' }]),
    fc.constant([{ from: 'x', to: '2026-03-09T11:00:00Z' }]),
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
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
      case 'integer':
        return fc.integer({ min: -1000, max: 1000 });
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
});
