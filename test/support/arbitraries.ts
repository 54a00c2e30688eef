// Generated facts for the property tests: values of each declared fact, drawn from its
// declaration, with the corners the rules look at included.
import fc from 'fast-check';
import type { FactDecl, Policy } from '../../dsl/index.js';

export const day = fc
  .integer({ min: 0, max: 3650 })
  .map((n) => new Date(Date.UTC(2019, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
export const offset = fc.constantFrom('Z', '+01:00', '+02:00', '-03:00', '+05:30');
export const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`);
export const datetime = fc.tuple(day, time, offset).map(([d, t, o]) => `${d}T${t}${o}`);

/** Values of one fact, drawn from its declaration (the corners the rules look at included). */
export function valueOf(f: FactDecl): fc.Arbitrary<unknown> {
  switch (f.type) {
    case 'enum':
      return fc.constantFrom(...(f.values ?? ['x']));
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(0, 1, 15, 30, 100), fc.integer({ min: -2, max: 102 }));
    case 'number':
      return fc.oneof(
        fc.double({ min: -100, max: 2000, noNaN: true }),
        fc.constantFrom(0, 0.5, 1, 15, 30, 100),
        fc.integer({ min: -2, max: 102 }),
      );
    case 'date':
      return day;
    case 'datetime':
      return datetime;
    case 'timezone':
      return fc.constantFrom('Europe/Rome', 'America/Sao_Paulo', 'UTC', 'Asia/Kolkata');
    case 'string':
      return fc.constantFrom('', 'LOGBOT-CREDIT-100', 'x');
    case 'intervals':
      return fc.array(
        fc.tuple(datetime, datetime).map(([from, to]) => ({ from, to })),
        { maxLength: 2 },
      );
    case 'events':
      return fc.array(
        fc.tuple(fc.constantFrom('agent-reply', 'customer-reply', 'update'), datetime).map(([type, at]) => ({ type, at })),
        { maxLength: 3 },
      );
  }
}

/** Facts of a policy: every required fact, each other one given about three times in four. */
export function factsOf(policy: Policy): fc.Arbitrary<Record<string, unknown>> {
  const entries = policy.facts.map((f) => {
    const value = valueOf(f);
    return [f.name, f.required ? value : fc.option(value, { nil: undefined, freq: 3 })] as const;
  });
  return fc
    .record(Object.fromEntries(entries))
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}
