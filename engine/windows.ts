// Declared SLA windows (`windows:`): a clock that ticket events start, stop, pause and resume,
// and that may start again after each stop (next reply, periodic update). Each run of the clock
// is a cycle with its own due date on the business clock; the decision shows the current cycle
// (or the last) and, for a repeating window, when the next reply or update falls due.
import type { WindowDecl } from '../dsl/index.js';
import type { BusinessCalendar, Interval } from './calendar.js';
import { clockStart, dueAt, normalizePauses } from './clock.js';
import type { Target } from './compile.js';
import type { DeclaredWindow } from './decision.js';
import { displayZone, formatInstant } from './sla.js';
import { type Value, instant } from './values.js';

/** A ticket event: its type and when it happened (epoch ms). */
export interface TicketEvent {
  type: string;
  at: number;
}

/** What a window does at each event type. */
export interface WindowRules {
  start: ReadonlySet<string>;
  stop: ReadonlySet<string>;
  pause: ReadonlySet<string>;
  resume: ReadonlySet<string>;
  end: ReadonlySet<string>;
  repeat: boolean;
}

export function windowRules(w: WindowDecl): WindowRules {
  const set = (names: { name: string }[]) => new Set(names.map((n) => n.name));
  return {
    start: set(w.start),
    stop: set(w.stop),
    pause: set(w.pause),
    resume: set(w.resume),
    end: set(w.end),
    repeat: w.repeat,
  };
}

/** One run of a window's clock. */
export interface Cycle {
  /** The event that started it. */
  start: number;
  /** The event that stopped it; null while it runs. */
  stop: number | null;
  /**
   * When its target falls due with the pauses known at its stop (or so far); null while paused
   * before it falls due, or when it falls past the clock's reach.
   */
  due: number | null;
}

export interface WindowRun {
  cycles: Cycle[];
  /** Paused by an event and not resumed since. */
  paused: boolean;
  /** All pauses that applied: the given intervals and those between pause and resume events. */
  pauses: Interval[];
}

/**
 * Runs a window over a ticket's events, in time order. At one instant, events that stop or end
 * come first, then those that pause or resume, then those that start: an event that both stops
 * and starts (a periodic update) closes one cycle and opens the next at the same instant.
 */
export function runWindow(
  calendar: BusinessCalendar,
  rules: WindowRules,
  target: number,
  events: readonly TicketEvent[],
  givenPauses: readonly Interval[],
): WindowRun {
  const order = (type: string) => (rules.stop.has(type) || rules.end.has(type) ? 0 : rules.pause.has(type) || rules.resume.has(type) ? 1 : 2);
  const sorted = [...events].sort((a, b) => a.at - b.at || order(a.type) - order(b.type));
  const eventPauses: Interval[] = [];
  let pausedSince: number | null = null;
  let ended = false;
  const cycles: Cycle[] = [];
  let running: Cycle | null = null;
  const pausesSoFar = () => normalizePauses([...givenPauses, ...eventPauses]);
  for (const e of sorted) {
    if (running && (rules.stop.has(e.type) || rules.end.has(e.type))) {
      const paused = pausedSince !== null ? [...pausesSoFar(), [pausedSince, e.at] as const] : pausesSoFar();
      running.stop = e.at;
      running.due = dueAt(calendar, running.start, target, normalizePauses(paused));
      running = null;
    }
    if (rules.end.has(e.type)) ended = true;
    if (rules.pause.has(e.type) && pausedSince === null) pausedSince = e.at;
    else if (rules.resume.has(e.type) && pausedSince !== null) {
      if (e.at > pausedSince) eventPauses.push([pausedSince, e.at]);
      pausedSince = null;
    }
    if (!running && !ended && rules.start.has(e.type) && (rules.repeat || cycles.length === 0)) {
      running = { start: e.at, stop: null, due: null };
      cycles.push(running);
    }
  }
  // Paused and not resumed: the pause lasts; a due date is known only if it came before it.
  const pauses = normalizePauses(
    pausedSince === null ? pausesSoFar() : [...pausesSoFar(), [pausedSince, Number.MAX_SAFE_INTEGER] as const],
  );
  if (running) running.due = dueAt(calendar, running.start, target, pauses);
  return { cycles, paused: pausedSince !== null, pauses };
}

export type CycleStatus = 'running' | 'paused' | 'met' | 'breached' | 'waiting';

/**
 * A cycle's status: a stopped one met or breached its target; a running one at `now` (null without
 * it). A cycle with no due date never used up its target within the clock's reach (its calendar
 * had no business time left, or its pauses took it all): stopped, it met it; running, it runs.
 */
export function cycleStatus(cycle: Cycle | undefined, paused: boolean, now: number | null): CycleStatus | null {
  if (!cycle) return 'waiting';
  if (cycle.stop !== null) return cycle.due === null || cycle.stop <= cycle.due ? 'met' : 'breached';
  // Paused after its target fell due: breached already; before: waiting to be resumed.
  if (paused) return cycle.due !== null ? 'breached' : 'paused';
  if (now === null) return null;
  return cycle.due === null || now <= cycle.due ? 'running' : 'breached';
}

/** Where a cycle's clock starts: its start event, or the next business instant after it. */
export function cycleStartsAt(calendar: BusinessCalendar, cycle: Cycle, pauses: readonly Interval[]): number | null {
  return clockStart(calendar, cycle.start, pauses);
}

// ---- a decision's declared windows -------------------------------------------------------------

/** What the decision needs of the compiled policy and the evaluation, passed in (no cycle with evaluate.ts). */
export interface WindowInputs {
  declared: readonly WindowDecl[];
  /** The window targets of the SLA rule that matched. */
  targets: readonly { window: string; target: Target }[];
  calendarOf: (name: string | null) => BusinessCalendar | null;
  facts: { get(name: string): Value };
  policyZone: string | null;
  now: string | null;
  source: string;
}

const str = (v: Value): string | null => (typeof v === 'string' ? v : null);

/** The ticket's events: `opened`, `responded`, `resolved` from their facts, and the `events` fact's. */
export function ticketEvents(facts: { get(name: string): Value }): TicketEvent[] {
  const events: TicketEvent[] = [];
  for (const [type, fact] of [
    ['opened', 'openedAt'],
    ['responded', 'respondedAt'],
    ['resolved', 'resolvedAt'],
  ] as const) {
    const at = str(facts.get(fact));
    if (at) events.push({ type, at: instant(at) });
  }
  const given = facts.get('events');
  if (Array.isArray(given))
    for (const e of given as unknown as { type: string; at: string }[]) events.push({ type: e.type, at: instant(e.at) });
  return events;
}

/** Each declared window of a decision, by name. */
export function decideWindows(w: WindowInputs): Record<string, DeclaredWindow | null> {
  const out: Record<string, DeclaredWindow | null> = {};
  const openedAt = str(w.facts.get('openedAt'));
  const events = openedAt ? ticketEvents(w.facts) : [];
  const pauseFact = w.facts.get('pauses');
  const given = Array.isArray(pauseFact)
    ? (pauseFact as unknown as { from: string; to: string }[]).map((p) => [instant(p.from), instant(p.to)] as const)
    : [];
  for (const decl of w.declared) {
    const t = w.targets.find((x) => x.window === decl.name)?.target;
    if (!t) {
      out[decl.name] = null;
      continue;
    }
    const window: DeclaredWindow = {
      target: t.iso,
      targetText: t.text,
      calendar: t.calendar ?? '24x7',
      repeats: decl.repeat,
      startsAt: null,
      dueAt: null,
      status: null,
      nextDueAt: null,
      met: 0,
      breached: 0,
      source: w.source,
    };
    out[decl.name] = window;
    const calendar = w.calendarOf(t.calendar);
    if (!openedAt || !calendar) continue;
    const run = runWindow(calendar, windowRules(decl), t.minutes * 60_000, events, given);
    const shown = displayZone(calendar, w.policyZone, openedAt);
    const fmt = (ms: number | null) => (ms === null ? null : formatInstant(ms, shown.zone, shown.offset));
    const now = w.now === null ? null : instant(w.now);
    const current = run.cycles[run.cycles.length - 1];
    for (const cycle of run.cycles) {
      const status = cycleStatus(cycle, cycle === current && run.paused, now);
      if (status === 'met') window.met++;
      else if (status === 'breached') window.breached++;
    }
    window.status = cycleStatus(current, run.paused, now);
    if (current) {
      window.startsAt = fmt(cycleStartsAt(calendar, current, run.pauses));
      window.dueAt = fmt(current.due);
      if (decl.repeat && current.stop === null) window.nextDueAt = fmt(current.due);
    }
  }
  return out;
}
