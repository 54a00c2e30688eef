// `spe impact`: what a contract change does to a set of tickets. Both revisions decide every
// ticket; the summary counts the tickets whose pinned fields changed (DESIGN §6). The tickets
// stream through worker threads in chunks, a bounded number at a time, so memory stays flat
// however long the input; results are added up in input order.
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { type ImpactPart, ImpactTally, revisionOf } from '../engine/index.js';
import { impactHtml, impactMarkdown } from '../engine/impact-report.js';
import { type HeavyAnswer, type HeavyTask, type PolicyRevision, workerFile } from '../server/heavy.js';
import { EXIT, UsageError } from './common.js';
import { loadCompiled, resolvePolicy } from './policies.js';
import { type TicketMap, openTickets, readTicketMap } from './tickets.js';

export const HELP = `Usage: spe impact POLICY --from A --to B --tickets FILE [options]

Decides every ticket of FILE with two revisions of POLICY and reports which tickets would be
decided differently: eligibility, priority, channels, response and resolution due dates, and
billing totals. A and B are policy files or revisions of POLICY's history (sha256:…, or a
unique prefix of one); either defaults to POLICY's current file.

FILE is JSON lines of facts (- for standard input), or a CSV export with a header row; --map
names a YAML file that maps the helpdesk's columns to the policy's facts:

    facts:
      tier: Plan                                        # fact: column
      channel: { column: Via, values: { Phone: phone, Web form: web } }
      openedAt: { column: Created at, format: dd/MM/yyyy HH:mm }
      trial: { value: false }                           # the same for every ticket
    dateFormat: yyyy-MM-dd HH:mm                        # default for dates
    zone: Europe/Rome                                   # for datetimes without an offset

Options:
  --from <file|rev>   the revision the tickets were decided by (default: POLICY)
  --to <file|rev>     the changed revision (default: POLICY)
  --tickets <file|->  the tickets
  --map <file>        how CSV columns become facts (see above)
  --format <f>        json (default: the summary), md (for a pull request comment), or html
                      (a standalone report with charts)
  --out <file>        also write one JSON line per changed ticket, with both decisions
  --now <datetime>    the time of evaluation (ISO 8601), for SLA status
  --threads <n>       worker threads (default: one per core)
  --policies <dir>    where policy ids and their history are looked up (default: policies/)

A ticket that is not valid JSON or fails the facts check on either side is counted in
'errors' (the first are listed on standard error with their line numbers); it is never a change.

Exit status: 0 the impact was reported, 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      tickets: { type: 'string' },
      map: { type: 'string' },
      format: { type: 'string', default: 'json' },
      out: { type: 'string' },
      now: { type: 'string' },
      threads: { type: 'string' },
      policies: { type: 'string', default: 'policies/' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one policy');
  if (values.tickets === undefined)
    throw new UsageError('give the tickets with --tickets FILE (JSON lines or CSV), or - for standard input');
  if (values.from === undefined && values.to === undefined)
    throw new UsageError('give --from or --to (or both): the revisions to compare');
  const format = values.format;
  if (format !== 'json' && format !== 'md' && format !== 'html')
    throw new UsageError(`--format '${format}': use json, md or html`);
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now)))
    throw new UsageError(`--now '${values.now}' is not a date and time`);
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    throw new UsageError(`--threads '${values.threads}' is not a number from 1 to 64`);

  const policyFile = resolvePolicy(positionals[0]!, values.policies);
  const current = await loadCompiled(policyFile);
  const from = await side(values.from, policyFile, current.id);
  const to = await side(values.to, policyFile, current.id);
  // Each side is checked here, so a side with errors is a usage error before any work; the side
  // that is the current file is not compiled twice.
  const compiledSide = (side: Side) => (side.file === policyFile ? current : loadCompiled(side.file, side.source));
  const [fromCompiled, toCompiled] = [await compiledSide(from), await compiledSide(to)];
  const facts = [...toCompiled.policy.facts, ...fromCompiled.policy.facts.filter((f) => !toCompiled.factNames.includes(f.name))];
  const map: TicketMap | null = values.map ? readTicketMap(values.map, facts) : null;
  const source = await openTickets(values.tickets, map);
  const out = values.out ? createWriteStream(values.out) : null;

  const pool = new Piscina({
    filename: pathToFileURL(await workerFile()).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  const tally = new ImpactTally();
  const progress = new Progress(source.size, source.bytesRead);
  try {
    // In flight: a bounded number of chunks, their parts added (and written) in input order.
    const inFlight: Promise<ImpactPart>[] = [];
    const settle = async () => {
      const part = await inFlight.shift()!;
      tally.add(part);
      if (out && part.changes.length > 0) {
        const text = part.changes
          .map((c) => `${JSON.stringify({ line: c.line, fields: c.fields, facts: c.facts, from: c.from, to: c.to })}\n`)
          .join('');
        if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      progress.show(tally.summary().tickets);
    };
    for await (const chunk of source.chunks) {
      const task: HeavyTask = {
        kind: 'impact',
        from: from.policy,
        to: to.policy,
        chunk,
        ...(values.now ? { now: values.now } : {}),
      };
      inFlight.push((pool.run(task) as Promise<HeavyAnswer>).then((a) => (a as { part: ImpactPart }).part));
      if (inFlight.length >= threads * 2) await settle();
    }
    while (inFlight.length > 0) await settle();
  } finally {
    progress.done();
    await pool.destroy();
    if (out) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }

  const summary = tally.summary();
  const details = tally.details();
  const title = { policy: current.id, from: from.label, to: to.label };
  if (format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (format === 'md') process.stdout.write(impactMarkdown(summary, details, title));
  else process.stdout.write(impactHtml(summary, details, title));
  if (summary.errors > 0) {
    const shown = details.errors.slice(0, 10);
    process.stderr.write(
      `spe impact: ${summary.errors} of ${summary.tickets} tickets could not be decided:\n${shown.map((e) => `  line ${e.line}: ${e.message}\n`).join('')}${
        summary.errors > shown.length ? `  … and ${summary.errors - shown.length} more\n` : ''
      }`,
    );
  }
  return EXIT.ok;
}

interface Side {
  label: string;
  file: string;
  source: string;
  policy: PolicyRevision;
}

/** A side of the comparison: a policy file, or a revision kept in the policy folder's history. */
async function side(arg: string | undefined, policyFile: string, id: string): Promise<Side> {
  let file = arg ?? policyFile;
  if (arg?.startsWith('sha256:')) {
    const prefix = arg.slice('sha256:'.length).toLowerCase();
    const dir = join(dirname(policyFile), '.history', id);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // no history: reported below
    }
    const found = names.filter((n) => /^[0-9a-f]{64}\.yaml$/.test(n) && n.startsWith(prefix));
    if (prefix.length < 6 || found.length !== 1)
      throw new UsageError(
        found.length > 1
          ? `'${arg}' names ${found.length} revisions of '${id}': give more of it`
          : `no revision '${arg}' of '${id}' in ${dir}`,
      );
    file = join(dir, found[0]!);
  } else if (arg !== undefined) file = resolvePolicy(arg, dirname(policyFile));
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const revision = revisionOf(source);
  return { label: arg?.startsWith('sha256:') ? revision : file, file, source, policy: { revision, source, file } };
}

/** A progress bar on standard error, when it is a terminal. */
class Progress {
  private last = 0;
  private shown = false;
  private readonly tty = process.stderr.isTTY === true;
  constructor(
    private readonly size: number | null,
    private readonly bytesRead: () => number,
  ) {}

  show(tickets: number): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.shown = true;
    const width = 30;
    const share = this.size ? Math.min(1, this.bytesRead() / this.size) : null;
    const bar =
      share === null
        ? ''
        : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${(share * 100).toFixed(0).padStart(3)}% `;
    process.stderr.write(`\r${bar}${tickets.toLocaleString('en')} tickets`);
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}
