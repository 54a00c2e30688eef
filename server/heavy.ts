// Heavy requests run off the event loop: `/v1/validate`, `/v1/test`, `/v1/try`, decision tables,
// impact runs and big batches go to a pool of worker threads (piscina) with a time limit, so
// `/healthz` and single evaluations keep answering while they run. A request over its limit gets 503 too-much-work and its thread is
// ended (a policy someone is still writing can ask for any amount of work).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import {
  type CompiledPolicy,
  type EvaluationResult,
  type ImpactPart,
  type TicketInput,
  compileSource,
  decisionTable,
  evaluate,
  proofText,
  impactOf,
  sampleTickets,
  runPolicyTests,
  slaTimelines,
  validatePolicy,
} from '../engine/index.js';
import { holidaysFor } from '../dsl/index.js';
import { HttpError } from './errors.js';

export type HeavyTask =
  /** `POST /v1/validate`: the checks, the tier order judged on the business clock among them. */
  | { kind: 'validate'; source: string; file: string }
  | { kind: 'test'; source: string; file: string }
  | { kind: 'try'; source: string; file: string; facts: unknown; now?: string }
  /** The decision table of a revision serving now (`GET /v1/policies/:id/table`). */
  | { kind: 'table'; revision: string; source: string; file: string }
  | {
      kind: 'batch';
      /** The policies the items name, by revision: a worker compiles each once and keeps it. */
      policies: Record<string, { source: string; file: string }>;
      items: { revision: string; facts: unknown; now?: string; trace: boolean; explain?: boolean }[];
    }
  | {
      /** A chunk of an impact run: JSON lines from `firstLine` on, or tickets already read. */
      kind: 'impact';
      from: PolicyRevision;
      to: PolicyRevision;
      now?: string;
      chunk:
        | { firstLine: number; text: string }
        | { items: TicketInput[] }
        | { sample: { count: number; year: number; seed: number } };
    };

/** A policy as a worker compiles it: its source, the file its spans name, and its revision (the cache key). */
export interface PolicyRevision {
  revision: string;
  source: string;
  file: string;
}

/** What a heavy task answers: the body of `/v1/test` and `/v1/try`, a batch's results in order. */
export type HeavyAnswer = { body: unknown } | { results: EvaluationResult[] } | { part: ImpactPart };

export interface HeavyWorkOptions {
  /** Most time a heavy request may take, queueing included (default 2 s). */
  timeLimitMs?: number;
  /** Worker threads (default: the cores but one, at least 1, at most 4). */
  threads?: number;
}

export const DEFAULT_TIME_LIMIT_MS = 2_000;
/**
 * A decision table's time limit: the table of a saved policy, whose work is bounded by the
 * combinations it enumerates (engine/table.ts MAX_COMBINATIONS), not by what a request sends.
 */
export const TABLE_TIME_LIMIT_MS = 20_000;
/** Batches of more items than this run in a worker: 20 far-dated Zmanda items stay within about 50 ms. */
export const BATCH_ON_MAIN_THREAD = 20;
/** The time a small batch may take on the main thread before its remaining items go to a worker. */
export const MAIN_THREAD_BUDGET_MS = 20;

/** Compiled policies a worker keeps, by revision (the latest few: an old revision is compiled again). */
const compiledByRevision = new Map<string, CompiledPolicy>();
const MAX_COMPILED = 16;

async function compiledFor(revision: string, policy: { source: string; file: string }): Promise<CompiledPolicy> {
  let compiled = compiledByRevision.get(revision);
  if (compiled) return compiled;
  const result = await compileSource(policy.source, policy.file);
  // The main thread serves this revision: it compiled there and compiles here alike.
  if (!result.ok) throw new Error(`revision ${revision} does not compile in a worker`);
  compiled = result.compiled;
  if (compiledByRevision.size >= MAX_COMPILED) compiledByRevision.delete(compiledByRevision.keys().next().value!);
  compiledByRevision.set(revision, compiled);
  return compiled;
}

/** Does a heavy task: in a worker thread (heavy-worker.ts), or anywhere a test wants the same answer. */
export async function doHeavy(task: HeavyTask): Promise<HeavyAnswer> {
  switch (task.kind) {
    case 'validate': {
      const holidays = await holidaysFor(task.source);
      const result = validatePolicy(task.source, task.file, holidays ? { holidays } : {});
      return { body: { ok: result.ok, diagnostics: result.diagnostics } };
    }
    case 'test': {
      const result = await compileSource(task.source, task.file);
      if (!result.ok) return { body: { ok: false, diagnostics: result.diagnostics } };
      const { results, coverage } = runPolicyTests(result.compiled);
      return { body: { ok: true, results: results.map(({ decision: _d, fired: _f, ms: _m, ...r }) => r), coverage } };
    }
    case 'try': {
      const result = await compileSource(task.source, task.file);
      if (!result.ok) return { body: { ok: false, diagnostics: result.diagnostics } };
      const evaluated = evaluate(result.compiled, task.facts, task.now !== undefined ? { now: task.now } : {});
      // A workbench answer, not an error: the admin is still typing the sample facts.
      if (!evaluated.ok)
        return { body: { ok: false, problems: evaluated.problems.map((p) => ({ ...p, pointer: `/facts${p.pointer}` })) } };
      return {
        body: { ok: true, decision: evaluated.decision, timeline: slaTimelines(result.compiled, task.facts, evaluated.decision) },
      };
    }
    case 'table': {
      const compiled = await compiledFor(task.revision, task);
      const table = decisionTable(compiled, task.source, await holidaysFor(task.source));
      return { body: { ...table, proof: proofText(table) } };
    }
    case 'batch': {
      const results: EvaluationResult[] = [];
      for (const item of task.items) {
        const compiled = await compiledFor(item.revision, task.policies[item.revision]!);
        const options = { ...(item.now !== undefined ? { now: item.now } : {}), trace: item.trace };
        results.push(evaluate(compiled, item.facts, item.explain === true ? { ...options, explain: true } : options));
      }
      return { results };
    }
    case 'impact': {
      // A draft with errors answers its diagnostics (the saved side always compiles).
      for (const side of [task.from, task.to]) {
        if (compiledByRevision.has(side.revision)) continue;
        const result = await compileSource(side.source, side.file);
        if (!result.ok) return { body: { ok: false, diagnostics: result.diagnostics } };
      }
      const from = await compiledFor(task.from.revision, task.from);
      const to = await compiledFor(task.to.revision, task.to);
      const sides = { from, to, ...(task.now !== undefined ? { now: task.now } : {}) };
      const chunk = task.chunk;
      const tickets =
        'text' in chunk
          ? jsonLines(chunk.firstLine, chunk.text)
          : 'items' in chunk
            ? chunk.items
            : sampleInputs(sampleTickets(from, chunk.sample.count, chunk.sample));
      return { part: impactOf(sides, tickets) };
    }
    default: {
      const never: never = task;
      return never;
    }
  }
}

function* sampleInputs(tickets: Iterable<unknown>): Generator<TicketInput> {
  let line = 1;
  for (const facts of tickets) yield { line: line++, facts };
}

/** The non-blank lines of a chunk of JSON lines, with their line numbers. */
function* jsonLines(firstLine: number, text: string): Generator<TicketInput> {
  let line = firstLine;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end > start && text.slice(start, end).trim() !== '') yield { line, text: text.slice(start, end) };
    line++;
    start = nl + 1;
  }
}

/**
 * The worker's module. In the bundle (bin/spe) it is dist/cli/heavy-worker.js beside the
 * chunks. From sources (vitest, the library) workers cannot load TypeScript, so they load that
 * same bundle, built first when the sources are newer, exactly as bin/spe does.
 */
export async function workerFile(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) {
    for (let dir = dirname(here), i = 0; i < 3; i++, dir = dirname(dir)) {
      const candidate = join(dir, 'heavy-worker.js');
      if (existsSync(candidate)) return candidate;
    }
    throw new Error(`heavy-worker.js not found near ${here}: rebuild with npm run build`);
  }
  const root = join(dirname(here), '..');
  const build = (await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href)) as {
    isStale(): boolean;
    build(): Promise<boolean>;
  };
  if (build.isStale() && !(await build.build())) throw new Error('the bundle of the worker could not be built');
  return join(root, 'dist', 'cli', 'heavy-worker.js');
}

/** The pool of a server: made at the first heavy request, destroyed when the server closes. */
export class HeavyWork {
  readonly timeLimitMs: number;
  private readonly threads: number;
  private pool: Promise<Piscina> | null = null;
  private closed = false;

  constructor(options: HeavyWorkOptions = {}) {
    this.timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    // One core is left to the main thread, so /healthz and single evaluations keep answering.
    this.threads = options.threads ?? Math.min(4, Math.max(1, availableParallelism() - 1));
  }

  /** Runs a task in a worker; 503 too-much-work past the time limit or when the queue is full. */
  async run(task: HeavyTask, timeLimitMs = this.timeLimitMs): Promise<HeavyAnswer> {
    if (this.closed) throw tooMuchWork('the server is closing');
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeLimitMs);
    try {
      this.pool ??= workerFile().then(
        (filename) =>
          new Piscina({
            filename: pathToFileURL(filename).href,
            minThreads: 0,
            maxThreads: this.threads,
            idleTimeout: 30_000,
            // Waiting requests are bounded too: past this many, a heavy request is refused at once.
            maxQueue: this.threads * 16,
          }),
      );
      const pool = await this.pool;
      return (await pool.run(task, { signal: abort.signal })) as HeavyAnswer;
    } catch (e) {
      if (abort.signal.aborted)
        throw tooMuchWork(`the request needed more than ${timeLimitMs} ms of work; send a smaller batch or fewer tests`);
      if (e instanceof Error && /queue is at limit/i.test(e.message))
        throw tooMuchWork('too many heavy requests are waiting; try again shortly');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    if (pool) await (await pool.catch(() => null))?.destroy();
  }
}

const tooMuchWork = (message: string) => new HttpError(503, 'too-much-work', message);
