// `spe validate`: checks policy files and prints their diagnostics as text, JSON or GitHub
// workflow annotations. Exit 0 when clean (warnings allowed), 1 on errors, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CheckOptions,
  type Diagnostic,
  type HolidayCatalog,
  fixesView,
  formatDiagnostic,
  loadHolidayCatalog,
  mentionsHolidays,
} from '../dsl/index.js';
import { validatePolicy } from '../engine/index.js';
import { findPolicyFiles } from './files.js';
import { EXIT, UsageError } from './common.js';

export const HELP = `Usage: spe validate [options] [paths…]

Checks policy files: YAML, structure, expressions, and the contract checks (unknown facts,
incomplete tables, SLA targets, calendars…). Paths may be files or folders; default: policies/

Options:
  --format <text|json|github>  output format (default: text)
                               github prints workflow annotations for pull requests
  --brief                      text format: one line per problem, no source excerpt
  --quiet                      print errors only, not warnings or the summary

Each problem prints as  file:line:col: error|warning CODE: message
Exit status: 0 no errors (warnings allowed), 1 errors found, 2 bad usage.
List the codes with: spe codes
`;

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

export interface FileResult {
  file: string;
  diagnostics: Diagnostic[];
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      brief: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${values.format}' (use ${FORMATS.join(', ')})`);
  const paths = positionals.length > 0 ? positionals : ['policies/'];
  const files = findPolicyFiles(paths);
  if (files.length === 0) throw new UsageError(`no policy files (*.yaml, *.yml) found in ${paths.join(', ')}`);

  const results = await validateFiles(files);
  const shown = results.map((r) => ({
    file: r.file,
    diagnostics: values.quiet ? r.diagnostics.filter((d) => d.severity === 'error') : r.diagnostics,
  }));
  const out = { text: formatText, json: formatJson, github: formatGithub }[format](shown, results, {
    brief: values.brief,
    quiet: values.quiet,
  });
  process.stdout.write(out);
  return results.some((r) => r.diagnostics.some((d) => d.severity === 'error')) ? EXIT.failed : EXIT.ok;
}

export async function validateFiles(files: string[]): Promise<FileResult[]> {
  const sources = files.map((file) => ({ file, text: readSource(file) }));
  // The holiday data is large: load it only when some policy names holidays.
  let holidays: HolidayCatalog | undefined;
  if (sources.some((s) => typeof s.text === 'string' && mentionsHolidays(s.text))) holidays = await loadHolidayCatalog();
  const options: CheckOptions = holidays ? { holidays } : {};
  const firstWithId = new Map<string, string>();
  return sources.map(({ file, text }) => {
    if (typeof text !== 'string') return { file, diagnostics: [text] };
    const result = validatePolicy(text, file, options);
    const diagnostics = [...result.diagnostics];
    // Policies are found by id: two files with one id would make one of them unreachable.
    const id = result.policy?.id;
    if (id) {
      const first = firstWithId.get(id);
      if (first) {
        diagnostics.unshift({
          code: 'policy.duplicate-id',
          severity: 'error',
          message: `policy id '${id}' is already used by ${first}`,
          hint: 'give each policy file its own id',
          span: result.policy!.idSpan,
        });
      } else firstWithId.set(id, file);
    }
    return { file, diagnostics };
  });
}

function readSource(file: string): string | Diagnostic {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return {
      code: 'yaml.syntax',
      severity: 'error',
      message: `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      span: { file, line: 1, column: 1, offset: 0, length: 0, endLine: 1, endColumn: 1 },
    };
  }
}

interface Options {
  brief: boolean;
  quiet: boolean;
}

function counts(results: FileResult[]): { errors: number; warnings: number } {
  const all = results.flatMap((r) => r.diagnostics);
  return {
    errors: all.filter((d) => d.severity === 'error').length,
    warnings: all.filter((d) => d.severity === 'warning').length,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function formatText(shown: FileResult[], all: FileResult[], options: Options): string {
  const lines: string[] = [];
  for (const r of shown) {
    let text: string | undefined;
    for (const d of r.diagnostics) {
      lines.push(formatDiagnostic(d, options.brief));
      if (options.brief) continue;
      text ??= safeRead(r.file);
      lines.push(...excerpt(text, d));
      if (d.hint) lines.push(`      = hint: ${d.hint}`);
    }
  }
  if (!options.quiet) {
    const { errors, warnings } = counts(all);
    const clean = all.filter((r) => r.diagnostics.every((d) => d.severity !== 'error')).length;
    lines.push(
      errors + warnings === 0
        ? `${plural(all.length, 'policy file')} checked: no problems`
        : `${plural(all.length, 'policy file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} (${clean} without errors)`,
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The source line under a diagnostic with a caret under its span, as compilers print it. */
function excerpt(text: string, d: Diagnostic): string[] {
  const line = text.split('\n')[d.span.line - 1];
  if (line === undefined) return [];
  const shown = line.replace(/\t/g, ' ').replace(/\r$/, '');
  const number = String(d.span.line);
  const gutter = ' '.repeat(Math.max(4, number.length));
  const last = d.span.endLine === d.span.line ? d.span.endColumn : shown.length + 1;
  const width = Math.max(1, Math.min(last, shown.length + 1) - d.span.column);
  return [`${number.padStart(gutter.length)} | ${shown}`, `${gutter} | ${' '.repeat(d.span.column - 1)}${'^'.repeat(width)}`];
}

function formatJson(shown: FileResult[], all: FileResult[]): string {
  const { errors, warnings } = counts(all);
  const files = shown.map((r) => ({
    file: r.file,
    ok: r.diagnostics.every((d) => d.severity !== 'error'),
    diagnostics: r.diagnostics.map((d) => ({
      file: d.span.file,
      line: d.span.line,
      column: d.span.column,
      endLine: d.span.endLine,
      endColumn: d.span.endColumn,
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.hint ? { hint: d.hint } : {}),
      ...(d.fixes ? { fixes: fixesView(d) } : {}),
    })),
  }));
  return `${JSON.stringify({ ok: errors === 0, errors, warnings, files }, null, 2)}\n`;
}

/** GitHub workflow commands: each problem becomes an annotation on the pull request's diff. */
function formatGithub(shown: FileResult[]): string {
  const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const lines = shown.flatMap((r) =>
    r.diagnostics.map((d) => {
      const message = d.hint ? `${d.message} (${d.hint})` : d.message;
      const props = [
        `file=${escapeProperty(d.span.file)}`,
        `line=${d.span.line}`,
        `col=${d.span.column}`,
        ...(d.span.length > 0 ? [`endLine=${d.span.endLine}`, `endColumn=${d.span.endColumn}`] : []),
        `title=${escapeProperty(d.code)}`,
      ];
      return `::${d.severity} ${props.join(',')}::${escapeData(message)}`;
    }),
  );
  return lines.length ? `${lines.join('\n')}\n` : '';
}
