// Several processes behind one port (Node's cluster module). The primary serves no request: it
// holds the admin token and hands it to each worker, restarts a worker that stops (with backoff
// while one cannot start), adds up every worker's metrics for a scrape, and acknowledges a save
// only once every worker serves it. Workers talk to it over the cluster's IPC channel.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import type { Store } from './stores.js';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What the primary tells a worker. */
type ToWorker =
  | { spe: 'token'; token: string | null; seq?: number }
  | { spe: 'catch-up'; ids: string[] }
  | { spe: 'reload'; seq: number; id: string }
  | { spe: 'metrics-request'; seq: number }
  | { spe: 'metrics'; seq: number; text: string }
  | { spe: 'published'; seq: number; ok: boolean };

/** What a worker tells the primary. */
type ToPrimary =
  | { spe: 'hello' }
  | { spe: 'loaded' }
  | { spe: 'failed'; reason: string }
  | { spe: 'reloaded'; seq: number }
  | { spe: 'token-set'; seq: number }
  | { spe: 'metrics-response'; seq: number; metrics: MetricsJson }
  | { spe: 'scrape'; seq: number }
  | { spe: 'saved'; seq: number; id: string };

const isMessage = (m: unknown): m is { spe: string } =>
  typeof m === 'object' && m !== null && typeof (m as { spe?: unknown }).spe === 'string';

export interface SupervisorOptions {
  workers: number;
  /** The admin token as the primary holds it now (`null`: none, writes refused). */
  token: () => string | null;
  /** One line for the operator (standard error). */
  report: (line: string) => void;
  /** The first wait before starting a worker again after one failed to start, doubled up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A worker that does not listen within this long is stopped and counted as failed. */
  startTimeoutMs?: number;
  /** How long a save waits for every worker to serve it. */
  publishTimeoutMs?: number;
  /** How long a scrape waits for a worker's metrics (a worker that does not answer is left out). */
  scrapeTimeoutMs?: number;
}

/** What the primary knows about one worker. */
interface Slot {
  worker: Worker;
  /** Loaded and answering reloads (it asked for its catch-up). */
  ready: boolean;
  listening: boolean;
  /** Policies saved while it was loading: it reloads them before it listens. */
  savedMeanwhile: Set<string>;
  /** Why it said it could not start. */
  failure?: string;
  startTimer?: NodeJS.Timeout;
}

/**
 * Forks `workers` processes and keeps that many serving: a worker that stops is replaced; one that
 * cannot start is reported with its reason and tried again after 0.1 s, 0.2 s, … up to 10 s, so a
 * cause that lasts (a folder gone) neither spins the CPU nor stops the workers that still serve.
 */
export class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private stopping = false;
  private backoff: number;
  private seq = 0;
  private readonly waiting = new Map<number, (worker: Worker, message: ToPrimary | null) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly registry = new Registry();
  private readonly starts = new Counter({
    name: 'spe_worker_starts_total',
    help: 'Worker processes started by the primary, by result (listening, or failed to start)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly o: Required<SupervisorOptions>;

  constructor(options: SupervisorOptions) {
    this.o = {
      backoffMs: 100,
      maxBackoffMs: 10_000,
      startTimeoutMs: 60_000,
      publishTimeoutMs: 5_000,
      scrapeTimeoutMs: 2_000,
      ...options,
    };
    this.backoff = this.o.backoffMs;
  }

  start(): void {
    cluster.on('message', (worker, message: unknown) => {
      if (isMessage(message)) void this.onMessage(worker, message as ToPrimary);
    });
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    for (let i = 0; i < this.o.workers; i++) this.fork();
  }

  /** Tells every worker the token now held (after SIGHUP); resolves with how many use it. */
  async tokenChanged(): Promise<number> {
    const workers = [...this.slots.values()].map((s) => s.worker);
    const token = this.o.token();
    const { answers } = await this.ask(workers, (seq) => ({ spe: 'token', token, seq }), this.o.publishTimeoutMs);
    return answers.length;
  }

  stop(): void {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    for (const { worker } of this.slots.values()) worker.kill('SIGTERM');
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private fork(): void {
    if (this.stopping) return;
    const worker = cluster.fork();
    const slot: Slot = { worker, ready: false, listening: false, savedMeanwhile: new Set() };
    this.slots.set(worker.id, slot);
    slot.startTimer = setTimeout(() => {
      slot.failure ??= `not listening after ${this.o.startTimeoutMs / 1000} s`;
      worker.process.kill('SIGKILL');
    }, this.o.startTimeoutMs);
    worker.on('listening', () => {
      clearTimeout(slot.startTimer);
      slot.listening = true;
      this.starts.inc({ result: 'listening' });
      if (this.backoff > this.o.backoffMs) this.o.report(`spe serve: worker ${worker.process.pid} started`);
      this.backoff = this.o.backoffMs;
    });
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.slots.get(worker.id);
    this.slots.delete(worker.id);
    for (const answered of [...this.waiting.values()]) answered(worker, null);
    if (!slot) return;
    clearTimeout(slot.startTimer);
    if (this.stopping) return;
    const how = signal ?? `exit ${code}`;
    if (slot.listening) {
      this.o.report(`spe serve: worker ${worker.process.pid} stopped (${how}); starting another`);
      return this.fork();
    }
    this.starts.inc({ result: 'failed' });
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs);
    this.o.report(
      `spe serve: worker ${worker.process.pid} could not start (${slot.failure ?? how}); trying again in ${wait / 1000} s`,
    );
    this.later(wait, () => this.fork());
  }

  private send(worker: Worker, message: ToWorker): void {
    if (worker.isConnected()) worker.send(message, (e: Error | null) => void e);
  }

  /** Sends `make(seq)` to each worker and collects the answers with that seq, leaving out any that has not answered by `ms`. */
  private ask<T>(workers: Worker[], make: (seq: number) => ToWorker, ms: number): Promise<{ answers: T[]; missing: number }> {
    const seq = ++this.seq;
    const answers: T[] = [];
    const pending = new Set(workers.filter((w) => this.slots.has(w.id)).map((w) => w.id));
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(seq);
        resolve({ answers, missing: pending.size });
      };
      const timer = setTimeout(finish, ms);
      // An answer, or the worker's exit: a worker that stopped no longer serves, so it owes none.
      this.waiting.set(seq, (worker, message) => {
        if (!pending.delete(worker.id)) return;
        if (message) answers.push(message as T);
        if (pending.size === 0) finish();
      });
      if (pending.size === 0) return finish();
      for (const w of workers) if (pending.has(w.id)) this.send(w, make(seq));
    });
  }

  private async onMessage(worker: Worker, message: ToPrimary): Promise<void> {
    const slot = this.slots.get(worker.id);
    switch (message.spe) {
      case 'hello':
        return this.send(worker, { spe: 'token', token: this.o.token() });
      case 'loaded':
        if (!slot) return;
        slot.ready = true;
        this.send(worker, { spe: 'catch-up', ids: [...slot.savedMeanwhile] });
        slot.savedMeanwhile.clear();
        return;
      case 'failed':
        if (slot) slot.failure = message.reason;
        return;
      case 'reloaded':
      case 'token-set':
      case 'metrics-response':
        return this.waiting.get(message.seq)?.(worker, message);
      case 'scrape': {
        const ready = [...this.slots.values()].filter((s) => s.ready).map((s) => s.worker);
        const { answers } = await this.ask<{ metrics: MetricsJson }>(
          ready,
          (seq) => ({ spe: 'metrics-request', seq }),
          this.o.scrapeTimeoutMs,
        );
        const all = [...answers.map((a) => a.metrics), await this.registry.getMetricsAsJSON()];
        const text = await AggregatorRegistry.aggregate(all as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
        return this.send(worker, { spe: 'metrics', seq: message.seq, text });
      }
      case 'saved': {
        const others: Worker[] = [];
        for (const s of this.slots.values()) {
          if (s.worker === worker) continue;
          if (s.ready) others.push(s.worker);
          else s.savedMeanwhile.add(message.id);
        }
        const { missing } = await this.ask(others, (seq) => ({ spe: 'reload', seq, id: message.id }), this.o.publishTimeoutMs);
        return this.send(worker, { spe: 'published', seq: message.seq, ok: missing === 0 });
      }
      default: {
        const never: never = message;
        return never;
      }
    }
  }
}

/** A worker's side of the channel: the token from the primary, the metrics of all, saves made known to all. */
export class WorkerLink {
  private current: string | null = null;
  private seq = 0;
  private readonly replies = new Map<number, (m: ToWorker) => void>();
  private store: Store | undefined;
  private registry: Registry | undefined;
  private catchUp: ((ids: string[]) => void) | undefined;

  private constructor() {
    process.on('message', (m: unknown) => {
      if (isMessage(m)) void this.onMessage(m as ToWorker);
    });
  }

  /** Connects to the primary and waits for the admin token it holds. */
  static async connect(): Promise<WorkerLink> {
    const link = new WorkerLink();
    await new Promise<void>((resolve) => {
      const first = (m: unknown) => {
        if (!isMessage(m) || m.spe !== 'token') return;
        process.off('message', first);
        resolve();
      };
      process.on('message', first);
      link.send({ spe: 'hello' });
    });
    return link;
  }

  token(): string | null {
    return this.current;
  }

  /** The policies are loaded: reload what was saved meanwhile, and answer the primary from now on. */
  async ready(store: Store, registry: Registry): Promise<void> {
    this.store = store;
    this.registry = registry;
    const ids = await new Promise<string[]>((resolve) => {
      this.catchUp = resolve;
      this.send({ spe: 'loaded' });
    });
    for (const id of ids) await store.reload(id);
  }

  /** Every worker's metrics added up, in Prometheus' text format. */
  async metrics(): Promise<string> {
    const m = await this.request((seq) => ({ spe: 'scrape', seq }));
    return m.spe === 'metrics' ? m.text : '';
  }

  /** Resolves once every other worker serves the policy's file as it is now; false when one did not answer in time. */
  async published(id: string): Promise<boolean> {
    const m = await this.request((seq) => ({ spe: 'saved', seq, id }));
    return m.spe === 'published' && m.ok;
  }

  /** Tells the primary why this worker cannot start (it then exits). */
  failed(reason: string): Promise<void> {
    return new Promise((resolve) => process.send!({ spe: 'failed', reason } satisfies ToPrimary, undefined, {}, () => resolve()));
  }

  private send(message: ToPrimary): void {
    if (process.connected) process.send!(message);
  }

  private request(make: (seq: number) => ToPrimary): Promise<ToWorker> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.replies.set(seq, resolve);
      this.send(make(seq));
    });
  }

  private async onMessage(m: ToWorker): Promise<void> {
    switch (m.spe) {
      case 'token':
        this.current = m.token;
        if (m.seq !== undefined) this.send({ spe: 'token-set', seq: m.seq });
        return;
      case 'catch-up':
        this.catchUp?.(m.ids);
        this.catchUp = undefined;
        return;
      case 'reload':
        await this.store?.reload(m.id);
        return this.send({ spe: 'reloaded', seq: m.seq });
      case 'metrics-request':
        return this.send({ spe: 'metrics-response', seq: m.seq, metrics: (await this.registry?.getMetricsAsJSON()) ?? [] });
      case 'metrics':
      case 'published': {
        const reply = this.replies.get(m.seq);
        this.replies.delete(m.seq);
        return reply?.(m);
      }
      default: {
        const never: never = m;
        return never;
      }
    }
  }
}
