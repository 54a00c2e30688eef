// Date arithmetic and comparisons of the expression language, checked against the calendar.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  addMonths,
  compareValues,
  endOfMonth,
  instant,
  isoDuration,
  startOfYear,
  valuesEqual,
} from '../../engine/values.js';
import { isRealDate } from '../../dsl/index.js';
import { isRealDateTime } from '../../engine/facts.js';

describe('date functions', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-29'], // leap February
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-02-29', 12, '2025-02-28'], // a card bought on 29 February, 12 months on
    ['2024-03-15', -3, '2023-12-15'],
    ['2024-12-01', 1, '2025-01-01'],
  ])('addMonths(%s, %d) = %s', (d, n, want) => {
    expect(addMonths(d, n)).toBe(want);
  });

  it('moves a datetime by months on its wall clock in a zone', () => {
    // 10:00 on 31 January in Rome (+01:00); a month on is 29 February 2024 (clamped), still +01:00.
    expect(addMonths('2024-01-31T10:00:00+01:00', 1, 'Europe/Rome')).toBe('2024-02-29T10:00:00+01:00');
    // The same instant written in UTC moves alike: the zone, not the written offset, decides.
    expect(addMonths('2024-01-31T09:00:00Z', 1, 'Europe/Rome')).toBe('2024-02-29T10:00:00+01:00');
    // 10:00 on 1 March in Rome is +01:00; on 1 April (after the change of 29 March) +02:00.
    expect(addMonths('2026-03-01T09:00:00Z', 1, 'Europe/Rome')).toBe('2026-04-01T10:00:00+02:00');
    // 23:30 on 9 March in São Paulo (-03:00) plus one day: 23:30 on 10 March.
    expect(addDays('2026-03-10T02:30:00Z', 1, 'America/Sao_Paulo')).toBe('2026-03-10T23:30:00-03:00');
  });

  it('adds days across months and years', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('finds the start of the year and the end of the month', () => {
    expect(startOfYear('2026-11-22T10:00:00-03:00', 'America/Sao_Paulo')).toBe('2026-01-01');
    // 23:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Rome (+01:00).
    expect(startOfYear('2025-12-31T23:30:00Z', 'Europe/Rome')).toBe('2026-01-01');
    expect(startOfYear('2025-12-31T23:30:00Z', 'UTC')).toBe('2025-01-01');
    expect(endOfMonth('2024-02-10')).toBe('2024-02-29');
    // 23:00 UTC on 30 April is 01:00 on 1 May in Rome (+02:00): the month is May.
    expect(endOfMonth('2026-04-30T23:00:00Z', 'Europe/Rome')).toBe('2026-05-31');
    expect(endOfMonth('2026-04-30T23:00:00Z', 'America/Sao_Paulo')).toBe('2026-04-30');
  });
});

describe('comparisons', () => {
  it('orders datetimes as instants, whatever their offsets', () => {
    expect(compareValues('2026-03-09T10:00:00+01:00', '2026-03-09T09:30:00Z')).toBe(-1);
    expect(valuesEqual('2026-03-09T10:00:00+01:00', '2026-03-09T09:00:00Z')).toBe(true);
  });

  it("compares a datetime with a date by the datetime's local date in the zone", () => {
    const sp = 'America/Sao_Paulo';
    expect(compareValues('2026-03-09T23:30:00-03:00', '2026-03-09', sp)).toBe(0);
    expect(compareValues('2026-03-09T23:30:00-03:00', '2026-03-10', sp)).toBe(-1);
    // The same instant written in UTC (02:30 on 10 March) is still 9 March in São Paulo.
    expect(compareValues('2026-03-10T02:30:00Z', '2026-03-10', sp)).toBe(-1);
    // In Rome (+01:00) that instant is 03:30 on 10 March.
    expect(compareValues('2026-03-10T02:30:00Z', '2026-03-10', 'Europe/Rome')).toBe(0);
    expect(valuesEqual('2026-03-09T08:00:00+01:00', '2026-03-09', 'Europe/Rome')).toBe(true);
  });

  it('cannot order values of different kinds', () => {
    expect(compareValues(3, '2026-01-01')).toBeUndefined();
    expect(compareValues(null, 3)).toBeUndefined();
  });
});

describe('isoDuration', () => {
  it.each([
    [15, 'PT15M'],
    [60, 'PT1H'],
    [90, 'PT1H30M'],
    [1440, 'PT24H'],
    [0, 'PT0M'],
  ])('%d minutes = %s', (m, want) => {
    expect(isoDuration(m)).toBe(want);
  });
});

describe('instant', () => {
  const two = (n: number) => String(n).padStart(2, '0');
  it('reads every datetime as Date.parse does, in range or not', () => {
    const text = fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 25 }),
        mi: fc.integer({ min: 0, max: 61 }),
        s: fc.option(fc.integer({ min: 0, max: 61 })),
        frac: fc.option(fc.stringMatching(/^[0-9]{1,5}$/)),
        off: fc.oneof(
          fc.constant('Z'),
          fc
            .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
            .map(([sg, a, b]) => `${sg}${two(a)}:${two(b)}`),
          fc.constant(''),
        ),
      })
      .map(({ y, mo, d, h, mi, s, frac, off }) => {
        const sec = s === null ? '' : `:${two(s)}${frac === null ? '' : `.${frac}`}`;
        return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}${sec}${off}`;
      });
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (t) => {
        expect(Object.is(instant(t), Date.parse(t)), t).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes a date or a datetime as real exactly when their patterns and the calendar do', () => {
    const realDate = (t: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
      return (
        m !== null &&
        Number(m[2]) >= 1 &&
        Number(m[2]) <= 12 &&
        Number(m[3]) >= 1 &&
        // setUTCFullYear: Date.UTC reads years 0–99 as 1900–1999.
        Number(m[3]) <= new Date(new Date(0).setUTCFullYear(Number(m[1]), Number(m[2]), 0)).getUTCDate()
      );
    };
    // RFC 3339: hours 00–23 (no T24:00), offsets to ±23:59.
    const realDateTime = (t: string) =>
      /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):\d{2})$/.test(t) &&
      realDate(t.slice(0, 10)) &&
      !Number.isNaN(Date.parse(t));
    const date = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      .map(([y, mo, d]) => `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}`);
    const time = fc
      .tuple(
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('', ':07', ':60', ':5', '.5', ':07.123', ':07.1234567', ':07.'),
      )
      .map(([h, mi, rest]) => `T${two(h)}:${two(mi)}${rest}`);
    const zone = fc.constantFrom('Z', '+01:00', '-03:00', '+24:00', '+01:60', '', 'z', '+0100');
    const text = fc.oneof(
      date,
      fc.tuple(date, time, zone).map((p) => p.join('')),
      fc.string(),
      date.map((d) => ` ${d}`),
      date.map((d) => `${d}\n`),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(isRealDate(t), t).toBe(realDate(t));
        expect(isRealDateTime(t), t).toBe(realDateTime(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the usual shapes', () => {
    expect(instant('2026-03-10T10:00:00+01:00')).toBe(Date.UTC(2026, 2, 10, 9));
    expect(instant('2024-02-29T23:59:59.5-03:00')).toBe(Date.UTC(2024, 2, 1, 2, 59, 59, 500));
    expect(instant('1969-12-31T23:59Z')).toBe(-60_000);
  });
});
