// `spe fmt`: writes policy files in the canonical layout (dsl/format.ts), or with --check lists
// the files that would change, for CI. Exit 0 when nothing is (or would be) left unformatted.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDiagnostic, formatPolicy } from '../dsl/index.js';
import { EXIT, UsageError } from './common.js';
import { findPolicyFiles } from './files.js';

export const HELP = `Usage: spe fmt [--check] [paths…]

Writes policy files in one canonical layout: two-space indentation, the known sections and keys
in the order of the policy schema, short lists of plain values on one line ([a, b]), others one
item a line, durations and amounts in one spelling (2 hours, 75.00 EUR per hour). Comments,
anchors, aliases and quoting are kept; what a policy decides never changes.
Paths may be files or folders; default: policies/. The path - formats standard input to
standard output.

Options:
  --check    change nothing; list the files that are not formatted, exit 1 if any

Exit status: 0 formatted (or nothing to change with --check), 1 a file is not formatted
(--check) or is not valid YAML, 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { check: { type: 'boolean', default: false } },
  });
  if (positionals.includes('-')) {
    if (positionals.length > 1) throw new UsageError("'-' (standard input) cannot be given with other paths");
    return formatStdin();
  }
  const paths = positionals.length > 0 ? positionals : ['policies/'];
  const files = findPolicyFiles(paths);
  if (files.length === 0) throw new UsageError(`no policy files (*.yaml, *.yml) found in ${paths.join(', ')}`);

  let unformatted = 0;
  let broken = 0;
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const result = formatPolicy(source, file);
    if (!result.ok) {
      broken++;
      for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      continue;
    }
    if (!result.changed) continue;
    unformatted++;
    if (values.check) {
      process.stdout.write(`${file}\n`);
    } else {
      // Written beside the file and renamed over it: a reader never sees half a policy.
      const temp = `${file}.${process.pid}.fmt`;
      writeFileSync(temp, result.text);
      renameSync(temp, file);
      process.stdout.write(`formatted ${file}\n`);
    }
  }
  const n = files.length;
  if (values.check) {
    process.stderr.write(
      unformatted === 0
        ? `${n} file${n === 1 ? '' : 's'} formatted\n`
        : `${unformatted} of ${n} file${n === 1 ? '' : 's'} not formatted; run: spe fmt ${positionals.join(' ') || 'policies/'}\n`,
    );
  }
  if (broken > 0) return EXIT.failed;
  return values.check && unformatted > 0 ? EXIT.failed : EXIT.ok;
}

function formatStdin(): number {
  const result = formatPolicy(readFileSync(0, 'utf8'), '<stdin>');
  if (!result.ok) {
    for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return EXIT.failed;
  }
  process.stdout.write(result.text);
  return EXIT.ok;
}
