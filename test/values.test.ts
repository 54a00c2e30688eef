// Date arithmetic and comparisons of the expression language, checked against the calendar.
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, compareValues, endOfMonth, isoDuration, startOfYear, valuesEqual } from '../engine/values.js';

describe('date functions', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-29'], // leap February
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-02-29', 12, '2025-02-28'], // a card bought on 29 February, 12 months on
    ['2024-03-15', -3, '2023-12-15'],
    ['2024-12-01', 1, '2025-01-01'],
    ['2024-01-31T10:00:00+01:00', 1, '2024-02-29T10:00:00+01:00'],
  ])('addMonths(%s, %d) = %s', (d, n, want) => {
    expect(addMonths(d, n)).toBe(want);
  });

  it('adds days across months and years', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('finds the start of the year and the end of the month', () => {
    expect(startOfYear('2026-11-22T10:00:00-03:00')).toBe('2026-01-01');
    expect(endOfMonth('2024-02-10')).toBe('2024-02-29');
    expect(endOfMonth('2026-04-30T23:00:00Z')).toBe('2026-04-30');
  });
});

describe('comparisons', () => {
  it('orders datetimes as instants, whatever their offsets', () => {
    expect(compareValues('2026-03-09T10:00:00+01:00', '2026-03-09T09:30:00Z')).toBe(-1);
    expect(valuesEqual('2026-03-09T10:00:00+01:00', '2026-03-09T09:00:00Z')).toBe(true);
  });

  it('compares a datetime with a date by its calendar date as written', () => {
    expect(compareValues('2026-03-09T23:30:00-03:00', '2026-03-09')).toBe(0);
    expect(compareValues('2026-03-09T23:30:00-03:00', '2026-03-10')).toBe(-1);
    expect(valuesEqual('2026-03-09T08:00:00+01:00', '2026-03-09')).toBe(true);
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
