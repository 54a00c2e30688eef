// `npm run bench [-- --quick] [-- --json] [-- --docs]`: bundles the benchmarks (esbuild) and
// runs them one after another, each printing its figures against a baseline measured in the
// same run. --quick shortens every measurement (the whole run within a minute); --json prints
// one JSON object of all the figures instead of the tables. Every full run also draws
// bench/throughput.svg, the throughput of each scenario against its baseline; --docs writes
// that plot and the table of figures and targets into docs/performance.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build, timedBundle } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const docs = process.argv.includes('--docs');
const log = (s) => (json ? process.stderr.write(`${s}\n`) : console.log(s));

if (!(await build())) process.exit(1);
// `--only=NAME` runs one of them (e.g. `npm run bench -- --only=store`), and draws no plot.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
// zen-engine (a native module) is installed for benchmarks only, on first use: its lock file
// entries exist for one platform at a time, which would break `npm ci` elsewhere.
if (!only || only === 'decision') {
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
}
const figures = join(tmpdir(), `spe-bench-${process.pid}.json`);
rmSync(figures, { force: true });
const benches = ['validate', 'evaluate', 'clock', 'decision', 'system', 'store', 'impact', 'decision-log'].filter(
  (b) => !only || b === only,
);
for (const name of benches) {
  const outfile = join(root, 'dist', 'bench', `${name}.mjs`);
  await esbuild.build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    outfile,
    // Timed as the CLI and server run it.
    ...timedBundle,
    // Native and dynamic packages load from node_modules; everything else is bundled.
    external: ['@gorules/zen-engine', 'autocannon', 'pg'],
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
if (!quick && !only) {
  writeFileSync(join(root, 'bench', 'throughput.svg'), plot(all));
  log('\nwrote bench/throughput.svg');
}
if (docs) {
  writeFileSync(join(root, 'docs', 'throughput.svg'), plot(all));
  const page = join(root, 'docs', 'performance.md');
  const text = readFileSync(page, 'utf8');
  const start = '<!-- figures: written by npm run bench -- --docs -->';
  const end = '<!-- end of figures -->';
  const [before, rest] = text.split(start);
  const after = rest?.split(end)[1];
  if (after === undefined) throw new Error(`docs/performance.md lacks the markers ${start} … ${end}`);
  writeFileSync(page, `${before}${start}\n${table(all)}${end}${after}`);
  log('wrote docs/performance.md and docs/throughput.svg');
}

/** The figures against the targets, as a Markdown table, with the machine they come from. */
function table(f) {
  const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–');
  const x = (a, b) => (a > 0 && b > 0 ? `${Number((a / b).toPrecision(3))}×` : '–');
  const met = (ok) => (ok ? 'met' : '**not met**');
  const d = f.decision ?? {};
  const h = f.http ?? {};
  const rows = [
    [
      'Zmanda decision, spe with trace',
      `${n(d.spe)}/s`,
      `${x(d.spe, d.zen)} zen-engine (${n(d.zen)}/s)`,
      '≥ 10×',
      met(d.spe >= 10 * d.zen),
    ],
    [
      '',
      '',
      `${x(d.spe, d.jsonRulesEngine)} json-rules-engine (${n(d.jsonRulesEngine)}/s)`,
      '≥ 30×',
      met(d.spe >= 30 * d.jsonRulesEngine),
    ],
    ['', '', `${x(d.spe, d.handWritten)} hand-written (${n(d.handWritten)}/s)`, '', ''],
    ['Zmanda decision, spe without trace', `${n(d.speNoTrace)}/s`, `${x(d.speNoTrace, d.zen)} zen-engine`, '', ''],
    [
      'full decision with due dates (Oto, Logbot)',
      `${n(f.dueAt?.spe)}/s`,
      'one core',
      '≥ 100,000/s',
      met(f.dueAt?.spe >= 100_000),
    ],
    [
      '`spe eval --batch`, end to end',
      `${n(f.batch?.spe)}/s`,
      `${x(f.batch?.spe, f.batch?.floor)} reading and writing the lines alone; peak RSS ${f.batch?.peakRssMB} MB`,
      '≥ 50,000/s',
      met(f.batch?.spe >= 50_000),
    ],
    [
      'POST /v1/evaluate, 64 connections',
      `${n(h.spe)}/s`,
      `${x(h.spe, h.echo)} express echo (${n(h.echo)}/s)`,
      '≥ 0.6×',
      met(h.spe >= 0.6 * h.echo),
    ],
    ['', `p99 ${h.p99ms} ms`, `express echo: p99 ${h.echoP99ms} ms`, '≤ 25 ms', met(h.p99ms <= 25)],
    [
      'same, `--workers 2`',
      `${n(h.spe2workers)}/s, p99 ${h.spe2workersP99ms} ms`,
      `${x(h.spe2workers, h.spe)} one process; the cores were ${Math.round((h.coresBusy?.spe ?? 0) * 100)}% busy with one process and autocannon, ${Math.round((h.coresBusy?.spe2workers ?? 0) * 100)}% with two`,
      '≥ 1.6×',
      met(h.spe2workers >= 1.6 * h.spe),
    ],
    [
      'same, `--store postgres`',
      `${n(f.store?.postgres)}/s`,
      `${f.store?.ratio ?? '–'}× the folder store (${n(f.store?.folder)}/s), taking turns`,
      '≥ 0.95×',
      met(f.store?.ratio >= 0.95),
    ],
    [
      'validate a 300-line policy, warm',
      `${f.validateMs} ms`,
      `${x(f.validateMs, f.yamlMs)} its YAML parse alone (${f.yamlMs} ms)`,
      '≤ 10 ms',
      met(f.validateMs <= 10),
    ],
    ['`spe eval` of one ticket, cold', `${f.coldEvalMs} ms`, `node -e 0: ${f.nodeMs} ms`, '≤ 300 ms', met(f.coldEvalMs <= 300)],
    [
      'RSS after 200k and 2M evaluations',
      `${f.rssMB?.at200k} MB, ${f.rssMB?.at2M} MB`,
      x(f.rssMB?.at2M, f.rssMB?.at200k),
      '≤ 1.10×',
      met(f.rssMB?.at2M <= 1.1 * f.rssMB?.at200k),
    ],
  ];
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, ${process.platform} ${process.arch}, Node ${process.versions.node}`;
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.`,
    '',
    '| scenario | spe | against, in the same run | target | |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    '![Throughput per scenario](throughput.svg)',
    '',
  ].join('\n');
}

/** A horizontal bar chart (log scale) of each scenario's throughput next to its baseline. */
function plot(f) {
  const rows = [
    ['decision: hand-written', f.decision?.handWritten, '#9ca3af'],
    ['decision: spe (trace on)', f.decision?.spe, '#2563eb'],
    ['decision: zen-engine', f.decision?.zen, '#9ca3af'],
    ['decision: json-rules-engine', f.decision?.jsonRulesEngine, '#9ca3af'],
    ['full decision with due dates', f.dueAt?.spe, '#2563eb'],
    ['dueAt alone, 4 business days', f.dueAt?.clockWarm, '#2563eb'],
    ['spe eval --batch, lines', f.batch?.spe, '#2563eb'],
    ['reading + writing the lines', f.batch?.floor, '#9ca3af'],
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
