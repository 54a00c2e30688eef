// The same decision — Zmanda priority and response target — through four implementations, in
// one process and one run, checked to agree before timing: a hand-written function (the
// practical limit), json-rules-engine running our compiled rules (engines built once, one
// decision at a time), GoRules zen-engine with an equivalent decision table (100 in flight, its
// fastest mode), and our engine (fast path, trace on and off).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'json-rules-engine';
import { type CompiledPolicy, compileSource, evaluate, evaluateWith, stageMatchOf, stageRules } from '../engine/index.js';
import { quick, report, round } from './report.js';

const root = process.cwd();
const seconds = quick ? 0.6 : 2;

type Ticket = { tier: string; trial?: boolean; impact: string; urgency: string; requestedPriority?: string; channel: string };
type Answer = { priority: string | null; response: number | null };

const LEVELS = ['high', 'medium', 'low'];
const MATRIX: Record<string, Record<string, string>> = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};
const TARGETS: Record<string, Record<string, number>> = {
  standard: { P1: 60, P2: 180, P3: 480, P4: 1440 },
  premium: { P1: 15, P2: 60, P3: 240, P4: 480 },
};

/** Eligible tickets (community by e-mail, the others on the web), some on trial, some with a requested priority. */
export const tickets: Ticket[] = Array.from({ length: 1024 }, (_, i) => {
  const tier = ['community', 'standard', 'premium'][i % 3]!;
  return {
    tier,
    ...(tier === 'standard' && i % 11 === 0 ? { trial: true } : {}),
    impact: LEVELS[(i >> 2) % 3]!,
    urgency: LEVELS[(i >> 4) % 3]!,
    ...(i % 7 === 0 ? { requestedPriority: `P${1 + (i % 4)}` } : {}),
    channel: tier === 'community' ? 'email' : 'web',
  };
});

/** The part of zen-engine's API the comparison uses. */
interface ZenModule {
  ZenEngine: new () => { createDecision(content: object): { evaluate(context: unknown): Promise<{ result: unknown }> } };
}

/** (a) The practical limit. */
function handWritten(t: Ticket): Answer {
  const priority = t.requestedPriority ?? MATRIX[t.urgency]![t.impact]!;
  const tier = t.trial ? 'premium' : t.tier;
  return { priority, response: tier === 'community' ? null : TARGETS[tier]![priority]! };
}

/** (c) A zen-engine decision table with the same rules: first hit wins. */
export function zenTable() {
  const rules: Record<string, string>[] = [];
  const sources: [string, string, string, string][] = [
    ...['P1', 'P2', 'P3', 'P4'].map((p) => [`"${p}"`, '', '', `"${p}"`] as [string, string, string, string]),
    ...LEVELS.flatMap((u) =>
      LEVELS.map((i) => ['', `"${u}"`, `"${i}"`, `"${MATRIX[u]![i]}"`] as [string, string, string, string]),
    ),
  ];
  let n = 0;
  for (const [tierCell, trialCell, tierName] of [
    ['', 'true', 'premium'],
    ['"community"', '', 'community'],
    ['"standard"', '', 'standard'],
    ['"premium"', '', 'premium'],
  ] as const) {
    for (const [req, urg, imp, prio] of sources) {
      const p = prio.replaceAll('"', '');
      rules.push({
        _id: `r${n++}`,
        tier: tierCell,
        trial: trialCell,
        req,
        urg,
        imp,
        priority: prio,
        response: tierName === 'community' ? 'null' : String(TARGETS[tierName]![p]),
      });
    }
  }
  return {
    nodes: [
      { id: 'in', type: 'inputNode', name: 'request', position: { x: 0, y: 0 } },
      {
        id: 'table',
        type: 'decisionTableNode',
        name: 'zmanda',
        position: { x: 100, y: 0 },
        content: {
          hitPolicy: 'first',
          inputs: [
            { id: 'tier', name: 'tier', field: 'tier' },
            { id: 'trial', name: 'trial', field: 'trial' },
            { id: 'req', name: 'requestedPriority', field: 'requestedPriority' },
            { id: 'urg', name: 'urgency', field: 'urgency' },
            { id: 'imp', name: 'impact', field: 'impact' },
          ],
          outputs: [
            { id: 'priority', name: 'priority', field: 'priority' },
            { id: 'response', name: 'response', field: 'response' },
          ],
          rules,
        },
      },
      { id: 'out', type: 'outputNode', name: 'response', position: { x: 200, y: 0 } },
    ],
    edges: [
      { id: 'e1', sourceId: 'in', targetId: 'table', type: 'edge' },
      { id: 'e2', sourceId: 'table', targetId: 'out', type: 'edge' },
    ],
  };
}

function ours(compiled: CompiledPolicy, trace: boolean) {
  return (t: Ticket): Answer => {
    const r = evaluate(compiled, t, { trace });
    if (!r.ok) throw new Error('invalid facts');
    const w = r.decision.sla?.response;
    return { priority: r.decision.priority, response: w ? minutes(w.target) : null };
  };
}

const MINUTES = new Map<string, number>();
/** Minutes of an ISO duration such as PT4H (the few targets of a policy, parsed once each). */
const minutes = (iso: string) => {
  let n = MINUTES.get(iso);
  if (n === undefined) {
    const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso)!;
    MINUTES.set(iso, (n = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)));
  }
  return n;
};

/** (b) json-rules-engine on our rules, one Engine per stage built once, one decision at a time. */
function jre(compiled: CompiledPolicy) {
  const engines = new Map(compiled.stages.filter((s) => s.rules.length).map((s) => [s.name, new Engine(stageRules(s))]));
  return async (t: Ticket): Promise<Answer> => {
    const r = await evaluateWith(
      compiled,
      t,
      async (stage, facts) => {
        const engine = engines.get(stage.name);
        if (!engine) return { matched: [], unknown: [] };
        const input: Record<string, unknown> = { decision: { ...facts.decision } };
        for (const rule of stage.rules)
          for (const id of rule.reads) input[id.startsWith('decision.') ? 'decision' : id] ??= facts.get(id);
        input.decision = { ...facts.decision };
        const { events } = await engine.run(input);
        const found = stageMatchOf(stage, events);
        if (stage.name === 'derived')
          for (const x of found.matched) if (x.outcome.kind === 'derived') facts.giveDerived(x.outcome.fact, x.outcome.value);
        return found;
      },
      { trace: false },
    );
    if (!r.ok) throw new Error('invalid facts');
    const w = r.decision.sla?.response;
    return { priority: r.decision.priority, response: w ? minutes(w.target) : null };
  };
}

/**
 * The rounds each implementation is timed in, and the length of each. The machine's other work
 * comes and goes: the implementations take turns, round after round, and each keeps its best
 * round, so a burst of other work falls on one round of one of them, not on a whole figure.
 */
const ROUNDS = quick ? 3 : 6;
const ROUND_SECONDS = quick ? 0.2 : 0.5;

/** Evaluations per second of each implementation: its best round, after a warm-up. */
async function rates(contenders: Record<string, [(t: Ticket) => unknown, number]>): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (const [name, [fn, inFlight]] of Object.entries(contenders)) {
    await run(fn, inFlight, seconds / 4);
    best[name] = 0;
  }
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, [fn, inFlight]] of Object.entries(contenders))
      best[name] = Math.max(best[name]!, await run(fn, inFlight, ROUND_SECONDS));
  return best;
}

async function run(fn: (t: Ticket) => unknown, inFlight: number, seconds: number): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    if (inFlight === 1) {
      for (let i = 0; i < 256; i++) {
        const r = fn(tickets[(n + i) & 1023]!);
        if (r instanceof Promise) await r;
      }
      n += 256;
    } else {
      await Promise.all(Array.from({ length: inFlight }, (_, i) => fn(tickets[(n + i) & 1023]!)));
      n += inFlight;
    }
  }
  return n / seconds;
}

export async function decisionBench() {
  const source = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
  const result = await compileSource(source, 'policies/zmanda.yaml');
  if (!result.ok) throw new Error('zmanda.yaml does not compile');
  const compiled = result.compiled;
  // Installed by the bench runner on first use (see run.mjs); without it, its column is empty.
  const zenPackage = '@gorules/zen-engine';
  const zenModule = (await import(zenPackage).catch(() => null)) as ZenModule | null;
  const zen = zenModule ? new zenModule.ZenEngine().createDecision(zenTable()) : null;
  const zenAnswer = async (t: Ticket): Promise<Answer> => {
    if (!zen) return handWritten(t);
    const r = (await zen.evaluate({ trial: false, requestedPriority: null, ...t })).result as {
      priority: string;
      response: number | null;
    };
    return { priority: r.priority, response: r.response ?? null };
  };
  const jreAnswer = jre(compiled);
  const ourAnswer = ours(compiled, true);
  // The same answers from all four before any timing. The reference runner shares code with the
  // fast path: it runs after ours is timed, so that code is timed as a service runs it, tuned
  // for the fast path's calls alone.
  const agree = async (name: string, answer: (t: Ticket) => Answer | Promise<Answer>) => {
    for (const t of tickets.slice(0, 300)) {
      const want = JSON.stringify(handWritten(t));
      const got = JSON.stringify(await answer(t));
      if (got !== want) throw new Error(`${name} disagrees on ${JSON.stringify(t)}: ${got} ≠ ${want}`);
    }
  };
  await agree('ours', ourAnswer);
  await agree('zen-engine', zenAnswer);
  const timed = await rates({
    spe: [ourAnswer, 1],
    speNoTrace: [ours(compiled, false), 1],
    handWritten: [handWritten, 1],
    ...(zen ? { zen: [zenAnswer, 100] } : {}),
  } as Record<string, [(t: Ticket) => unknown, number]>);
  await agree('json-rules-engine', jreAnswer);
  const reference = await rates({ jsonRulesEngine: [jreAnswer, 1] });
  return {
    handWritten: timed.handWritten!,
    jsonRulesEngine: reference.jsonRulesEngine!,
    zen: timed.zen ?? Number.NaN,
    spe: timed.spe!,
    speNoTrace: timed.speNoTrace!,
  };
}

if (process.argv[1]?.endsWith('decision.mjs')) {
  const f = await decisionBench();
  const fmt = (n: number) => `${Math.round(n).toLocaleString('en')}/s`.padStart(14);
  console.log('Zmanda priority + response target           evaluations       ratio');
  console.log(`hand-written function (the limit)        ${fmt(f.handWritten)}`);
  console.log(`json-rules-engine (our rules)            ${fmt(f.jsonRulesEngine)}`);
  console.log(`zen-engine (decision table, 100 in flight)${fmt(f.zen)}`);
  console.log(
    `spe, trace on                            ${fmt(f.spe)}      ${(f.spe / f.zen).toFixed(2)}× zen, ${(f.spe / f.jsonRulesEngine).toFixed(1)}× json-rules-engine, ${(f.spe / f.handWritten).toFixed(4)}× hand-written`,
  );
  console.log(`spe, trace off                           ${fmt(f.speNoTrace)}      ${(f.speNoTrace / f.zen).toFixed(2)}× zen`);
  report({
    decision: {
      spe: round(f.spe),
      speNoTrace: round(f.speNoTrace),
      handWritten: round(f.handWritten),
      jsonRulesEngine: round(f.jsonRulesEngine),
      zen: round(f.zen),
    },
  });
}
