// Benchmarks of the front end, each against a baseline measured in the same run:
//  - validating a 300-line policy, against parsing its YAML alone with `yaml` (the floor: the
//    loader reads with it);
//  - the cold start of `spe --help` and `spe validate`, against starting Node with nothing to do.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadPolicy } from '../dsl/index.js';
import { largePolicy } from './large-policy.js';
import { quick, report, round } from './report.js';

const root = process.cwd();

/** Median milliseconds per call over `batches` batches of `n` calls, after a warm-up. */
function timeIt(fn: () => void, n: number, batches = quick ? 5 : 15): number {
  for (let i = 0; i < n; i++) fn();
  const results: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    results.push((performance.now() - start) / n);
  }
  return results.sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
}

function timeProcess(args: string[], runs = quick ? 5 : 11): number {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
    results.push(performance.now() - start);
  }
  return results.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const text = largePolicy(root);
const lines = text.split('\n').length;
const check = loadPolicy(text, 'large.yaml');
if (!check.ok) throw new Error(`the benchmark policy is not valid: ${check.diagnostics[0]?.message}`);

const calls = quick ? 30 : 100;
const yamlMs = timeIt(() => parseDocument(text), calls);
const validateMs = timeIt(() => loadPolicy(text, 'large.yaml'), calls);
const spe = join(root, 'bin', 'spe');
const nodeMs = timeProcess(['-e', '0']);
const helpMs = timeProcess([spe, '--help']);
const validateColdMs = timeProcess([spe, 'validate', join(root, 'policies')]);

const rows: [string, string, string][] = [
  [
    `validate a ${lines}-line policy (loaded)`,
    `${validateMs.toFixed(2)} ms`,
    `${(validateMs / yamlMs).toFixed(2)}× its YAML parse alone (${yamlMs.toFixed(2)} ms)`,
  ],
  ['spe --help, cold', `${helpMs.toFixed(0)} ms`, `${(helpMs / nodeMs).toFixed(2)}× node -e 0 (${nodeMs.toFixed(0)} ms)`],
  ['spe validate policies/, cold', `${validateColdMs.toFixed(0)} ms`, `${(validateColdMs / nodeMs).toFixed(2)}× node -e 0`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'benchmark'.padEnd(width)}  ${'time'.padStart(9)}  ratio to baseline`);
for (const [name, time, ratio] of rows) console.log(`${name.padEnd(width)}  ${time.padStart(9)}  ${ratio}`);
report({ validateMs: round(validateMs, 2), yamlMs: round(yamlMs, 2) });
