// `npm run bench [-- --quick] [-- --json]`: bundles the benchmarks (esbuild) and runs them one
// after another, each printing its figures against a baseline measured in the same run.
// --quick shortens every measurement (the whole run within about a minute); --json prints one
// JSON object of all the figures instead of the tables. Every full run also draws
// bench/throughput.svg, the throughput of each scenario against its baseline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const log = (s) => (json ? process.stderr.write(`${s}\n`) : console.log(s));

if (!(await build())) process.exit(1);
// zen-engine (a native module) is installed for benchmarks only, on first use: its lock file
// entries exist for one platform at a time, which would break `npm ci` elsewhere.
try {
  await import('@gorules/zen-engine');
} catch {
  log('installing @gorules/zen-engine for the comparison (npm install --no-save)…');
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '@gorules/zen-engine@0.54'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) log('could not install zen-engine: its column will be empty');
}
const figures = join(tmpdir(), `spe-bench-${process.pid}.json`);
rmSync(figures, { force: true });
const benches = ['validate', 'evaluate', 'clock', 'decision', 'system'];
for (const name of benches) {
  const outfile = join(root, 'dist', 'bench', `${name}.mjs`);
  await esbuild.build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Native and dynamic packages load from node_modules; everything else is bundled.
    external: ['@gorules/zen-engine', 'autocannon'],
    banner: { js: "import { createRequire as __speRequire } from 'node:module'; const require = __speRequire(import.meta.url);" },
  });
  log(`\n# ${name}`);
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...(quick ? ['--quick'] : [])], {
    cwd: root,
    stdio: ['ignore', json ? 'ignore' : 'inherit', 'inherit'],
    env: { ...process.env, SPE_BENCH_JSON: figures, ...(quick ? { SPE_BENCH_QUICK: '1' } : {}) },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const all = existsSync(figures) ? JSON.parse(readFileSync(figures, 'utf8')) : {};
rmSync(figures, { force: true });
if (json) process.stdout.write(`${JSON.stringify(all)}\n`);
if (!quick) {
  writeFileSync(join(root, 'bench', 'throughput.svg'), plot(all));
  log('\nwrote bench/throughput.svg');
}

/** A horizontal bar chart (log scale) of each scenario's throughput next to its baseline. */
function plot(f) {
  const rows = [
    ['decision: hand-written', f.decision?.handWritten, '#9ca3af'],
    ['decision: spe (trace on)', f.decision?.spe, '#2563eb'],
    ['decision: zen-engine', f.decision?.zen, '#9ca3af'],
    ['decision: json-rules-engine', f.decision?.jsonRulesEngine, '#9ca3af'],
    ['dueAt, 4 business days (warm)', f.dueAt?.spe, '#2563eb'],
    ['spe eval --batch, lines', f.batch?.spe, '#2563eb'],
    ['HTTP echo route', f.http?.echo, '#9ca3af'],
    ['HTTP /v1/evaluate, 1 process', f.http?.spe, '#2563eb'],
    ['HTTP /v1/evaluate, 2 workers', f.http?.spe2workers, '#2563eb'],
  ].filter((r) => typeof r[1] === 'number' && r[1] > 0);
  const max = Math.log10(Math.max(...rows.map((r) => r[1]), 10));
  const width = 900;
  const bar = (v) => Math.max(2, (Math.log10(Math.max(v, 1)) / max) * (width - 330));
  const h = 28;
  const body = rows
    .map(([label, v, color], i) => {
      const y = 40 + i * h;
      return `<text x="10" y="${y + 16}" font-size="13">${label}</text><rect x="230" y="${y + 3}" width="${bar(v)}" height="18" fill="${color}"/><text x="${236 + bar(v)}" y="${y + 16}" font-size="12">${Math.round(v).toLocaleString('en')}/s</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${60 + rows.length * h}" font-family="sans-serif"><text x="10" y="22" font-size="15" font-weight="bold">Throughput per scenario (log scale; blue: spe, grey: baselines)</text>${body}</svg>\n`;
}
