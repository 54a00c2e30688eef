// `spe table`: the contract's decision table — every combination of the enum and boolean facts
// that decide eligibility, tier, priority, channels and SLA — with the proof of completeness.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { holidaysFor } from '../dsl/index.js';
import { TABLE_FORMATS, type TableFormat, decisionTable, formatTable } from '../engine/index.js';
import { EXIT, UsageError } from './common.js';
import { loadCompiled, resolvePolicy } from './policies.js';

export const HELP = `Usage: spe table [--format md|csv|json|html] [--policies DIR] POLICY

Prints the contract's decision table: for every combination of the enum and boolean facts that
decide eligibility, tier, priority, channels and SLA, the outcome (eligible or the deny reasons,
priority, channels, response and resolution targets with their calendars). Rows that agree
whatever the value of a fact are merged, that fact shown as "any". Facts of other types (dates,
numbers) are not enumerated: an outcome that needs them says so in "depends on".

Ends with the proof of completeness: every ticket that passes the facts check gets a priority and
an SLA or a deny reason — or the combinations that get none.

POLICY is a file, or an id in DIR (default: policies/).

Options:
  --format <md|csv|json|html>  output format (default: md); html is a standalone page
  --policies DIR               where policy ids are looked up (default: policies/)

Exit status: 0 complete, 1 combinations with no outcome, 2 bad usage or a policy with errors.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'md' }, policies: { type: 'string', default: 'policies/' } },
  });
  const format = values.format as TableFormat;
  if (!TABLE_FORMATS.includes(format)) throw new UsageError(`unknown format '${values.format}' (use ${TABLE_FORMATS.join(', ')})`);
  if (positionals.length !== 1) throw new UsageError('name one policy');
  const file = resolvePolicy(positionals[0]!, values.policies);
  const compiled = await loadCompiled(file);
  const source = readFileSync(file, 'utf8');
  const table = decisionTable(compiled, source, await holidaysFor(source));
  process.stdout.write(formatTable(table, format));
  return table.complete ? EXIT.ok : EXIT.failed;
}
