// `spe schema`: prints the policy file JSON Schema, for editors and YAML language servers.
import { policySchema } from '../dsl/index.js';
import { EXIT } from './common.js';

export const HELP = `Usage: spe schema

Prints the JSON Schema of policy files. Point a YAML language server at it for completion:
  spe schema > policy.schema.json
`;

export function run(args: string[]): number {
  if (args.length > 0) {
    process.stderr.write(`spe schema: takes no arguments\n`);
    return EXIT.usage;
  }
  process.stdout.write(`${JSON.stringify(policySchema, null, 2)}\n`);
  return EXIT.ok;
}
