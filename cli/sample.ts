// `spe sample`: a year of plausible tickets for a policy, as JSON lines, to try impact analysis
// (`spe impact`) or a batch evaluation with nothing else at hand.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { sampleTickets } from '../engine/index.js';
import { EXIT, UsageError } from './common.js';
import { loadCompiled, resolvePolicy } from './policies.js';

export const HELP = `Usage: spe sample POLICY [--tickets N] [--year YYYY] [--seed S] [--out FILE]

Writes N tickets' facts for POLICY as JSON lines: arrivals weighted to business hours across
the year, the policy's enum values, worked minutes, pauses, and now and then an optional fact
left out, as real helpdesks do. Every ticket passes the policy's facts check. The same seed
gives the same tickets.

Options:
  --tickets <n>       how many tickets (default: 1000)
  --year <yyyy>       the year the tickets open in (default: this year)
  --seed <n>          the seed of the random draws (default: 1)
  --out <file>        write to a file instead of standard output
  --policies <dir>    where policy ids are looked up (default: policies/)
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tickets: { type: 'string', default: '1000' },
      year: { type: 'string', default: String(new Date().getUTCFullYear()) },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      policies: { type: 'string', default: 'policies/' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one policy');
  const count = wholeNumber('--tickets', values.tickets, 0, 100_000_000);
  const year = wholeNumber('--year', values.year, 2000, 2099);
  const seed = wholeNumber('--seed', values.seed, 0, 2 ** 32 - 1);
  const compiled = await loadCompiled(resolvePolicy(positionals[0]!, values.policies));
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  let lines: string[] = [];
  const flush = async () => {
    const text = lines.join('');
    lines = [];
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  for (const ticket of sampleTickets(compiled, count, { year, seed })) {
    lines.push(`${JSON.stringify(ticket)}\n`);
    if (lines.length >= 1000) await flush();
  }
  await flush();
  if (out !== process.stdout)
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return EXIT.ok;
}

export function wholeNumber(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${option} '${text}' is not a whole number from ${min} to ${max}`);
  return n;
}
