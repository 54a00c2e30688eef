// `spe test`: runs the tests written in policy files and reports failures, counts and rule coverage.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../dsl/index.js';
import { type Coverage, type TestResult, compileSource, runPolicyTests } from '../engine/index.js';
import { findPolicyFiles } from './files.js';
import { EXIT, UsageError } from './common.js';

export const HELP = `Usage: spe test [options] [paths…]

Runs the tests of policy files (default: policies/): each test's facts are evaluated and the
decision is compared with its expected fields. Prints expected and actual for each failure,
the counts, and the rules no test exercised.

Options:
  --reporter <text|junit>   output format (default: text); junit writes JUnit XML
  --output <file>           write the report to a file instead of standard output
  --min-coverage <percent>  fail when fewer rules than this were exercised
  --verbose                 list passing tests too

Exit status: 0 all tests passed (and coverage met), 1 failures, 2 bad usage.
`;

interface FileRun {
  file: string;
  error?: string;
  results: TestResult[];
  coverage?: Coverage;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      reporter: { type: 'string', default: 'text' },
      output: { type: 'string' },
      'min-coverage': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.reporter !== 'text' && values.reporter !== 'junit')
    throw new UsageError(`unknown reporter '${values.reporter}' (use text or junit)`);
  const minCoverage = values['min-coverage'] === undefined ? undefined : Number(values['min-coverage']);
  if (minCoverage !== undefined && !(minCoverage >= 0 && minCoverage <= 100))
    throw new UsageError('--min-coverage takes a percentage from 0 to 100');
  const files = findPolicyFiles(positionals.length ? positionals : ['policies/']);
  if (files.length === 0) throw new UsageError('no policy files found');

  const runs: FileRun[] = [];
  for (const file of files) {
    const result = await compileSource(readFileSync(file, 'utf8'), file);
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
      runs.push({ file, error: `the policy has errors:\n${errors.join('\n')}`, results: [] });
      continue;
    }
    const { results, coverage } = runPolicyTests(result.compiled);
    runs.push({ file, results, coverage });
  }

  const passed = runs.reduce((n, r) => n + r.results.filter((t) => t.passed).length, 0);
  const failed = runs.reduce((n, r) => n + r.results.filter((t) => !t.passed).length + (r.error ? 1 : 0), 0);
  const total = runs.reduce((n, r) => n + (r.coverage?.total ?? 0), 0);
  const covered = runs.reduce((n, r) => n + (r.coverage?.covered ?? 0), 0);
  const percent = total === 0 ? 100 : (covered / total) * 100;
  const coverageFailed = minCoverage !== undefined && percent < minCoverage;

  const report =
    values.reporter === 'junit'
      ? junit(runs)
      : text(runs, { passed, failed, total, covered, percent, minCoverage, verbose: values.verbose });
  if (values.output) writeFileSync(values.output, report);
  else process.stdout.write(report);
  if (values.output && values.reporter === 'junit') process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 || coverageFailed ? EXIT.failed : EXIT.ok;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function text(
  runs: FileRun[],
  s: {
    passed: number;
    failed: number;
    total: number;
    covered: number;
    percent: number;
    minCoverage: number | undefined;
    verbose: boolean;
  },
): string {
  const out: string[] = [];
  for (const r of runs) {
    out.push(r.file);
    if (r.error) {
      out.push(`  ✗ ${r.error.replace(/\n/g, '\n    ')}`);
      continue;
    }
    if (r.results.length === 0) out.push('  (no tests)');
    for (const t of r.results) {
      if (t.passed) {
        if (s.verbose) out.push(`  ✓ ${t.name}`);
        continue;
      }
      out.push(`  ✗ ${t.name}  (${t.source})`);
      for (const p of t.problems ?? []) out.push(`      the facts do not fit: ${p.pointer ? `${p.pointer}: ` : ''}${p.message}`);
      for (const m of t.mismatches) {
        out.push(`      ${m.path}:`);
        out.push(`        expected ${show(m.expected)}`);
        out.push(`        actual   ${show(m.actual)}`);
      }
    }
    const c = r.coverage;
    if (c && c.uncovered.length > 0) {
      out.push(`  rules no test exercised (${c.uncovered.length} of ${c.total}):`);
      for (const u of c.uncovered) out.push(`    ${u.source}  ${u.name}`);
    }
  }
  out.push('');
  out.push(
    `rule coverage: ${s.covered}/${s.total} (${s.percent.toFixed(1)}%)${s.minCoverage !== undefined ? `, required ${s.minCoverage}%` : ''}`,
  );
  out.push(`${s.passed} passed, ${s.failed} failed`);
  return `${out.join('\n')}\n`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function junit(runs: FileRun[]): string {
  const suites = runs.map((r) => {
    const cases = r.error
      ? [
          `    <testcase name="load" classname="${xml(r.file)}"><failure message="the policy has errors">${xml(r.error)}</failure></testcase>`,
        ]
      : r.results.map((t) => {
          const open = `    <testcase name="${xml(t.name)}" classname="${xml(r.file)}" time="${(t.ms / 1000).toFixed(4)}"`;
          if (t.passed) return `${open}/>`;
          const detail = [
            ...(t.problems ?? []).map((p) => `the facts do not fit: ${p.pointer ? `${p.pointer}: ` : ''}${p.message}`),
            ...t.mismatches.map((m) => `${m.path}: expected ${show(m.expected)}, actual ${show(m.actual)}`),
          ].join('\n');
          return `${open}><failure message="${xml(detail.split('\n')[0] ?? 'failed')}">${xml(`${detail}\nat ${t.source}`)}</failure></testcase>`;
        });
    const failures = r.error ? 1 : r.results.filter((t) => !t.passed).length;
    const tests = r.error ? 1 : r.results.length;
    return `  <testsuite name="${xml(r.file)}" tests="${tests}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}
