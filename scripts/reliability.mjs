// `npm run reliability`: the long versions of the reliability tests (100k fuzzed policy sources,
// tens of thousands of fuzzed requests, 60 s of load twice, 25 SIGKILL rounds, every disk fault
// at every step of a save), one file at a time so the load runs have the machine to themselves,
// then a table of the figures. Exits 1 if a test failed or any revision was lost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './build.mjs';

const FILES = [
  'test/dsl/fuzz.test.ts',
  'test/dsl/yaml-tree.test.ts',
  'test/engine/clock-oracle.test.ts',
  'test/dsl/hostile.test.ts',
  'test/server/auth.test.ts',
  'test/server/cluster.test.ts',
  'test/server/faults.test.ts',
  'test/server/load.test.ts',
  'test/server/bounded-work.test.ts',
  'test/engine/knowledge.test.ts',
  'test/server/pg-replicas.test.ts',
  'test/cli/impact-stream.test.ts',
];

const figures = join(mkdtempSync(join(tmpdir(), 'spe-reliability-')), 'figures.jsonl');
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--no-file-parallelism', '--testTimeout=1800000', ...FILES],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SPE_RELIABILITY: 'long', SPE_FIGURES: figures } },
);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);

const totals = new Map();
if (existsSync(figures)) {
  for (const line of readFileSync(figures, 'utf8').split('\n').filter(Boolean)) {
    const { name, value } = JSON.parse(line);
    totals.set(name, (totals.get(name) ?? 0) + value);
  }
}
const ORDER = [
  'policy sources fuzzed',
  'request bodies fuzzed',
  'clock cases against the oracle',
  'requests under load',
  'responses compared with in-process evaluation',
  'saves and reloads during load',
  'saves refused as stale during load',
  'load errors and timeouts',
  'write faults injected',
  'SIGKILL rounds',
  'saves acknowledged before SIGKILL',
  'revisions lost',
];
const names = [...ORDER.filter((n) => totals.has(n)), ...[...totals.keys()].filter((n) => !ORDER.includes(n))];
const width = Math.max(...names.map((n) => n.length), 10);
console.log(`\n| ${'figure'.padEnd(width)} | ${'value'.padStart(10)} |`);
console.log(`|${'-'.repeat(width + 2)}|${'-'.repeat(11)}:|`);
for (const n of names) console.log(`| ${n.padEnd(width)} | ${String(totals.get(n)).padStart(10)} |`);
console.log(`\n${run.status === 0 ? 'all tests passed' : 'SOME TESTS FAILED'} in ${minutes} min`);

const lost = totals.get('revisions lost');
const errors = totals.get('load errors and timeouts');
if (lost === undefined || errors === undefined) console.log('figures missing: did every test run?');
process.exit(run.status === 0 && lost === 0 && errors === 0 ? 0 : 1);
