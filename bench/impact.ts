// `spe impact` end to end over N tickets (default 1,000,000; --quick 100,000; SPE_BENCH_IMPACT_TICKETS
// to choose) with both sides' full decisions (due dates, billing), against `spe eval --batch` over
// the same tickets on one side (the baseline of the same run): the second side and the diff should
// be almost free (target: at most 1.2×). And the peak memory of impact over 100k and over N
// tickets: flat, since the tickets stream through in bounded chunks.
import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource, sampleTickets } from '../engine/index.js';
import { quick, report, round } from './report.js';

const root = process.cwd();
const spe = join(root, 'bin', 'spe');
const n = Number(process.env.SPE_BENCH_IMPACT_TICKETS ?? (quick ? 100_000 : 1_000_000));
const small = Math.min(100_000, n);

// A year of sample tickets, repeated to N lines (drawing a million takes longer than deciding them).
const source = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const compiled = await compileSource(source, 'policies/zmanda.yaml');
if (!compiled.ok) throw new Error('zmanda does not compile');
const year = [...sampleTickets(compiled.compiled, 10_000, { year: 2026, seed: 42 })].map((t) => `${JSON.stringify(t)}\n`);
async function ticketsFile(count: number): Promise<string> {
  const file = join(tmpdir(), `spe-bench-impact-${count}.jsonl`);
  const out = createWriteStream(file);
  for (let i = 0; i < count; i += year.length) {
    const text = year.slice(0, Math.min(year.length, count - i)).join('');
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return file;
}
// The change under review: standard P2 answered within 4 business hours instead of 3.
const draft = join(tmpdir(), 'spe-bench-impact-draft.yaml');
writeFileSync(draft, source.replace('    P2: { response: 3 hours }', '    P2: { response: 4 hours }'));

/** Wall time, peak RSS and CPU time (user + system, every thread): on a busy machine the CPU time still compares. */
function timed(args: string[]): { ms: number; maxRssKb: number; cpuS: number } {
  const start = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const [rss, user, system] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, maxRssKb: rss!, cpuS: user! + system! };
}

const big = await ticketsFile(n);
const smallFile = n === small ? big : await ticketsFile(small);
const batch = timed([spe, 'eval', 'zmanda', '--batch', '--no-trace', '--facts', big]);
const impact = timed([spe, 'impact', 'zmanda', '--to', draft, '--tickets', big]);
const impactSmall = n === small ? impact : timed([spe, 'impact', 'zmanda', '--to', draft, '--tickets', smallFile]);

const ratio = impact.ms / batch.ms;
const cpuRatio = impact.cpuS / batch.cpuS;
const memoryRatio = impact.maxRssKb / impactSmall.maxRssKb;
console.log(`tickets: ${n.toLocaleString('en')} (zmanda sample tickets; draft: standard P2 in 4 h instead of 3)`);
console.log('| run | time | tickets/s | CPU time | peak RSS |');
console.log('|---|---:|---:|---:|---:|');
console.log(
  `| spe eval --batch (one side, baseline) | ${(batch.ms / 1000).toFixed(1)} s | ${round(n / (batch.ms / 1000))} | ${batch.cpuS.toFixed(1)} s | ${round(batch.maxRssKb / 1024)} MB |`,
);
console.log(
  `| spe impact (both sides + diff) | ${(impact.ms / 1000).toFixed(1)} s | ${round(n / (impact.ms / 1000))} | ${impact.cpuS.toFixed(1)} s | ${round(impact.maxRssKb / 1024)} MB |`,
);
if (n !== small)
  console.log(
    `| spe impact over ${small.toLocaleString('en')} | ${(impactSmall.ms / 1000).toFixed(1)} s | ${round(small / (impactSmall.ms / 1000))} | ${impactSmall.cpuS.toFixed(1)} s | ${round(impactSmall.maxRssKb / 1024)} MB |`,
  );
console.log(
  `impact / eval --batch: ${ratio.toFixed(2)}× in time (target ≤ 1.2×), ${cpuRatio.toFixed(2)}× in CPU time; peak memory ${n.toLocaleString('en')} / ${small.toLocaleString('en')}: ${memoryRatio.toFixed(2)}× (flat ≈ 1)`,
);
report({
  impact: {
    tickets: n,
    batchMs: round(batch.ms),
    impactMs: round(impact.ms),
    ratio: round(ratio, 2),
    cpuRatio: round(cpuRatio, 2),
    peakRssMb: round(impact.maxRssKb / 1024),
    peakRssSmallMb: round(impactSmall.maxRssKb / 1024),
    memoryRatio: round(memoryRatio, 2),
  },
});
