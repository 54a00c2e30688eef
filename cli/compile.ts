// `spe compile`: prints a policy's json-rules-engine rules.
import { parseArgs } from 'node:util';
import { rulesJson } from '../engine/index.js';
import { EXIT, UsageError } from './common.js';
import { loadCompiled, resolvePolicy } from './policies.js';

export const HELP = `Usage: spe compile [--policies DIR] POLICY

Prints the policy compiled to json-rules-engine rules, stage by stage, with the facts schema
and the derived and computed facts the rules read. POLICY is a file, or an id in DIR
(default: policies/).
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { policies: { type: 'string', default: 'policies/' } },
  });
  if (positionals.length !== 1) throw new UsageError('name one policy');
  const compiled = await loadCompiled(resolvePolicy(positionals[0]!, values.policies));
  process.stdout.write(`${JSON.stringify(rulesJson(compiled), null, 2)}\n`);
  return EXIT.ok;
}
