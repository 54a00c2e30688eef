// The fast path compiles each rule's conditions to one JavaScript function. Its text must hold
// nothing of the policy: only the shape of the condition over a fixed alphabet, with every
// name and value passed as data. Checked on every rule of the bundled policies and on a policy
// whose names and values are attempts to break out of the generated code.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompiledPolicy, compileSource } from '../../engine/index.js';
import fc from 'fast-check';
import { type Condition, truthConditions } from '../../engine/conditions.js';
import { compileCondition, conditionCode, unknownTest } from '../../engine/fast/condition.js';
import { NONE, firstMatcher, unknownAt } from '../../engine/fast/first-match.js';

const root = join(import.meta.dirname, '..', '..');

/** What a generated body may consist of; anything left after removing these is a leak. */
const ALPHABET = /s\[\d+\]|d\[K\[\d+\]\]|f\.get\(K\[\d+\]\)|[POK]\[\d+\]|===|!==|&&|\|\||true|false|[!(),\s]/g;

function bodies(compiled: CompiledPolicy) {
  const declared = new Map(compiled.factNames.map((n, i) => [n, i]));
  return compiled.stages.flatMap((s) => s.rules.map((r) => ({ rule: r.name, ...conditionCode(r.conditions, declared) })));
}

describe('generated condition code', () => {
  it('is only structure, for every rule of the bundled policies', async () => {
    let rules = 0;
    for (const file of readdirSync(join(root, 'policies')).filter((f) => f.endsWith('.yaml'))) {
      const r = await compileSource(readFileSync(join(root, 'policies', file), 'utf8'), file);
      if (!r.ok) throw new Error(`${file} does not compile`);
      for (const b of bodies(r.compiled)) {
        rules++;
        expect(b.text.replace(ALPHABET, ''), `${file} ${b.rule}: ${b.text}`).toBe('');
      }
    }
    expect(rules).toBeGreaterThan(100);
  });

  it('keeps hostile names and values as data', async () => {
    const payloads = [
      '"]) || (globalThis.pwned = 1) || (["',
      "' + (globalThis.pwned = 1) + '",
      '*/ globalThis.pwned = 1 /*',
      '`${globalThis.pwned = 1}`',
    ];
    const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
    const quoted = payloads.map((p) => JSON.stringify(p)).join(', ');
    const source = zmanda
      .replace('values: [phone, web, email, account-manager]', `values: [phone, web, email, account-manager, ${quoted}]`)
      .replace(
        'tier == "community" and channel == "phone"',
        `channel in [${quoted}] or channel == ${JSON.stringify(payloads[0])}`,
      );
    const r = await compileSource(source, 'attack.yaml');
    expect(r.ok, JSON.stringify(!r.ok && r.diagnostics.slice(0, 2))).toBe(true);
    if (!r.ok) return;
    const all = bodies(r.compiled);
    for (const b of all) expect(b.text.replace(ALPHABET, ''), b.text).toBe('');
    // The payloads are there, as data.
    const constants = all.flatMap((b) => b.K).flat();
    for (const p of payloads) expect(constants).toContain(p);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });
});

describe('first-match lookup', () => {
  // Rules over three facts with small domains, so that rules collide and facts often match.
  const VALUES = ['a', 'b', 1, 0, true, false, null] as const;
  const FACTS = ['x', 'y', 'z'];
  const value = fc.constantFrom(...VALUES);
  const equality = fc
    .subarray(FACTS, { minLength: 1 })
    .chain((facts) => fc.tuple(fc.constant(facts), fc.array(value, { minLength: facts.length, maxLength: facts.length })))
    .map(([facts, values]): Condition => ({
      all: facts.map((fact, i) => ({ fact, operator: 'equal' as const, value: values[i]! })),
    }));
  const other = fc.oneof(
    fc.constant<Condition>({ all: [] }),
    value.map((v): Condition => ({ not: { fact: 'x', operator: 'equal', value: v } })),
    fc.constant<Condition>({ fact: 'y', operator: 'in', value: ['a', 1] }),
    // A single test outside an `all`, and a fact compared twice: both stay plain tests.
    value.map((v): Condition => ({ fact: 'z', operator: 'equal', value: v })),
    fc.constant<Condition>({
      all: [
        { fact: 'x', operator: 'equal', value: 'a' },
        { fact: 'x', operator: 'equal', value: 'b' },
      ],
    }),
  );
  const given = fc.record({ x: value, y: value, z: fc.oneof(value, fc.constant(Number.NaN), fc.constant(-0)) });

  it('finds the rule a scan of the rules in order finds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 4, arbitrary: equality }, { weight: 1, arbitrary: other }), { maxLength: 14 }),
        fc.array(given, { minLength: 1, maxLength: 10 }),
        (conditions, facts) => {
          const declared = new Map(FACTS.map((f, i) => [f, i]));
          // x and y may be missing (a null is unknown), z may not (a null is its value).
          const rules = conditions.map((c) => {
            const { whenTrue, whenFalse, unknownReads } = truthConditions(c, (fact) => fact !== 'z');
            return {
              conditions: whenTrue,
              whenFalse,
              test: compileCondition(whenTrue, declared),
              testFalse: compileCondition(whenFalse, declared),
              mayBeUnknown: unknownTest(unknownReads, declared),
            };
          });
          const first = firstMatcher(rules, declared);
          for (const f of facts) {
            const view = { slots: FACTS.map((n) => f[n as keyof typeof f]), decision: {}, get: () => null };
            // The scan: the first rule that holds, unless one before it is unknown (it neither
            // holds nor is false), asked of every rule.
            let expected = NONE;
            for (let i = 0; i < rules.length && expected === NONE; i++) {
              if (rules[i]!.test(view)) expected = i;
              else if (!rules[i]!.testFalse(view)) expected = unknownAt(i);
            }
            expect(first(view)).toBe(expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
