// Declared SLA windows (`windows:`): a clock that ticket events start, stop, pause and resume,
// and that may start again after each stop (next reply, periodic update). Each run of the clock
// is a cycle with its own due date on the business clock; the decision shows the current cycle
// (or the last) and, for a repeating window, when the next reply or update falls due.
import type { WindowDecl } from '../dsl/index.js';
import type { BusinessCalendar, Interval } from './calendar.js';
import { clockStart, dueAt, normalizePauses } from './clock.js';

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

/** A cycle's status: a stopped one met or breached its target; a running one at `now` (null without it). */
export function cycleStatus(cycle: Cycle | undefined, paused: boolean, now: number | null): CycleStatus | null {
  if (!cycle) return 'waiting';
  if (cycle.stop !== null) return cycle.due !== null && cycle.stop <= cycle.due ? 'met' : 'breached';
  // Paused after its target fell due: breached already; before: waiting to be resumed.
  if (paused) return cycle.due !== null ? 'breached' : 'paused';
  if (now === null) return null;
  return cycle.due !== null && now <= cycle.due ? 'running' : 'breached';
}

/** Where a cycle's clock starts: its start event, or the next business instant after it. */
export function cycleStartsAt(calendar: BusinessCalendar, cycle: Cycle, pauses: readonly Interval[]): number | null {
  return clockStart(calendar, cycle.start, pauses);
}
