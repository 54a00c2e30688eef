// The engine against an independent oracle (./interpreter.ts): a tree-walking interpreter of
// the parsed policy that shares no code with the engine's compiler, expression evaluator, facts
// or stages. On every policy test and on generated facts (some left out, so unknowns occur) the
// two must give the same eligibility, reasons, tier, priority, channels, SLA targets, billing plan
// and notices, entitlements and actions; every fact the oracle says would decide a null outcome
// must be in `missingFacts`, and `missingFacts` must name no fact that was given.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledPolicy, type Decision, compileSource, evaluate } from '../../engine/index.js';
import { factsOf } from '../support/arbitraries.js';
import { type OracleDecision, interpret } from './interpreter.js';

const root = join(import.meta.dirname, '..', '..');

/** The bundled policies, the examples, the differential fixtures, this folder's fixtures, the README's examples and every passing case. */
function policies(): { name: string; source: string }[] {
  const dirs = ['policies', 'examples', join('test', 'engine', 'differential'), join('test', 'engine', 'policies')];
  const out = dirs.flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ name: `${dir}/${f}`, source: readFileSync(join(root, dir, f), 'utf8') })),
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const [i, m] of [...readme.matchAll(/```yaml\n(policy: [\s\S]*?)```/g)].entries())
    out.push({ name: `README.md#${i + 1}`, source: m[1]! });
  for (const f of readdirSync(join(root, 'test', 'dsl', 'cases'))
    .filter((f) => f.endsWith('.pass.yaml'))
    .sort())
    out.push({ name: `test/dsl/cases/${f}`, source: readFileSync(join(root, 'test', 'dsl', 'cases', f), 'utf8') });
  return out;
}

/** The decision's fields the oracle decides, in the oracle's shape. */
function engineView(d: Decision): Omit<OracleDecision, 'deciding'> {
  const target = (w: { target: string; calendar: string } | null) => (w ? { target: w.target, calendar: w.calendar } : null);
  return {
    eligible: d.eligible,
    reasons: d.reasons.map((r) => r.code),
    tier: d.tier,
    priority: d.priority,
    channels: d.channels,
    sla: d.sla ? { response: target(d.sla.response), resolution: target(d.sla.resolution) } : null,
    // The amounts and the notice that follows from them (credit-insufficient) have their own oracle.
    billing: d.billing
      ? {
          kind: d.billing.kind,
          plan: d.billing.plan,
          notices: d.billing.notices.map((n) => n.code).filter((code) => code !== 'credit-insufficient'),
        }
      : null,
    entitlements: d.entitlements,
    actions: d.actions,
  };
}

const withoutDeciding = ({ deciding: _, ...rest }: OracleDecision) => rest;

/** Compares one ticket; returns false when the engine refused the facts (nothing to compare). */
function agree(c: CompiledPolicy, facts: Record<string, unknown>, label: string): boolean {
  const result = evaluate(c, facts, { trace: false });
  if (!result.ok) return false;
  const decision = result.decision;
  const seen = engineView(decision);
  // Where the channels are open, the channel check may be as decisive as the precise reading or
  // only as Kleene's tables: either is sound (see OpenChannels); anything else is not.
  const kleene = interpret(c.policy, facts, 'kleene');
  const { deciding, ...oracle } = isDeepStrictEqual(seen, withoutDeciding(kleene))
    ? kleene
    : interpret(c.policy, facts, 'precise');
  expect(seen, `${label}\nfacts: ${JSON.stringify(facts)}`).toEqual(oracle);
  for (const [outcome, needed] of Object.entries(deciding))
    for (const fact of needed)
      expect(
        decision.missingFacts,
        `${label}: ${outcome} is null; '${fact}' would decide it\nfacts: ${JSON.stringify(facts)}`,
      ).toContain(fact);
  // And missingFacts names only facts that were not given (and have no default).
  for (const fact of decision.missingFacts) {
    const decl = c.policy.facts.find((f) => f.name === fact);
    expect(decl, `${label}: missingFacts names '${fact}', which the policy does not declare`).toBeDefined();
    expect(
      facts[fact] ?? decl!.default ?? null,
      `${label}: missingFacts names '${fact}', which was given\nfacts: ${JSON.stringify(facts)}`,
    ).toBeNull();
  }
  return true;
}

const compiled: { name: string; compiled: CompiledPolicy }[] = [];
beforeAll(async () => {
  for (const { name, source } of policies()) {
    const result = await compileSource(source, name);
    if (result.ok) compiled.push({ name, compiled: result.compiled });
  }
});

describe('the engine and an independent interpreter agree', () => {
  it('compile enough policies to mean something', () => {
    expect(compiled.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'policies/zmanda.yaml',
        'policies/logbot.yaml',
        'policies/oto.yaml',
        'policies/imagicle.yaml',
        'test/engine/policies/computed.yaml',
        'test/engine/policies/sections.yaml',
        'README.md#4',
      ]),
    );
    expect(compiled.length).toBeGreaterThan(100);
  });

  it('on every policy test', () => {
    let n = 0;
    for (const { name, compiled: c } of compiled) {
      for (const t of c.policy.tests) if (agree(c, t.facts, `${name}: ${t.name}`)) n++;
    }
    expect(n).toBeGreaterThan(150);
  });

  it('on generated facts, some left out, for every policy', () => {
    let decided = 0;
    for (const { name, compiled: c } of compiled) {
      const bundled =
        name.startsWith('policies/') ||
        name.startsWith('examples/') ||
        name.startsWith('test/engine/policies/') ||
        name.startsWith('README.md');
      fc.assert(
        fc.property(factsOf(c.policy), (facts) => {
          if (agree(c, facts, name)) decided++;
        }),
        { numRuns: bundled ? 1000 : 150 },
      );
    }
    // Most generated tickets are decided, not refused: the comparison is not empty.
    expect(decided).toBeGreaterThan(15000);
  });
});

/**
 * The oracle against the policies' own tests, written by hand from the vendors' documents: every
 * expected field it decides (eligibility, reasons, tier, priority, channels, SLA targets, the
 * billing plan and notices, grants, missing facts), with no engine in between.
 */
function meetsExpectations(
  o: Omit<OracleDecision, 'deciding'> & { deciding: OracleDecision['deciding'] },
  expect_: Record<string, unknown>,
  label: string,
): number {
  const codes = (xs: unknown) => (xs as ({ code: string } | string)[]).map((x) => (typeof x === 'string' ? x : x.code));
  const window = (name: 'response' | 'resolution') => (o.sla === null ? undefined : o.sla[name]);
  let checked = 0;
  const check = (actual: unknown, expected: unknown, key: string) => {
    expect(actual, `${label}: ${key}`).toEqual(expected);
    checked++;
  };
  for (const [key, want] of Object.entries(expect_)) {
    switch (key) {
      case 'eligible':
      case 'tier':
      case 'priority':
      case 'channels':
      case 'entitlements':
      case 'actions':
        check(o[key], want, key);
        break;
      case 'reasons':
        check(o.reasons, codes(want), key);
        break;
      case 'missingFacts':
        for (const f of new Set(Object.values(o.deciding).flat())) check((want as string[]).includes(f), true, `${key} has ${f}`);
        break;
      case 'sla':
        if (want === null) check(o.sla, null, key);
        break;
      case 'sla.response':
      case 'sla.resolution': {
        const w = window(key === 'sla.response' ? 'response' : 'resolution');
        if (want === null) check(w, null, key);
        else
          for (const k of ['target', 'calendar'] as const)
            if (k in (want as object)) check(w?.[k], (want as Record<string, unknown>)[k], `${key}.${k}`);
        break;
      }
      case 'sla.response.target':
      case 'sla.response.calendar':
      case 'sla.resolution.target':
      case 'sla.resolution.calendar': {
        const [, name, field] = key.split('.') as [string, 'response' | 'resolution', 'target' | 'calendar'];
        check(window(name)?.[field], want, key);
        break;
      }
      case 'billing':
        if (want === null) check(o.billing, null, key);
        else
          for (const k of ['kind', 'plan', 'notices'] as const)
            if (k in (want as object))
              check(
                o.billing?.[k],
                k === 'notices'
                  ? codes((want as Record<string, unknown>)[k]).filter((c) => c !== 'credit-insufficient')
                  : (want as Record<string, unknown>)[k],
                `billing.${k}`,
              );
        break;
      case 'billing.plan':
        check(o.billing?.plan, want, key);
        break;
      case 'billing.notices':
        check(
          o.billing?.notices,
          codes(want).filter((c) => c !== 'credit-insufficient'),
          key,
        );
        break;
      default:
        break;
    }
  }
  return checked;
}

describe('the oracle on its own', () => {
  it("meets the policies' hand-written expectations", () => {
    let checked = 0;
    for (const { name, compiled: c } of compiled) {
      for (const t of c.policy.tests) {
        if ('error' in t.expect) continue;
        checked += meetsExpectations(interpret(c.policy, t.facts), t.expect, `${name}: ${t.name}`);
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
