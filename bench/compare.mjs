// `node bench/compare.mjs [--base REF] [--rounds N]`: the decisions of this working tree against
// those of REF (default: HEAD), side by side in one process. The engine of each tree is bundled
// with esbuild as the CLI bundles it; both decide the same tickets in interleaved rounds (which
// goes first alternates), each round's CPU time measured with process.cpuUsage, so a change in
// the machine's load falls on both alike. Prints the median CPU per decision of each and their
// ratio for: the Zmanda bench tickets (bench/decision.ts) with the trace and without, full
// decisions with due dates (bench/due-tickets.ts: Oto and Logbot, `now` set), and what asking
// for an explanation costs this tree (`explain: true`). The same build against itself
// (`--base HEAD` on a clean tree) reads 0.98–1.03x for Zmanda and 0.85–1.0x with due dates on
// this kind of machine: differences within that are noise.
import { execFileSync, execSync } from 'node:child_process';
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
if (process.argv.includes('--help')) {
  console.log('usage: node bench/compare.mjs [--base REF] [--rounds N]   (default: --base HEAD --rounds 15)');
  process.exit(0);
}
const base = arg('--base', 'HEAD');
const rounds = Number(arg('--rounds', '15'));
const perRound = 20_000;

if (!(await build())) process.exit(1);
const work = mkdtempSync(join(tmpdir(), 'spe-compare-'));
// The base's sources, beside ours, sharing our node_modules and generated files.
const old = join(work, 'base');
mkdirSync(old);
// The commit the base names, so that what reaches the shell is a hash, whatever was typed.
let commit;
try {
  commit = execFileSync('git', ['rev-parse', '--verify', `${base}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
} catch {
  console.error(`compare: '${base}' names no commit of this repository`);
  process.exit(2);
}
execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(old)}`, { cwd: root, shell: '/bin/sh', stdio: 'inherit' });
symlinkSync(join(root, 'node_modules'), join(old, 'node_modules'));
if (existsSync(join(root, 'dist', 'gen'))) cpSync(join(root, 'dist', 'gen'), join(old, 'dist', 'gen'), { recursive: true });

async function bundle(name, contents, tree) {
  const outfile = join(work, `${name}.mjs`);
  await esbuild.build({
    stdin: { contents, resolveDir: tree, loader: 'ts' },
    outfile,
    ...timedBundle,
    external: ['@gorules/zen-engine'],
  });
  return import(outfile);
}

// The tickets come from this tree, the same objects for both sides.
const { tickets, dueTickets } = await bundle(
  'tickets',
  "export { tickets } from './bench/decision.ts'; export { dueTickets } from './bench/due-tickets.ts';",
  root,
);
// Each side decides with its own tree's policies: the contracts as they were, and as they are.
const policy = (tree, id) => readFileSync(join(tree, 'policies', `${id}.yaml`), 'utf8');
const sides = {};
for (const [name, tree] of [
  ['base', old],
  ['new', root],
]) {
  const m = await bundle(name, "export { compileSource, evaluate } from './engine/index.ts';", tree);
  const compiled = {};
  for (const id of ['zmanda', 'oto', 'logbot']) {
    const r = await m.compileSource(policy(tree, id), `policies/${id}.yaml`);
    if (!r.ok) throw new Error(`${name}: ${id}.yaml does not compile`);
    compiled[id] = r.compiled;
  }
  sides[name] = { evaluate: m.evaluate, zmanda: compiled.zmanda, due: dueTickets(compiled.oto, compiled.logbot) };
}

/** The workloads: CPU microseconds per decision over one round of each. */
const workloads = {
  'Zmanda, trace on': (s, i) => s.evaluate(s.zmanda, tickets[i & 1023], {}),
  'Zmanda, trace off': (s, i) => s.evaluate(s.zmanda, tickets[i & 1023], { trace: false }),
  'with due dates (Oto, Logbot)': (s, i) => {
    const [compiled, facts, now] = s.due[i % s.due.length];
    return s.evaluate(compiled, facts, { now });
  },
};
function round(side, decide) {
  const start = process.cpuUsage();
  let decided = 0;
  for (let i = 0; i < perRound; i++) decided += decide(side, i).ok ? 1 : 0;
  const used = process.cpuUsage(start);
  if (decided !== perRound) throw new Error('a bench ticket was refused');
  return (used.user + used.system) / perRound;
}

const runs = {};
for (const name of Object.keys(workloads)) runs[name] = { base: [], new: [] };
runs.explain = { new: [] };
const explain = (s, i) => s.evaluate(s.zmanda, tickets[i & 1023], { explain: true });
// Warm both up, then alternate which goes first.
for (let i = 0; i < 3; i++) for (const s of ['base', 'new']) for (const w of Object.values(workloads)) round(sides[s], w);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? ['base', 'new'] : ['new', 'base'];
  for (const [name, w] of Object.entries(workloads)) for (const s of order) runs[name][s].push(round(sides[s], w));
  runs.explain.new.push(round(sides.new, explain));
  process.stderr.write(`\rround ${r + 1}/${rounds}`);
}
process.stderr.write('\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (x) => `${x.toFixed(3)} µs`;
console.log(`CPU per decision, median of ${rounds} interleaved rounds of ${perRound}; ${base} → this tree:`);
for (const name of Object.keys(workloads)) {
  const b = median(runs[name].base);
  const n = median(runs[name].new);
  console.log(`  ${name.padEnd(30)} ${us(b).padStart(11)} → ${us(n).padStart(11)}   ${(n / b).toFixed(3)}x`);
}
const plain = median(runs['Zmanda, trace on'].new);
const e = median(runs.explain.new);
console.log(
  `  ${'Zmanda, explain: true'.padEnd(30)} ${''.padStart(11)}   ${us(e).padStart(11)}   ${(e / plain).toFixed(2)}x of without`,
);
rmSync(work, { recursive: true, force: true });
