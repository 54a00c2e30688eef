// The business clock against an independent oracle that steps minute by minute and asks
// Intl.DateTimeFormat (not Temporal) what the wall clock reads: random calendars, zones with and
// without daylight saving (some changing at midnight or by 30 minutes), closed and open dates,
// pauses, start instants and targets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type CalendarRules, type MinuteRange } from '../../engine/calendar.js';
import { dueAt, elapsed, normalizePauses } from '../../engine/clock.js';
import { figure, runs } from '../support/reliability.js';
import { offsetOf } from '../support/intl-offset.js';

const MIN = 60_000;

const ZONES = [
  'Europe/Rome',
  'America/New_York',
  'America/Sao_Paulo',
  'America/Santiago', // changes at midnight
  'America/Havana', // changes at midnight
  'Australia/Lord_Howe', // a 30-minute change
  'Asia/Kolkata', // +05:30, no change
  'Pacific/Chatham', // +12:45 / +13:45
  'Africa/Casablanca',
  'UTC',
];

// ---- the oracle ----------------------------------------------------------------------------------



function wall(zone: string, ms: number): { date: string; minute: number; weekday: number } {
  const local = ms + offsetOf(zone, ms);
  const d = new Date(local);
  return {
    date: d.toISOString().slice(0, 10),
    minute: d.getUTCHours() * 60 + d.getUTCMinutes(),
    weekday: (d.getUTCDay() + 6) % 7,
  };
}

function isBusiness(rules: CalendarRules, zone: string | null, ms: number): boolean {
  if (zone === null) return true;
  const { date, minute, weekday } = wall(zone, ms);
  const ranges =
    rules.open.get(date) ?? (rules.closed.has(date) ? [] : rules.always ? [[0, 1440] as const] : rules.weekly[weekday]!);
  return ranges.some(([a, b]) => a <= minute && minute < b);
}

const paused = (pauses: [number, number][], ms: number) => pauses.some(([a, b]) => a <= ms && ms < b);
const LIMIT = 45 * 1440;

/** Steps minute by minute: the instant after the target-th business minute (undefined past the limit). */
function oracleDue(
  rules: CalendarRules,
  zone: string | null,
  start: number,
  target: number,
  pauses: [number, number][],
): number | undefined {
  let count = 0;
  for (let i = 0, t = start; i < LIMIT; i++, t += MIN) {
    if (!isBusiness(rules, zone, t) || paused(pauses, t)) continue;
    if (count === target) return t;
    count++;
    if (count === target) return t + MIN;
  }
  return undefined;
}

function oracleElapsed(
  rules: CalendarRules,
  zone: string | null,
  start: number,
  end: number,
  pauses: [number, number][],
): number {
  let count = 0;
  for (let t = start; t < end; t += MIN) if (isBusiness(rules, zone, t) && !paused(pauses, t)) count++;
  return count * MIN;
}

// ---- random calendars ----------------------------------------------------------------------------

/** Minute marks biased to the edges that matter: midnight, the 02:00–03:00 changes, whole hours. */
const mark = fc.oneof(
  fc.constantFrom(0, 60, 90, 120, 150, 180, 210, 480, 540, 780, 840, 1020, 1080, 1380, 1425, 1440),
  fc.integer({ min: 0, max: 96 }).map((q) => q * 15),
  fc.integer({ min: 0, max: 1440 }),
);
const dayRanges: fc.Arbitrary<MinuteRange[]> = fc.uniqueArray(mark, { maxLength: 6 }).map((marks) => {
  const sorted = [...marks].sort((a, b) => a - b);
  const out: MinuteRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) if (sorted[i]! < sorted[i + 1]!) out.push([sorted[i]!, sorted[i + 1]!]);
  return out;
});

const FROM = Date.UTC(2025, 11, 20);
const TO = Date.UTC(2026, 11, 31);
const day = fc
  .integer({ min: 0, max: (TO - FROM) / 86_400_000 })
  .map((n) => new Date(FROM + n * 86_400_000).toISOString().slice(0, 10));
/** Start instants, half of them in the weeks around the 2026 clock changes of both hemispheres. */
const instant = fc.oneof(
  fc.integer({ min: FROM / MIN, max: TO / MIN }).map((m) => m * MIN),
  fc
    .constantFrom('2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-10-25', '2026-11-01', '2026-03-14')
    .chain((d) => fc.integer({ min: -3 * 1440, max: 3 * 1440 }).map((m) => Date.parse(`${d}T00:00:00Z`) + m * MIN)),
);

const calendarCase = fc.record({
  zone: fc.oneof(fc.constantFrom(...ZONES), fc.constant(null)),
  always: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  weekly: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
  closed: fc.uniqueArray(day, { maxLength: 4 }),
  open: fc.array(fc.tuple(day, dayRanges), { maxLength: 2 }),
});

type CalendarCase = typeof calendarCase extends fc.Arbitrary<infer C> ? C : never;

function build(c: CalendarCase): { rules: CalendarRules; zone: string | null } {
  const always = c.zone === null || c.always;
  const rules: CalendarRules = {
    name: 'random',
    always,
    weekly: c.weekly,
    closed: new Set(c.zone === null ? [] : c.closed),
    open: new Map(c.zone === null ? [] : c.open.filter(([, r]) => r.length > 0)),
  };
  return { rules, zone: c.zone };
}

const pausesNear = (start: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: -600, max: 6000 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 3 })
    .map((ps) => ps.map(([from, length]) => [start + from * MIN, start + (from + length) * MIN] as [number, number]));

describe('the business clock agrees with a minute-stepping oracle', () => {
  // Random calendars and tickets: 2 × 2500 in CI, 2 × 25k under `npm run reliability`.
  const numRuns = runs(2500, 25_000);
  it('on dueAt', () => {
    fc.assert(
      fc.property(
        calendarCase,
        instant.chain((start) => fc.tuple(fc.constant(start), pausesNear(start))),
        fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2400 })),
        (c, [start, pauses], target) => {
          const { rules, zone } = build(c);
          const expected = oracleDue(rules, zone, start, target, pauses);
          const got = dueAt(new BusinessCalendar(rules, zone), start, target * MIN, normalizePauses(pauses));
          if (expected === undefined) expect(got === null || got > start + LIMIT * MIN - 1).toBe(true);
          else expect(got).toBe(expected);
        },
      ),
      { numRuns },
    );
    figure('clock cases against the oracle', numRuns);
  });

  it('on elapsed business time', () => {
    fc.assert(
      fc.property(
        calendarCase,
        instant.chain((start) => fc.tuple(fc.constant(start), pausesNear(start), fc.integer({ min: -60, max: 10 * 1440 }))),
        (c, [start, pauses, length]) => {
          const { rules, zone } = build(c);
          const end = start + length * MIN;
          expect(elapsed(new BusinessCalendar(rules, zone), start, end, normalizePauses(pauses))).toBe(
            oracleElapsed(rules, zone, start, end, pauses),
          );
        },
      ),
      { numRuns },
    );
    figure('clock cases against the oracle', numRuns);
  });

  it('on elapsed business time with no pauses, over weeks (summed by whole days)', () => {
    fc.assert(
      fc.property(calendarCase, instant, fc.integer({ min: 0, max: 25 * 1440 }), (c, start, length) => {
        const { rules, zone } = build(c);
        const end = start + length * MIN;
        expect(elapsed(new BusinessCalendar(rules, zone), start, end)).toBe(oracleElapsed(rules, zone, start, end, []));
      }),
      { numRuns: 600 },
    );
  });
});
