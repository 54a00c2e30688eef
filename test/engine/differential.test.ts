// The fast path against json-rules-engine, the reference semantics: every policy test and
// thousands of generated fact sets must give identical decisions through both.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledPolicy, compileSource, evaluate, evaluateReference } from '../../engine/index.js';
import { factsOf } from '../support/arbitraries.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Every valid policy we have: the bundled ones, the examples, the README's example, the passing cases. */
function policies(): { name: string; source: string }[] {
  const out = ['policies', 'examples'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => ({ name: `${dir}/${f}`, source: readFileSync(join(root, dir, f), 'utf8') })),
  );
  out.push({ name: 'README.md', source: /```yaml\n(policy: [\s\S]*?)```/.exec(readme)![1]! });
  for (const f of readdirSync(join(root, 'test', 'engine', 'differential')).filter((f) => f.endsWith('.yaml'))) {
    out.push({ name: `test/engine/differential/${f}`, source: readFileSync(join(root, 'test', 'engine', 'differential', f), 'utf8') });
  }
  for (const f of readdirSync(join(root, 'test', 'dsl', 'cases'))
    .filter((f) => f.endsWith('.pass.yaml'))
    .sort()) {
    out.push({ name: `test/dsl/cases/${f}`, source: readFileSync(join(root, 'test', 'dsl', 'cases', f), 'utf8') });
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

describe('the fast path and json-rules-engine agree', () => {
  it('compiles enough policies to mean something', () => {
    expect(compiled.length).toBeGreaterThan(50);
    expect(compiled.map((c) => c.name)).toContain('test/engine/differential/operators.yaml');
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
          { numRuns: name.startsWith('test/engine/differential/') ? 3000 : 60 },
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
    fast: { ...c.fast, stages: c.fast.stages.map((s) => ({ ...s, rules: s.rules.map((r) => ({ ...r, fixedStep: null })) })) },
  });

  it('are what the rule read when it matched, on generated facts for every policy', () => {
    let fixed = 0;
    for (const { name, compiled: c } of compiled) {
      fixed += c.fast.stages.flatMap((s) => s.rules).filter((r) => r.fixedStep).length;
      const reading = unfixed(c);
      fc.assert(
        fc.property(factsOf(c.policy), (facts) => {
          expect(evaluate(c, facts), name).toEqual(evaluate(reading, facts));
        }),
        { numRuns: name.startsWith('test/engine/differential/') ? 1000 : 60 },
      );
    }
    // Most rules of the bundled policies compare facts with literals.
    expect(fixed).toBeGreaterThan(100);
  });
});
