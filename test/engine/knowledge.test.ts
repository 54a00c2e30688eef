// The law of missing facts (DESIGN §3 "Missing facts: never guess"): giving a fact that was
// missing never changes an outcome that was decided; it can only decide outcomes that were
// open (null). Facts whose absence a policy reads as information (`isSet`, `coalesce`, a
// priority override, …) and facts with a default are never "missing", so they are left out.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { absenceTestedFacts } from '../../dsl/index.js';
import { type CompiledPolicy, type Decision, compileSource, evaluate } from '../../engine/index.js';
import { factsOf, valueOf } from '../support/arbitraries.js';
import { runs } from '../support/reliability.js';

const root = join(import.meta.dirname, '..', '..');
const compiled: CompiledPolicy[] = [];
beforeAll(async () => {
  for (const f of readdirSync(join(root, 'policies')).filter((f) => f.endsWith('.yaml')).sort()) {
    const result = await compileSource(readFileSync(join(root, 'policies', f), 'utf8'), `policies/${f}`);
    if (!result.ok) throw new Error(`policies/${f} does not compile`);
    compiled.push(result.compiled);
  }
});

const codes = (xs: readonly ({ code: string } | string)[]) => xs.map((x) => (typeof x === 'string' ? x : x.code));

/** Every leaf of `a` that is decided (not null) is the same in `b`. */
function sameDecidedLeaves(a: unknown, b: unknown, at: string): void {
  if (a === null) return;
  if (typeof a !== 'object') {
    expect(b, at).toEqual(a);
    return;
  }
  expect(b, at).not.toBeNull();
  for (const [k, v] of Object.entries(a as Record<string, unknown>)) sameDecidedLeaves(v, (b as Record<string, unknown>)[k], `${at}.${k}`);
}

/** What `before` decided, `after` (the same facts and one more) decides alike. */
function keepsDecided(before: Decision, after: Decision): void {
  if (before.eligible !== null) expect(after.eligible, 'eligible').toBe(before.eligible);
  if (before.eligible === false) expect(codes(after.reasons), 'reasons').toEqual(expect.arrayContaining(codes(before.reasons)));
  for (const field of ['tier', 'priority', 'channels'] as const)
    if (before[field] !== null) expect(after[field], field).toEqual(before[field]);
  if (before.sla !== null) {
    expect(after.sla, 'sla').not.toBeNull();
    for (const w of ['response', 'resolution'] as const) {
      // A window the decision left out (best effort) is decided too.
      if (before.sla[w] === null) expect(after.sla![w], `sla.${w}`).toBeNull();
      else sameDecidedLeaves(before.sla[w], after.sla![w], `sla.${w}`);
    }
  }
  if (before.billing !== null) {
    const { notices, lines, ...rest } = before.billing;
    sameDecidedLeaves(rest, after.billing, 'billing');
    expect(codes(after.billing!.notices), 'billing.notices').toEqual(expect.arrayContaining(codes(notices)));
  }
  expect(after.entitlements, 'entitlements').toEqual(expect.arrayContaining(before.entitlements));
  expect(after.actions, 'actions').toEqual(expect.arrayContaining(before.actions));
}

describe('giving a missing fact', () => {
  it('never changes an outcome that was decided, on generated facts for every policy', () => {
    expect(compiled.map((c) => c.id).sort()).toEqual(['imagicle', 'logbot', 'oto', 'zmanda']);
    for (const c of compiled) {
      const informative = absenceTestedFacts(c.policy);
      const missable = c.policy.facts.filter((f) => !f.required && f.default === undefined && !informative.has(f.name));
      expect(missable.length, c.id).toBeGreaterThan(0);
      const case_ = factsOf(c.policy).chain((facts) => {
        const left = missable.filter((f) => !(f.name in facts));
        return left.length === 0
          ? fc.constant(null)
          : fc
              .constantFrom(...left)
              .chain((f) => valueOf(f).map((value) => ({ facts, more: { ...facts, [f.name]: value }, fact: f.name })));
      });
      fc.assert(
        fc.property(case_, (t) => {
          if (t === null) return;
          const before = evaluate(c, t.facts, { trace: false });
          const after = evaluate(c, t.more, { trace: false });
          if (!before.ok || !after.ok) return;
          try {
            keepsDecided(before.decision, after.decision);
          } catch (e) {
            throw new Error(`${c.id}, giving ${t.fact}: ${(e as Error).message}`);
          }
        }),
        { numRuns: runs(400, 10_000) },
      );
    }
  });
});
