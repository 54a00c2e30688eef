// The fast path against json-rules-engine, the reference semantics: every policy test and
// thousands of generated fact sets must give identical decisions through both.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FactDecl, Policy } from '../dsl/index.js';
import { type CompiledPolicy, compileSource, evaluate, evaluateReference } from '../engine/index.js';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Every valid policy we have: the bundled ones, the README's example, the passing cases. */
function policies(): { name: string; source: string }[] {
  const out = readdirSync(join(root, 'policies'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: `policies/${f}`, source: readFileSync(join(root, 'policies', f), 'utf8') }));
  out.push({ name: 'README.md', source: /```yaml\n(policy: [\s\S]*?)```/.exec(readme)![1]! });
  for (const f of readdirSync(join(root, 'test', 'differential')).filter((f) => f.endsWith('.yaml'))) {
    out.push({ name: `test/differential/${f}`, source: readFileSync(join(root, 'test', 'differential', f), 'utf8') });
  }
  for (const f of readdirSync(join(root, 'test', 'cases'))
    .filter((f) => f.endsWith('.pass.yaml'))
    .sort()) {
    out.push({ name: `test/cases/${f}`, source: readFileSync(join(root, 'test', 'cases', f), 'utf8') });
  }
  return out;
}

const compiled: { name: string; compiled: CompiledPolicy }[] = [];
beforeAll(async () => {
  for (const { name, source } of policies()) {
    const result = await compileSource(source, name);
    if (result.ok) compiled.push({ name, compiled: result.compiled });
  }
});

const day = fc
  .integer({ min: 0, max: 3650 })
  .map((n) => new Date(Date.UTC(2019, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
const offset = fc.constantFrom('Z', '+01:00', '+02:00', '-03:00', '+05:30');
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`);
const datetime = fc.tuple(day, time, offset).map(([d, t, o]) => `${d}T${t}${o}`);

/** Values of one fact, drawn from its declaration (the corners the rules look at included). */
function valueOf(f: FactDecl): fc.Arbitrary<unknown> {
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
  }
}

function factsOf(policy: Policy): fc.Arbitrary<Record<string, unknown>> {
  const entries = policy.facts.map((f) => {
    const value = valueOf(f);
    return [f.name, f.required ? value : fc.option(value, { nil: undefined, freq: 3 })] as const;
  });
  return fc
    .record(Object.fromEntries(entries))
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

describe('the fast path and json-rules-engine agree', () => {
  it('compiles enough policies to mean something', () => {
    expect(compiled.length).toBeGreaterThan(50);
    expect(compiled.map((c) => c.name)).toContain('test/differential/operators.yaml');
  });

  it('on every policy test', async () => {
    let n = 0;
    for (const { compiled: c } of compiled) {
      for (const t of c.policy.tests) {
        const options = t.now ? { now: t.now } : {};
        expect(await evaluateReference(c, t.facts, options), `${c.id}: ${t.name}`).toEqual(evaluate(c, t.facts, options));
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it('on generated facts for every policy', async () => {
    for (const { name, compiled: c } of compiled) {
      await fc
        .assert(
          fc.asyncProperty(factsOf(c.policy), async (facts) => {
            expect(await evaluateReference(c, facts)).toEqual(evaluate(c, facts));
          }),
          { numRuns: name.startsWith('test/differential/') ? 3000 : 60 },
        )
        .catch((e: Error) => {
          throw new Error(`${name}: ${e.message}`);
        });
    }
  });
});

describe('fixed trace steps', () => {
  /** The policy with every rule's trace step made from what it reads, as for any other rule. */
  const unfixed = (c: CompiledPolicy): CompiledPolicy => ({
    ...c,
    stages: c.stages.map((s) => ({ ...s, rules: s.rules.map((r) => ({ ...r, fixedStep: null })) })),
  });

  it('are what the rule read when it matched, on generated facts for every policy', () => {
    let fixed = 0;
    for (const { name, compiled: c } of compiled) {
      fixed += c.stages.flatMap((s) => s.rules).filter((r) => r.fixedStep).length;
      const reading = unfixed(c);
      fc.assert(
        fc.property(factsOf(c.policy), (facts) => {
          expect(evaluate(c, facts), name).toEqual(evaluate(reading, facts));
        }),
        { numRuns: name.startsWith('test/differential/') ? 1000 : 60 },
      );
    }
    // Most rules of the bundled policies compare facts with literals.
    expect(fixed).toBeGreaterThan(100);
  });
});
