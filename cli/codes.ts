// `spe codes`: lists the diagnostic codes, which are stable and safe to match in scripts.
import { DIAGNOSTIC_CODES } from '../dsl/index.js';
import { EXIT } from './common.js';

export const HELP = `Usage: spe codes

Lists every diagnostic code \`spe validate\` can report, with what it means.
`;

export function run(args: string[]): number {
  if (args.length > 0) {
    process.stderr.write(`spe codes: takes no arguments\n`);
    return EXIT.usage;
  }
  const width = Math.max(...Object.keys(DIAGNOSTIC_CODES).map((c) => c.length));
  for (const [code, meaning] of Object.entries(DIAGNOSTIC_CODES)) process.stdout.write(`${code.padEnd(width)}  ${meaning}\n`);
  return EXIT.ok;
}
