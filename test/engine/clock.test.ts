// The business clock on the cases of the SLA issue, each worked out by hand on a calendar.
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { loadHolidayCatalog } from '../../dsl/index.js';
import { BusinessCalendar, type CalendarRules, type MinuteRange } from '../../engine/calendar.js';
import { clockStart, dueAt, elapsed } from '../../engine/clock.js';
import { formatInstant, windowClock } from '../../engine/sla.js';

const H = 3_600_000;
const hm = (h: number, m = 0) => h * 60 + m;
const weekdays = (...ranges: MinuteRange[]) => [ranges, ranges, ranges, ranges, ranges, [], []];

function calendar(
  zone: string | null,
  weekly: readonly (readonly MinuteRange[])[],
  more: Partial<CalendarRules> = {},
): BusinessCalendar {
  return new BusinessCalendar({ name: 'test', always: false, weekly, closed: new Set(), open: new Map(), ...more }, zone);
}
const at = (iso: string) => Date.parse(iso);
/** An instant as local ISO with offset, in a zone, for readable expectations. */
function local(ms: number | null, zone: string): string {
  if (ms === null) return 'never';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const offset = get('timeZoneName').replace('GMT', '') || '+00:00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}${offset}`;
}

describe('the business clock', () => {
  const rome = calendar('Europe/Rome', weekdays([hm(8), hm(17)]));

  it('Fri 2026-03-06 16:30 + 8 business hours → Mon 2026-03-09 15:30+01:00', () => {
    // Friday 16:30–17:00 is 30 min; Monday 08:00 + 7 h 30 = 15:30.
    expect(local(dueAt(rome, at('2026-03-06T16:30:00+01:00'), 8 * H), 'Europe/Rome')).toBe('2026-03-09T15:30+01:00');
  });

  it('Mon 08:00 + 9 h → Mon 17:00, the closing instant, not Tue 08:00', () => {
    expect(local(dueAt(rome, at('2026-03-09T08:00:00+01:00'), 9 * H), 'Europe/Rome')).toBe('2026-03-09T17:00+01:00');
  });

  it('starts the clock at the next business instant when opened outside hours', () => {
    expect(local(clockStart(rome, at('2026-03-07T11:00:00+01:00')), 'Europe/Rome')).toBe('2026-03-09T08:00+01:00');
    expect(local(dueAt(rome, at('2026-03-06T20:00:00+01:00'), 1 * H), 'Europe/Rome')).toBe('2026-03-09T09:00+01:00');
  });

  it('skips the lunch break: 12:30 + 1 h on 09:00–13:00, 14:00–18:00 → 14:30', () => {
    const lunch = calendar('Europe/Rome', weekdays([hm(9), hm(13)], [hm(14), hm(18)]));
    expect(local(dueAt(lunch, at('2026-03-10T12:30:00+01:00'), 1 * H), 'Europe/Rome')).toBe('2026-03-10T14:30+01:00');
  });

  it('does not count paused time: Mon 10:00 + 8 h on 09:00–18:00, paused 11:00–15:00 → Tue 13:00', () => {
    const office = calendar('Europe/Rome', weekdays([hm(9), hm(18)]));
    const pauses = [[at('2026-03-09T11:00:00+01:00'), at('2026-03-09T15:00:00+01:00')] as const];
    // Monday: 10–11 (1 h) and 15–18 (3 h); Tuesday 09:00 + 4 h = 13:00.
    expect(local(dueAt(office, at('2026-03-09T10:00:00+01:00'), 8 * H, pauses), 'Europe/Rome')).toBe('2026-03-10T13:00+01:00');
    expect(elapsed(office, at('2026-03-09T10:00:00+01:00'), at('2026-03-10T13:00:00+01:00'), pauses)).toBe(8 * H);
  });

  it('measures elapsed business time across a weekend', () => {
    expect(elapsed(rome, at('2026-03-06T16:00:00+01:00'), at('2026-03-09T09:00:00+01:00'))).toBe(2 * H);
    expect(elapsed(rome, at('2026-03-09T09:00:00+01:00'), at('2026-03-06T16:00:00+01:00'))).toBe(0);
  });
});

describe('holidays', () => {
  it('closes Italian Easter Monday 2026-04-06, 26 December and, from 2026, 4 October', async () => {
    const catalog = await loadHolidayCatalog();
    const it = calendar('Europe/Rome', weekdays([hm(9), hm(18)]), {
      holidays: (y) => catalog.closures('IT', undefined, ['public'], y),
    });
    // Thu 2 April 17:00 + 2 h: Friday 3 April is open (not an Italian holiday) → Fri 10:00.
    expect(local(dueAt(it, at('2026-04-02T17:00:00+02:00'), 2 * H), 'Europe/Rome')).toBe('2026-04-03T10:00+02:00');
    // Fri 3 April 17:00 + 2 h: the weekend, then Easter Monday is closed → Tue 7 April 10:00.
    expect(local(dueAt(it, at('2026-04-03T17:00:00+02:00'), 2 * H), 'Europe/Rome')).toBe('2026-04-07T10:00+02:00');
    // Thu 24 Dec 2026 17:00 + 2 h: 25 (Fri) and 26 (Sat) are holidays, 27 Sunday → Mon 28 10:00.
    expect(local(dueAt(it, at('2026-12-24T17:00:00+01:00'), 2 * H), 'Europe/Rome')).toBe('2026-12-28T10:00+01:00');
    // 26 December 2025 is a Friday, and closed: Thu 25 is Christmas, so Wed 24 17:00 + 2 h → Mon 29.
    expect(local(dueAt(it, at('2025-12-24T17:00:00+01:00'), 2 * H), 'Europe/Rome')).toBe('2025-12-29T10:00+01:00');
    // 4 October 2027 is a Monday and a holiday → Fri 1 Oct 17:00 + 2 h → Tue 5 Oct 10:00.
    expect(local(dueAt(it, at('2027-10-01T17:00:00+02:00'), 2 * H), 'Europe/Rome')).toBe('2027-10-05T10:00+02:00');
    // In 2025 it was not: Fri 3 Oct 2025 17:00 + 2 h → Mon 6 Oct 10:00 (4 Oct 2025 was a Saturday, so check 2024:
    // Thu 3 Oct 2024 17:00 + 2 h → Fri 4 Oct 2024 10:00, a working day then).
    expect(local(dueAt(it, at('2024-10-03T17:00:00+02:00'), 2 * H), 'Europe/Rome')).toBe('2024-10-04T10:00+02:00');
  });

  it("closes Brazil's 2026-11-20, and not Carnival unless the calendar lists bank holidays", async () => {
    const catalog = await loadHolidayCatalog();
    const publicOnly = calendar('America/Sao_Paulo', weekdays([hm(9), hm(18)]), {
      holidays: (y) => catalog.closures('BR', undefined, ['public'], y),
    });
    // Thu 19 Nov 17:00 + 2 h: Fri 20 Nov (Consciência Negra) closed → Mon 23 Nov 10:00.
    expect(local(dueAt(publicOnly, at('2026-11-19T17:00:00-03:00'), 2 * H), 'America/Sao_Paulo')).toBe('2026-11-23T10:00-03:00');
    // Carnival Monday 16 Feb 2026 is not a public holiday: Fri 13 Feb 17:00 + 2 h → Mon 16 Feb 10:00.
    expect(local(dueAt(publicOnly, at('2026-02-13T17:00:00-03:00'), 2 * H), 'America/Sao_Paulo')).toBe('2026-02-16T10:00-03:00');
    const withBank = calendar('America/Sao_Paulo', weekdays([hm(9), hm(18)]), {
      holidays: (y) => catalog.closures('BR', undefined, ['public', 'bank'], y),
    });
    // With bank holidays, Carnival Monday and Tuesday close → Wed 18 Feb 10:00.
    expect(local(dueAt(withBank, at('2026-02-13T17:00:00-03:00'), 2 * H), 'America/Sao_Paulo')).toBe('2026-02-18T10:00-03:00');
  });

  it('opens an extra day and closes an extra date', () => {
    const office = calendar('Europe/Rome', weekdays([hm(9), hm(18)]), {
      closed: new Set(['2026-03-09']),
      open: new Map([['2026-03-07', [[hm(9), hm(12)]] as const]]),
    });
    // Fri 17:00 + 4 h: Fri 1 h, Sat 09–12 3 h → Sat 12:00 (the closing instant).
    expect(local(dueAt(office, at('2026-03-06T17:00:00+01:00'), 4 * H), 'Europe/Rome')).toBe('2026-03-07T12:00+01:00');
    // One more hour: Monday is closed → Tue 10:00.
    expect(local(dueAt(office, at('2026-03-06T17:00:00+01:00'), 5 * H), 'Europe/Rome')).toBe('2026-03-10T10:00+01:00');
  });
});

describe('daylight saving', () => {
  it('counts 24x7 hours as real hours across the 2026-03-29 and 2026-10-25 changes in Europe/Rome', () => {
    const always = new BusinessCalendar(
      { name: 'always', always: true, weekly: [], closed: new Set(), open: new Map() },
      'Europe/Rome',
    );
    // Sat 28 Mar 22:00+01:00 + 8 h = 06:00Z... i.e. 21:00Z + 8 h = 05:00Z = 07:00+02:00 (the wall clock jumped).
    expect(local(dueAt(always, at('2026-03-28T22:00:00+01:00'), 8 * H), 'Europe/Rome')).toBe('2026-03-29T07:00+02:00');
    // Sat 24 Oct 22:00+02:00 + 8 h = 20:00Z + 8 h = 04:00Z = 05:00+01:00.
    expect(local(dueAt(always, at('2026-10-24T22:00:00+02:00'), 8 * H), 'Europe/Rome')).toBe('2026-10-25T05:00+01:00');
    const realTime = new BusinessCalendar({ name: 'always', always: true, weekly: [], closed: new Set(), open: new Map() }, null);
    expect(dueAt(realTime, at('2026-03-28T22:00:00+01:00'), 8 * H)).toBe(at('2026-03-29T07:00:00+02:00'));
  });

  it('keeps business hours on the wall clock across the changes', () => {
    const everyDay = calendar(
      'Europe/Rome',
      [0, 1, 2, 3, 4, 5, 6].map(() => [[hm(8), hm(17)] as const]),
    );
    // Sat 28 Mar 16:00+01:00 + 2 h: 1 h on Saturday, Sunday 08:00+02:00 + 1 h = 09:00+02:00.
    expect(local(dueAt(everyDay, at('2026-03-28T16:00:00+01:00'), 2 * H), 'Europe/Rome')).toBe('2026-03-29T09:00+02:00');
    // Sat 24 Oct 16:00+02:00 + 2 h → Sun 25 Oct 09:00+01:00.
    expect(local(dueAt(everyDay, at('2026-10-24T16:00:00+02:00'), 2 * H), 'Europe/Rome')).toBe('2026-10-25T09:00+01:00');
  });

  it('makes a business day spanning the change shorter or longer in real time', () => {
    const night = calendar(
      'Europe/Rome',
      [0, 1, 2, 3, 4, 5, 6].map(() => [[hm(0), hm(24)] as const]),
    );
    // 29 March has 23 real hours, 25 October 25.
    expect(elapsed(night, at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'))).toBe(23 * H);
    expect(elapsed(night, at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00'))).toBe(25 * H);
    // An interval starting inside the gap (02:30–04:00) starts when the clock jumps to 03:00.
    const gap = calendar(
      'Europe/Rome',
      [0, 1, 2, 3, 4, 5, 6].map(() => [[hm(2, 30), hm(4)] as const]),
    );
    expect(local(clockStart(gap, at('2026-03-29T00:00:00+01:00')), 'Europe/Rome')).toBe('2026-03-29T03:00+02:00');
    expect(elapsed(gap, at('2026-03-29T00:00:00+01:00'), at('2026-03-29T12:00:00+02:00'))).toBe(1 * H);
    // The repeated hour counts twice: on 25 October the wall clock reads 02:30–03:00 twice
    // (00:30–01:00Z and 01:30–02:00Z) and 03:00–04:00 once (02:00–03:00Z): 2 h of real time,
    // against 1 h 30 on an ordinary day.
    expect(elapsed(gap, at('2026-10-25T00:00:00+02:00'), at('2026-10-25T12:00:00+01:00'))).toBe(2 * H);
    expect(elapsed(gap, at('2026-10-26T00:00:00+01:00'), at('2026-10-26T12:00:00+01:00'))).toBe(1.5 * H);
  });

  it('follows an America/New_York calendar across the US change on 2026-03-08', () => {
    const ny = calendar('America/New_York', weekdays([hm(9), hm(17)]));
    // Fri 6 Mar 16:00-05:00 + 3 h: 1 h Friday, Mon 9 Mar 09:00-04:00 + 2 h = 11:00-04:00 (15:00Z, not 16:00Z).
    expect(local(dueAt(ny, at('2026-03-06T16:00:00-05:00'), 3 * H), 'America/New_York')).toBe('2026-03-09T11:00-04:00');
    expect(dueAt(ny, at('2026-03-06T16:00:00-05:00'), 3 * H)).toBe(at('2026-03-09T15:00:00Z'));
  });
});

describe('speed', () => {
  it('does not hang on a one-year target', () => {
    const rome = calendar('Europe/Rome', weekdays([hm(9), hm(13)], [hm(14), hm(18)]));
    const due = dueAt(rome, at('2026-01-05T09:00:00+01:00'), 250 * 8 * H);
    expect(due).not.toBeNull();
    expect(elapsed(rome, at('2026-01-05T09:00:00+01:00'), due!)).toBe(250 * 8 * H);
  });

  it('gives up (null) on a calendar that is never open', () => {
    expect(dueAt(calendar('Europe/Rome', [[], [], [], [], [], [], []]), at('2026-01-05T09:00:00+01:00'), H)).toBeNull();
  });
});

describe('formatInstant', () => {
  const zones = [
    'Europe/Rome',
    'America/Sao_Paulo',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'America/St_Johns',
    'UTC',
    'Pacific/Chatham',
  ];
  it('writes what Temporal writes, for any instant in any zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1950-01-01T00:00:00Z'), max: Date.parse('2150-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (ms, zone, whole) => {
          const at = whole ? ms - (ms % 1000) : ms;
          const want = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone).toString({ timeZoneName: 'never' });
          expect(formatInstant(at, zone, '+00:00')).toBe(want);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('writes a fixed offset when there is no zone', () => {
    expect(formatInstant(Date.parse('2026-03-09T14:30:00Z'), null, '+01:00')).toBe('2026-03-09T15:30:00+01:00');
    expect(formatInstant(Date.parse('2026-03-09T14:30:00.250Z'), null, '-03:30')).toBe('2026-03-09T11:00:00.25-03:30');
    expect(formatInstant(Date.parse('2026-03-09T14:30:00Z'), null, 'Z')).toBe('2026-03-09T14:30:00+00:00');
  });
});

describe('a window whose target is never used up within the clock', () => {
  // A calendar without one business minute in the clock's five years: no due date. The target was
  // not used up: answered, it was met; unanswered, it runs; never breached.
  const closed = new BusinessCalendar(
    { name: 'closed', always: false, weekly: [[], [], [], [], [], [], []], closed: new Set(), open: new Map() },
    'Europe/Rome',
  );
  const opened = '2026-03-02T09:00:00+01:00';
  it('is met when stopped, running when not, never breached', () => {
    const stopped = windowClock(closed, opened, 60 * 60_000, [], '2026-03-03T09:00:00+01:00', null, 'Europe/Rome');
    expect(stopped.dueAt).toBeNull();
    expect(stopped.status).toBe('met');
    const running = windowClock(closed, opened, 60 * 60_000, [], null, '2026-04-01T00:00:00+02:00', 'Europe/Rome');
    expect(running.status).toBe('running');
    expect(running.remaining).toBe('PT1H');
  });
});
