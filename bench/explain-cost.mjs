// `node bench/explain-cost.mjs [--base REF] [--rounds N]`: what the explanation costs a decision
// that does not ask for it. The engine of REF (default: main) and of the working tree, each
// bundled with esbuild, decide the Zmanda bench tickets (bench/decision.ts) in one process, in
// interleaved rounds, each round's CPU time measured with process.cpuUsage; prints the median
// CPU per decision of each, their ratio, and the cost of a decision that asks (explain: true).
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build, timedBundle } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const base = arg('--base', 'main');
const rounds = Number(arg('--rounds', '15'));
const perRound = 20_000;

if (!(await build())) process.exit(1);
const work = mkdtempSync(join(tmpdir(), 'spe-explain-cost-'));
// The base's sources, beside ours, sharing our node_modules and generated files.
const old = join(work, 'base');
mkdirSync(old);
execSync(`git archive ${base} | tar -x -C ${JSON.stringify(old)}`, { cwd: root, shell: '/bin/sh', stdio: 'inherit' });
symlinkSync(join(root, 'node_modules'), join(old, 'node_modules'));
if (existsSync(join(root, 'dist', 'gen'))) cpSync(join(root, 'dist', 'gen'), join(old, 'dist', 'gen'), { recursive: true });

async function bundle(tree, name) {
  const outfile = join(work, `${name}.mjs`);
  await esbuild.build({
    stdin: {
      contents: "export { compileSource, evaluate } from './engine/index.ts'; export { tickets } from './bench/decision.ts';",
      resolveDir: tree,
      loader: 'ts',
    },
    outfile,
    ...timedBundle,
    external: ['@gorules/zen-engine'],
  });
  return import(outfile);
}

const source = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const sides = {};
for (const [name, tree] of [
  ['base', old],
  ['new', root],
]) {
  const m = await bundle(tree, name);
  const compiled = await m.compileSource(source, 'policies/zmanda.yaml');
  if (!compiled.ok) throw new Error(`${name}: zmanda.yaml does not compile`);
  sides[name] = { m, compiled: compiled.compiled, tickets: m.tickets };
}

/** CPU microseconds per decision over one round. */
function round(side, options) {
  const { m, compiled, tickets } = side;
  const start = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < perRound; i++) sink += m.evaluate(compiled, tickets[i & 1023], options).ok ? 1 : 0;
  const used = process.cpuUsage(start);
  if (sink !== perRound) throw new Error('a bench ticket was refused');
  return (used.user + used.system) / perRound;
}

const runs = { base: [], new: [], explain: [] };
// Warm both up, then alternate which goes first.
for (let i = 0; i < 3; i++) for (const s of ['base', 'new']) round(sides[s], {});
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? ['base', 'new'] : ['new', 'base'];
  for (const s of order) runs[s].push(round(sides[s], {}));
  runs.explain.push(round(sides.new, { explain: true }));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const b = median(runs.base);
const n = median(runs.new);
const e = median(runs.explain);
console.log(`CPU per decision, median of ${rounds} interleaved rounds of ${perRound} (Zmanda bench tickets, trace on):`);
console.log(`  ${base.padEnd(14)} ${b.toFixed(3)} µs`);
console.log(`  ${'this tree'.padEnd(14)} ${n.toFixed(3)} µs   (${(n / b).toFixed(3)}x)`);
console.log(`  ${'explain: true'.padEnd(14)} ${e.toFixed(3)} µs   (${(e / n).toFixed(2)}x of without)`);
rmSync(work, { recursive: true, force: true });
