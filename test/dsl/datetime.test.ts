// dsl/datetime.ts: datetimes read strictly, zone names canonical, and an instant's local date in a
// zone, each checked against an independent oracle (Temporal) as well as by hand.
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  canonicalZone,
  formatInZone,
  isDateTime,
  isTimeZone,
  localDate,
  offsetAt,
  readDateTime,
  utcText,
  zoneNames,
} from '../../dsl/index.js';

describe('reading datetimes', () => {
  it('reads RFC 3339 with its offset', () => {
    // 22:00 at -03:00 is 01:00 UTC the next day.
    expect(readDateTime('2026-03-09T22:00:00-03:00')).toBe(Date.UTC(2026, 2, 10, 1));
    expect(readDateTime('2026-03-10T01:00:00Z')).toBe(Date.UTC(2026, 2, 10, 1));
    expect(readDateTime('2026-03-10T01:00:00.123456789Z')).toBe(Date.UTC(2026, 2, 10, 1, 0, 0, 123));
    expect(readDateTime('2024-02-29T23:59:59.5+14:00')).toBe(Date.UTC(2024, 1, 29, 9, 59, 59, 500));
  });

  it.each([
    ['2026-03-09T24:00:00Z', 'hour 24'],
    ['2026-13-01T10:00:00Z', 'month 13'],
    ['2026-02-30T10:00:00Z', '30 February'],
    ['2025-02-29T10:00:00Z', '29 February of a common year'],
    ['2026-03-09T10:00:00', 'no offset'],
    ['2026-03-09T10:60:00Z', 'minute 60'],
    ['2026-03-09T10:00:60Z', 'second 60'],
    ['2026-03-09T10:00:00+24:00', 'offset of 24 hours'],
    ['2026-03-09T10:00:00.Z', 'an empty fraction'],
    ['2026-03-09T10:00:00.1234567891Z', 'ten digits of fraction'],
    ['2026-03-09 10:00:00Z', 'a space for T'],
    ['2026-03-09', 'a date'],
  ])('refuses %s (%s)', (text) => {
    expect(isDateTime(text)).toBe(false);
    expect(readDateTime(text)).toBeNaN();
  });

  it('agrees with Temporal on every datetime it accepts, and accepts what Temporal does in RFC 3339 form', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    const text = fc
      .record({
        y: fc.integer({ min: 2000, max: 2100 }),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 25 }),
        mi: fc.integer({ min: 0, max: 60 }),
        s: fc.integer({ min: 0, max: 60 }),
        off: fc.oneof(
          fc.constant('Z'),
          fc
            .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 59 }))
            .map(([sg, a, b]) => `${sg}${two(a)}:${two(b)}`),
        ),
      })
      .map(({ y, mo, d, h, mi, s, off }) => `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${off}`);
    fc.assert(
      fc.property(text, (t) => {
        let oracle: number;
        try {
          // Temporal reads RFC 9557 (a superset): out-of-range fields throw, as they should here.
          oracle = Temporal.Instant.from(t).epochMilliseconds;
        } catch {
          oracle = Number.NaN;
        }
        // Temporal takes second 60 as 59 (a leap second); RFC 3339 text here may not say 60.
        if (t.slice(17, 19) === '60') oracle = Number.NaN;
        expect(Object.is(readDateTime(t), oracle), t).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes an instant in UTC as its canonical text', () => {
    expect(utcText('2026-03-09T22:00:00-03:00')).toBe('2026-03-10T01:00:00.000Z');
    expect(utcText('nonsense')).toBeNull();
  });
});

describe('zone names', () => {
  it.each([
    ['eUrope/rome', 'Europe/Rome'],
    ['Europe/Rome', 'Europe/Rome'],
    ['america/sao_paulo', 'America/Sao_Paulo'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['GMT', 'UTC'],
    ['US/Eastern', 'America/New_York'],
  ])('%s is %s', (name, canonical) => {
    expect(canonicalZone(name)).toEqual({ ok: true, zone: canonical });
  });

  it.each(['EST', 'MST', 'HST', 'EST5EDT', 'pst8pdt', 'CET', 'Etc/GMT+5', 'Etc/GMT-3', 'GMT+1', 'UTC-3', '+01:00', 'Z'])(
    'refuses the fixed offset %s',
    (name) => {
      const z = canonicalZone(name);
      expect(z.ok).toBe(false);
      if (!z.ok) expect(z.kind).toBe('fixed');
    },
  );

  it.each(['Europe/Roma', 'Mars/Olympus', '', 'Europe/Rome '])('refuses the unknown zone %j', (name) => {
    expect(canonicalZone(name)).toMatchObject({ ok: false, kind: 'unknown' });
  });

  it('accepts every place Intl knows, in any case, and canonically', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zoneNames()), fc.boolean(), (zone, upper) => {
        const written = upper ? zone.toUpperCase() : zone.toLowerCase();
        expect(canonicalZone(written)).toEqual({ ok: true, zone });
        expect(isTimeZone(written)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('instants in a zone', () => {
  it('gives the local date by hand-worked cases', () => {
    // 01:00 UTC on 10 March is 22:00 on 9 March in São Paulo (-03:00, no daylight saving since 2019).
    expect(localDate(Date.UTC(2026, 2, 10, 1), 'America/Sao_Paulo')).toBe('2026-03-09');
    // 23:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Rome (+01:00).
    expect(localDate(Date.UTC(2025, 11, 31, 23, 30), 'Europe/Rome')).toBe('2026-01-01');
    // 22:30 UTC on 14 June is 00:30 on 15 June in Rome (+02:00, summer time).
    expect(localDate(Date.UTC(2026, 5, 14, 22, 30), 'Europe/Rome')).toBe('2026-06-15');
    // Kiritimati is +14:00: 10:00 UTC is midnight of the next day.
    expect(localDate(Date.UTC(2026, 0, 1, 10), 'Pacific/Kiritimati')).toBe('2026-01-02');
    expect(localDate(Date.UTC(2026, 0, 1, 10), 'UTC')).toBe('2026-01-01');
  });

  it("agrees with Temporal on an instant's local date and offset in any zone", () => {
    const zones = zoneNames();
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 11, 31) }),
        fc.constantFrom(...zones, 'UTC'),
        (ms, zone) => {
          const zdt = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
          expect(localDate(ms, zone)).toBe(zdt.toPlainDate().toString());
          expect(offsetAt(zone, ms)).toBe(zdt.offsetNanoseconds / 1e6);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('writes an instant with its zone offset', () => {
    expect(formatInZone(Date.UTC(2026, 2, 10, 1), 'America/Sao_Paulo')).toBe('2026-03-09T22:00:00-03:00');
    expect(formatInZone(Date.UTC(2026, 5, 14, 22, 30, 0, 500), 'Europe/Rome')).toBe('2026-06-15T00:30:00.500+02:00');
  });
});
