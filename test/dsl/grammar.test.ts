// The grammar itself: chevrotain's own validations (skipped at run time for a fast start) pass,
// and each entry point reads what an admin writes.
import { describe, expect, it } from 'vitest';
import { PolicyExpressionParser, createLexer } from '../../dsl/grammar.js';
import { parseDuration, parseExpression, parseMoney, parsePercent, parseRate, parseWeeklyHours } from '../../dsl/index.js';
import { locate } from '../support/helpers.js';

describe('the grammar', () => {
  it('passes chevrotain validations for the lexer and the parser', () => {
    expect(() => createLexer(true)).not.toThrow();
    expect(() => new PolicyExpressionParser(true)).not.toThrow();
  });
});

describe('durations', () => {
  it.each([
    ['15 minutes', { amount: 15, unit: 'minute', business: false }],
    ['1 hour', { amount: 1, unit: 'hour', business: false }],
    ['8 business hours', { amount: 8, unit: 'hour', business: true }],
    ['3 business days', { amount: 3, unit: 'day', business: true }],
    ['60 mins', { amount: 60, unit: 'minute', business: false }],
  ])('%s', (text, want) => {
    const r = parseDuration(text, locate);
    expect(r.ok && r.value).toMatchObject(want);
  });

  it('names a calendar with in', () => {
    const r = parseDuration('2 business days in office', locate);
    expect(r.ok && r.value.calendar?.name).toBe('office');
  });

  it('rejects a misspelt business with a hint', () => {
    const r = parseDuration('8 bussiness hours', locate);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnostics[0]!.hint).toContain("'business'");
  });
});

describe('weekly hours', () => {
  it('reads several intervals a day and several day groups', () => {
    const r = parseWeeklyHours('mon-fri 09:00-13:00, 14:00-18:00, sat 09:00-13:00', locate);
    expect(r.ok).toBe(true);
    if (!r.ok || r.value.kind !== 'weekly') return;
    expect(r.value.groups.map((g) => [g.days.join(','), g.ranges.map((x) => [x.start, x.end])])).toEqual([
      [
        'mon,tue,wed,thu,fri',
        [
          [540, 780],
          [840, 1080],
        ],
      ],
      ['sat', [[540, 780]]],
    ]);
  });

  it('reads day lists, full day names and 24:00', () => {
    const r = parseWeeklyHours('monday, wed 00:00-24:00; sun 10:00-12:00', locate);
    expect(r.ok && r.value.kind === 'weekly' && r.value.groups.map((g) => g.days)).toEqual([['mon', 'wed'], ['sun']]);
  });

  it('reads 24x7', () => {
    const r = parseWeeklyHours('24x7', locate);
    expect(r.ok && r.value.kind).toBe('always');
  });

  it.each(['mon-fri 9-18', 'fri-mon 09:00-18:00', 'mon-fri 09:00-24:30', 'someday 09:00-10:00', 'mon-fri'])(
    'rejects %s',
    (text) => {
      expect(parseWeeklyHours(text, locate).ok).toBe(false);
    },
  );
});

describe('money', () => {
  it('keeps the digits as written', () => {
    const r = parseRate('75.00 EUR per hour', locate);
    expect(r.ok && [r.value.money.amount, r.value.money.currency, r.value.per]).toEqual(['75.00', 'EUR', 'hour']);
    const m = parseMoney('112.00 EUR', locate);
    expect(m.ok && m.value.amount).toBe('112.00');
    const p = parsePercent('22%', locate);
    expect(p.ok && p.value.value).toBe('22');
  });

  it('rejects a rate per day', () => {
    expect(parseRate('100 EUR per day', locate).ok).toBe(false);
  });
});

describe('conditions', () => {
  it('binds and tighter than or, and not tighter than both', () => {
    const r = parseExpression('not a or b and c', locate);
    expect(r.ok && r.value.kind === 'logical' && r.value.op).toBe('or');
    if (!r.ok || r.value.kind !== 'logical') return;
    expect(r.value.operands[0]!.kind).toBe('not');
    expect(r.value.operands[1]!.kind === 'logical' && r.value.operands[1]!.op).toBe('and');
  });

  it('reads dates, datetimes, negative numbers and not in', () => {
    const r = parseExpression('openedAt >= 2024-02-29T09:00:00+01:00 and d < 2024-12-31 and n > -1 and c not in ["x"]', locate);
    expect(r.ok).toBe(true);
  });

  it.each([
    ['a = 1', "'=='"],
    ['a && b', "'and'"],
    ['a || b', "'or'"],
    ['!a', "'not'"],
    ['a AND b', "'and'"],
  ])('explains %s', (text, hint) => {
    const r = parseExpression(text, locate);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnostics[0]!.hint).toContain(hint);
  });

  it('rejects dates that do not exist', () => {
    expect(parseExpression('d == 2023-02-29', locate).ok).toBe(false);
    expect(parseExpression('d == 2024-02-29', locate).ok).toBe(true);
  });
});
