// Evaluation speed, each against a baseline in the same run:
//  - the fast path against json-rules-engine running the same compiled rules (one decision at a time);
//  - `spe eval` of one ticket in a cold process against starting Node with nothing to do.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../dsl/index.js';
import { compilePolicy, evaluate, evaluateReference } from '../engine/index.js';
import { quick, report, round } from './report.js';

const root = process.cwd();
const source = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const loaded = loadPolicy(source, 'policies/zmanda.yaml');
if (!loaded.ok) throw new Error('zmanda.yaml does not load');
const compiled = compilePolicy(loaded.policy, source);

const urgencies = ['high', 'medium', 'low'];
const tiers = ['community', 'standard', 'premium'];
const tickets = Array.from({ length: 1000 }, (_, i) => ({
  tier: tiers[i % 3],
  impact: urgencies[(i >> 2) % 3],
  urgency: urgencies[i % 3],
  channel: i % 5 === 0 ? 'email' : 'web',
  ...(i % 7 === 0 ? { requestedPriority: 'P1' } : {}),
}));

// Same answers before timing.
for (const t of tickets.slice(0, 50)) {
  const a = evaluate(compiled, t, { trace: false });
  const b = await evaluateReference(compiled, t, { trace: false });
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`fast path and json-rules-engine disagree on ${JSON.stringify(t)}`);
}

async function rate(fn: (t: (typeof tickets)[number]) => unknown, seconds: number): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await fn(tickets[(n + i) % tickets.length]!);
    n += 100;
  }
  return n / seconds;
}

await rate((t) => evaluate(compiled, t), 0.5); // warm-up
const seconds = quick ? 0.5 : 2;
const fast = await rate((t) => evaluate(compiled, t, { trace: false }), seconds);
const fastTraced = await rate((t) => evaluate(compiled, t), seconds);
const reference = await rate((t) => evaluateReference(compiled, t, { trace: false }), seconds);

function timeProcess(args: string[], runs = quick ? 5 : 11): number {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    results.push(performance.now() - start);
  }
  return results.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
const factsFile = join(tmpdir(), 'spe-bench-facts.json');
writeFileSync(factsFile, JSON.stringify(tickets[1]));
const nodeMs = timeProcess(['-e', '0']);
const evalMs = timeProcess([join(root, 'bin', 'spe'), 'eval', 'zmanda', '--facts', factsFile]);

const f = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
console.log(`benchmark                                   result      ratio to baseline`);
console.log(
  `zmanda decision, fast path (no trace)   ${f(fast).padStart(12)}      ${(fast / reference).toFixed(1)}× json-rules-engine (${f(reference)})`,
);
console.log(
  `zmanda decision, fast path with trace   ${f(fastTraced).padStart(12)}      ${(fastTraced / reference).toFixed(1)}× json-rules-engine`,
);
console.log(
  `spe eval of one ticket, cold            ${`${evalMs.toFixed(0)} ms`.padStart(12)}      ${(evalMs / nodeMs).toFixed(2)}× node -e 0 (${nodeMs.toFixed(0)} ms)`,
);
report({ coldEvalMs: round(evalMs), nodeMs: round(nodeMs) });
