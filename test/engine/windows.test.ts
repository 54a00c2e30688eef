// Declared SLA windows: worked tickets checked by hand, and the repeating windows' cycles against
// an oracle that steps minute by minute through the events and asks Intl.DateTimeFormat (not
// Temporal, not the engine's zone tables) what the wall clock reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type CalendarRules, type MinuteRange } from '../../engine/calendar.js';
import { compileSource, evaluate } from '../../engine/index.js';
import { type TicketEvent, type WindowRules, cycleStatus, runWindow } from '../../engine/windows.js';
import { figure, runs } from '../support/reliability.js';
import { offsetOf } from '../support/intl-offset.js';

const POLICY = `
policy: helpdesk
title: Helpdesk with replies and updates
version: "1"
effective: 2026-01-01
facts:
  openedAt: { type: datetime }
  respondedAt: { type: datetime }
  resolvedAt: { type: datetime }
  pauses: { type: intervals }
  events: { type: events }
priorities: [P1, P2]
priority: { default: P1 }
tiers: { levels: [standard], of: '"standard"' }
windows:
  next-reply:
    start: [customer-reply]
    stop: [agent-reply]
    repeat: true
  update:
    start: [opened, update]
    stop: [update]
    pause: [waiting-on-customer]
    resume: [customer-reply]
    repeat: true
calendars:
  office: { timezone: Europe/London, hours: mon-fri 09:00-17:00 }
sla:
  standard:
    calendar: office
    P1: { response: 1 hour, next-reply: 2 hours, update: 4 hours }
    P2: { response: 4 hours }
`;

async function decide(facts: Record<string, unknown>, now?: string) {
  const c = await compileSource(POLICY, 'helpdesk.yaml');
  if (!c.ok) throw new Error(c.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`).join('\n'));
  const r = evaluate(c.compiled, facts, now ? { now } : {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.decision;
}

// Monday 2026-03-09, London on GMT: the office is open 09:00–17:00 UTC.
const openedAt = '2026-03-09T10:00:00Z';
const ev = (type: string, at: string) => ({ type, at });

describe('declared windows, worked by hand', () => {
  it('runs a periodic update and a next reply, cycle after cycle', async () => {
    const d = await decide(
      {
        openedAt,
        events: [
          ev('update', '2026-03-09T13:00:00Z'), // first update 3 h in: met (due 14:00)
          ev('customer-reply', '2026-03-09T14:00:00Z'), // starts a next-reply cycle
          ev('agent-reply', '2026-03-09T15:30:00Z'), // replied in 1.5 h: met
          ev('customer-reply', '2026-03-09T16:00:00Z'), // 1 h today, 1 h tomorrow: due Tuesday 10:00
        ],
      },
      '2026-03-10T10:30:00Z',
    );
    // Update: the cycle started by the 13:00 update falls due after 4 business hours, at 17:00.
    expect(d.windows?.update).toMatchObject({
      target: 'PT4H',
      calendar: 'office',
      repeats: true,
      startsAt: '2026-03-09T13:00:00+00:00',
      dueAt: '2026-03-09T17:00:00+00:00',
      nextDueAt: '2026-03-09T17:00:00+00:00',
      status: 'breached',
      met: 1,
      breached: 1,
    });
    expect(d.windows?.['next-reply']).toMatchObject({
      target: 'PT2H',
      startsAt: '2026-03-09T16:00:00+00:00',
      dueAt: '2026-03-10T10:00:00+00:00',
      nextDueAt: '2026-03-10T10:00:00+00:00',
      status: 'breached',
      met: 1,
      breached: 1,
    });
    // The built-in windows are as they were.
    expect(d.sla?.response).toMatchObject({ target: 'PT1H', dueAt: '2026-03-09T11:00:00+00:00' });
  });

  it('pauses while waiting on the customer, and says so while the pause lasts', async () => {
    const waiting = [ev('waiting-on-customer', '2026-03-09T11:00:00Z')];
    // 10:00–11:00 counts (1 h), then 15:00–17:00 (2 h), then Tuesday 09:00–10:00.
    const resumed = await decide({ openedAt, events: [...waiting, ev('customer-reply', '2026-03-09T15:00:00Z')] }, '2026-03-09T16:00:00Z');
    expect(resumed.windows?.update).toMatchObject({ dueAt: '2026-03-10T10:00:00+00:00', status: 'running', met: 0, breached: 0 });
    const paused = await decide({ openedAt, events: waiting }, '2026-03-09T16:00:00Z');
    expect(paused.windows?.update).toMatchObject({ dueAt: null, status: 'paused', nextDueAt: null });
    // No customer reply yet: the next-reply window has not started.
    expect(paused.windows?.['next-reply']).toMatchObject({ status: 'waiting', startsAt: null, dueAt: null });
  });

  it('stops every cycle at the resolution, and has no window where the SLA sets no target', async () => {
    const d = await decide({ openedAt, resolvedAt: '2026-03-09T12:00:00Z' });
    expect(d.windows?.update).toMatchObject({ status: 'met', dueAt: '2026-03-09T14:00:00+00:00', nextDueAt: null, met: 1 });
  });

  it('refuses an event before the ticket was opened, pointing at it', async () => {
    const c = await compileSource(POLICY, 'helpdesk.yaml');
    if (!c.ok) throw new Error('policy');
    const r = evaluate(c.compiled, { openedAt, events: [ev('update', '2026-03-09T09:00:00Z')] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ pointer: '/events/0/at', fact: 'events' });
  });

  it('leaves the decision of a policy without windows as it was: no windows field', async () => {
    const c = await compileSource(POLICY.replace(/windows:\n(?: {2}.*\n)+/, '').replace(', next-reply: 2 hours, update: 4 hours', ''), 'p.yaml');
    if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
    const r = evaluate(c.compiled, { openedAt });
    expect(r.ok && 'windows' in r.decision).toBe(false);
  });
});

// ---- the oracle ----------------------------------------------------------------------------------

const MIN = 60_000;


function isBusiness(weekly: MinuteRange[][], zone: string, ms: number): boolean {
  const d = new Date(ms + offsetOf(zone, ms));
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  return weekly[(d.getUTCDay() + 6) % 7]!.some(([a, b]) => a <= minute && minute < b);
}

interface OracleCycle {
  start: number;
  stop: number | null;
  /** The end of the target-th counted minute, once counted. */
  due: number | null;
  count: number;
}

/**
 * Steps minute by minute from the first event to `until`: at each minute its events (those that
 * stop or end, then pause or resume, then start), then the minute counts for the running cycle
 * when it is business time, in no given pause and in no pause by events.
 */
function oracle(
  weekly: MinuteRange[][],
  zone: string,
  w: WindowRules,
  target: number,
  events: TicketEvent[],
  pauses: [number, number][],
  until: number,
): { cycles: OracleCycle[]; paused: boolean } {
  const rank = (type: string) => (w.stop.has(type) || w.end.has(type) ? 0 : w.pause.has(type) || w.resume.has(type) ? 1 : 2);
  const sorted = events.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || rank(a.type) - rank(b.type) || a.i - b.i);
  const cycles: OracleCycle[] = [];
  let running: OracleCycle | null = null;
  let paused = false;
  let ended = false;
  let k = 0;
  for (let t = sorted[0]?.at ?? until; t < until; t += MIN) {
    for (; k < sorted.length && sorted[k]!.at === t; k++) {
      const type = sorted[k]!.type;
      if (running && (w.stop.has(type) || w.end.has(type))) {
        running.stop = t;
        running = null;
      }
      if (w.end.has(type)) ended = true;
      if (w.pause.has(type) && !paused) paused = true;
      else if (w.resume.has(type) && paused) paused = false;
      if (!running && !ended && w.start.has(type) && (w.repeat || cycles.length === 0)) {
        running = { start: t, stop: null, due: null, count: 0 };
        cycles.push(running);
      }
    }
    if (!running || running.due !== null || paused) continue;
    if (!isBusiness(weekly, zone, t) || pauses.some(([a, b]) => a <= t && t < b)) continue;
    running.count++;
    if (running.count === target) running.due = t + MIN;
  }
  return { cycles, paused };
}

// ---- random windows ------------------------------------------------------------------------------

const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];
const TYPES = ['a', 'b', 'c', 'd'];
const mark = fc.oneof(fc.constantFrom(0, 60, 120, 180, 540, 780, 1020, 1440), fc.integer({ min: 0, max: 96 }).map((q) => q * 15));
const dayRanges = fc.uniqueArray(mark, { maxLength: 4 }).map((marks) => {
  const sorted = [...marks].sort((a, b) => a - b);
  const out: MinuteRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) if (sorted[i]! < sorted[i + 1]!) out.push([sorted[i]!, sorted[i + 1]!]);
  return out;
});
const types = fc.subarray(TYPES, { maxLength: 2 });
// Around the 2026 clock changes of both hemispheres, and elsewhere.
const opened = fc
  .constantFrom('2026-03-06', '2026-03-27', '2026-04-03', '2026-06-10', '2026-10-23', '2026-10-30')
  .chain((d) => fc.integer({ min: 0, max: 3 * 1440 }).map((m) => Date.parse(`${d}T00:00:00Z`) + m * MIN));

const windowCase = fc.record({
  zone: fc.constantFrom(...ZONES),
  weekly: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
  rules: fc.record({ start: types, stop: types, pause: types, resume: types, end: types, repeat: fc.boolean() }),
  target: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.integer({ min: 1, max: 1500 })),
  opened,
  // Minutes of a small set, half the time, so events often share their instant (order matters then).
  events: fc.array(
    fc.tuple(fc.constantFrom(...TYPES), fc.oneof(fc.integer({ min: 0, max: 6 * 1440 }), fc.constantFrom(0, 90, 600, 1500))),
    { maxLength: 12 },
  ),
  pauses: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 * 1440 }), fc.integer({ min: 1, max: 1500 })), { maxLength: 2 }),
});

describe('repeating windows agree with a minute-stepping oracle', () => {
  const numRuns = runs(150, 3000);
  it('on every cycle: where it starts and stops, met or breached, and the running one’s due date', () => {
    fc.assert(
      fc.property(windowCase, (c) => {
        const weekly = c.weekly;
        const rules: CalendarRules = { name: 'random', always: false, weekly, closed: new Set(), open: new Map() };
        const calendar = new BusinessCalendar(rules, c.zone);
        const w: WindowRules = {
          start: new Set(c.rules.start),
          stop: new Set(c.rules.stop),
          pause: new Set(c.rules.pause),
          resume: new Set(c.rules.resume),
          end: new Set(c.rules.end),
          repeat: c.rules.repeat,
        };
        const events: TicketEvent[] = [
          { type: 'a', at: c.opened },
          ...c.events.map(([type, m]) => ({ type, at: c.opened + m * MIN })),
        ];
        const pauses = c.pauses.map(([from, length]) => [c.opened + from * MIN, c.opened + (from + length) * MIN] as [number, number]);
        const until = c.opened + 40 * 1440 * MIN;
        const want = oracle(weekly, c.zone, w, c.target, events, pauses, until);
        const got = runWindow(calendar, w, c.target * MIN, events, pauses);
        expect(got.cycles.map((x) => [x.start, x.stop])).toEqual(want.cycles.map((x) => [x.start, x.stop]));
        expect(got.paused).toBe(want.paused);
        got.cycles.forEach((cycle, i) => {
          const o = want.cycles[i]!;
          if (o.stop !== null) {
            // Met when the stop came before the target was used up (or just as it was).
            const met = o.due === null || o.stop <= o.due;
            expect(cycleStatus(cycle, false, null) === 'met', `cycle ${i}`).toBe(met);
            if (o.due !== null) expect(cycle.due).toBe(o.due);
          } else if (o.due !== null) expect(cycle.due).toBe(o.due);
          else expect(cycle.due === null || cycle.due >= until).toBe(true);
        });
      }),
      { numRuns },
    );
    figure('window cases against the oracle', numRuns);
  });
});
