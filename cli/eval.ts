// `spe eval`: evaluates facts against a policy and prints the decision, or, with --batch, one
// decision per line of a JSON-lines stream (read and written line by line, never held whole).
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EvaluateOptions, type EvaluationResult, evaluate, evaluateReference, whyNot, whyNotText } from '../engine/index.js';
import { EXIT, UsageError } from './common.js';
import { loadCompiled, resolvePolicy } from './policies.js';

export const HELP = `Usage: spe eval [options] POLICY --facts FILE|-

Evaluates a ticket's facts (a JSON object) against POLICY and prints the decision as JSON.
POLICY is a file, or an id in the policies folder.

Options:
  --facts <file|->    the facts; - reads standard input
  --batch             the input is JSON lines, one ticket's facts per line; prints one
                      decision (or {"error": …}) per line, in order, as it goes
  --now <datetime>    the time of evaluation (ISO 8601), for SLA status
  --no-trace          leave the trace out of the decision
  --explain           add the explanation: every stage reached and every rule considered,
                      with what it read ("op": enter, eval, fail, unknown, skip)
  --why-not <outcome> print, as text, the rules that give OUTCOME (P1, or kind=value like
                      tier=premium) and why each did not hold: which condition read which value
  --compact           print each decision on one line (always so with --batch)
  --reference         evaluate through json-rules-engine instead of the fast path
  --policies <dir>    where policy ids are looked up (default: policies/)

Exit status: 0 decided (eligible or not), 1 the facts are invalid (the problems are printed
as {"error": …}) or no rule gives the --why-not outcome, 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      facts: { type: 'string' },
      batch: { type: 'boolean', default: false },
      now: { type: 'string' },
      'no-trace': { type: 'boolean', default: false },
      explain: { type: 'boolean', default: false },
      'why-not': { type: 'string' },
      compact: { type: 'boolean', default: false },
      reference: { type: 'boolean', default: false },
      policies: { type: 'string', default: 'policies/' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one policy');
  if (values.facts === undefined) throw new UsageError('give the facts with --facts FILE, or --facts - for standard input');
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now)))
    throw new UsageError(`--now '${values.now}' is not a date and time`);
  const compiled = await loadCompiled(resolvePolicy(positionals[0]!, values.policies));
  const whyNotTarget = values['why-not'];
  if (whyNotTarget !== undefined && (values.batch || whyNotTarget.trim() === ''))
    throw new UsageError(values.batch ? '--why-not explains one ticket, not a --batch' : '--why-not needs an outcome, like P1');
  const explain = values.explain || whyNotTarget !== undefined;
  const options: EvaluateOptions = {
    trace: !values['no-trace'],
    ...(values.now ? { now: values.now } : {}),
    ...(explain ? { explain } : {}),
  };
  const decide = (facts: unknown): EvaluationResult | Promise<EvaluationResult> =>
    values.reference ? evaluateReference(compiled, facts, options) : evaluate(compiled, facts, options);
  if (values.batch) return runBatch(values.facts, decide);

  const text = readInput(values.facts);
  let facts: unknown;
  try {
    facts = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the facts are not valid JSON: ${(e as Error).message}`);
  }
  const result = await decide(facts);
  if (whyNotTarget !== undefined && result.ok) {
    const answer = whyNot(compiled, result.decision, whyNotTarget);
    process.stdout.write(whyNotText(answer));
    return answer.rules.length > 0 ? EXIT.ok : EXIT.failed;
  }
  process.stdout.write(`${JSON.stringify(output(result), null, values.compact ? undefined : 2)}\n`);
  return result.ok ? EXIT.ok : EXIT.failed;
}

function readInput(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${path === '-' ? 'standard input' : path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function output(result: EvaluationResult) {
  return result.ok
    ? result.decision
    : { error: { code: 'invalid-facts', message: 'the facts do not fit the policy', details: result.problems } };
}

async function runBatch(path: string, decide: (facts: unknown) => EvaluationResult | Promise<EvaluationResult>): Promise<number> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('error', reject);
    if (path === '-') resolve();
    else input.once('open', () => resolve());
  });
  try {
    await opened;
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  input.setEncoding('utf8');
  let failed = 0;
  let line = 0;
  // The decisions of one chunk of input are written together: a write per line costs more than
  // the decision itself.
  let out: string[] = [];
  const record = (result: EvaluationResult | null, problem?: Error) => {
    const shown = result ? output(result) : { error: { code: 'invalid-json', message: `line ${line}: ${problem?.message}` } };
    if ((shown as { error?: unknown }).error) failed++;
    out.push(`${JSON.stringify(shown)}\n`);
  };
  // Synchronous on the fast path: a promise per line would cost more than the decision.
  const decideLine = (text: string): void | Promise<void> => {
    line++;
    if (text.trim() === '') return;
    let decided: EvaluationResult | Promise<EvaluationResult>;
    try {
      decided = decide(JSON.parse(text));
    } catch (e) {
      return record(null, e as Error);
    }
    if (!(decided instanceof Promise)) return record(decided);
    return decided.then(record, (e: Error) => record(null, e));
  };
  const flush = async () => {
    if (out.length === 0) return;
    const text = out.join('');
    out = [];
    // Respect back-pressure: a slow reader must not make us buffer a million decisions.
    if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  };
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const pending = decideLine(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      if (pending) await pending;
      start = nl + 1;
    }
    rest = text.slice(start);
    await flush();
  }
  if (rest !== '') await decideLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  await flush();
  if (failed > 0) process.stderr.write(`spe eval: ${failed} of ${line} lines could not be decided\n`);
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
