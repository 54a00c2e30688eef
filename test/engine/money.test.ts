// Money: exact decimals rounded half-up, checked by hand on the Logbot cases and against plain
// integer arithmetic in cents over random rates, minutes, minimums, increments and tax rates.
import fc from 'fast-check';
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { billableMinutes, charge, currencyDigits, format, money, percentOf, add, round } from '../../engine/money.js';

const eur = (a: string) => money(a, 'EUR', 2);

describe('the Logbot cases', () => {
  it('7 minutes at 1 logbit/minute with a 15-minute minimum → 15 logbit', () => {
    const billable = billableMinutes(7, 15);
    expect(billable).toBe(15);
    expect(format(charge(money('1', 'logbit', 0), 'minute', billable))).toBe('15');
  });

  it('20 minutes at 75.00 EUR/hour + 22% with a 30-minute minimum → 37.50 + 8.25 = 45.75', () => {
    const amount = charge(eur('75.00'), 'hour', billableMinutes(20, 30));
    const tax = percentOf(amount, '22');
    expect([format(amount), format(tax), format(add(amount, tax))]).toEqual(['37.50', '8.25', '45.75']);
  });

  it('31 minutes → 38.75 + 8.53 = 47.28 (8.525 rounds half-up)', () => {
    const amount = charge(eur('75.00'), 'hour', billableMinutes(31, 30));
    const tax = percentOf(amount, '22');
    expect([format(amount), format(tax), format(add(amount, tax))]).toEqual(['38.75', '8.53', '47.28']);
  });

  it('LOGBOT-CREDIT-100 → 112.00 + 24.64 = 136.64', () => {
    const tax = percentOf(eur('112.00'), '22');
    expect([format(tax), format(add(eur('112.00'), tax))]).toEqual(['24.64', '136.64']);
  });
});

describe('money', () => {
  it('knows the minor digits of ISO currencies and of declared ones', () => {
    expect([
      currencyDigits('EUR'),
      currencyDigits('JPY'),
      currencyDigits('BHD'),
      currencyDigits('logbit', { logbit: 0 }),
    ]).toEqual([2, 0, 3, 0]);
  });

  it('raises to the minimum, then to the increment', () => {
    expect([
      billableMinutes(7, 15),
      billableMinutes(16, 15, 15),
      billableMinutes(31, 30),
      billableMinutes(31, 30, 5),
      billableMinutes(0),
    ]).toEqual([15, 30, 31, 35, 0]);
  });

  it('does not drift where binary floating point would (0.1 + 0.2)', () => {
    expect(format(add(eur('0.1'), eur('0.2')))).toBe('0.30');
    expect(format(round(money('1.005', 'EUR', 2)))).toBe('1.01');
  });
});

/** Half-up division of non-negative integers. */
const divHalfUp = (n: bigint, d: bigint) => (n * 2n + d) / (2n * d);
const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

describe('against integer arithmetic in cents', () => {
  it('gives the same amount, tax and total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500_000 }), // rate in cents
        fc.constantFrom('minute' as const, 'hour' as const),
        fc.integer({ min: 0, max: 2000 }), // worked minutes
        fc.integer({ min: 0, max: 120 }), // minimum
        fc.integer({ min: 1, max: 30 }), // increment
        fc.integer({ min: 0, max: 3000 }), // tax in hundredths of a percent (0–30.00%)
        (rateCents, per, worked, minimum, increment, taxBp) => {
          const billable = Math.ceil(Math.max(worked, minimum) / increment) * increment;
          expect(billableMinutes(worked, minimum, increment)).toBe(billable);
          const raw = BigInt(rateCents) * BigInt(billable);
          const amountCents = per === 'minute' ? raw : divHalfUp(raw, 60n);
          const taxCents = divHalfUp(amountCents * BigInt(taxBp), 10_000n);
          const amount = charge(eur(cents(BigInt(rateCents))), per, billable);
          const tax = percentOf(amount, (taxBp / 100).toFixed(2));
          expect([format(amount), format(tax), format(add(amount, tax))]).toEqual([
            cents(amountCents),
            cents(taxCents),
            cents(amountCents + taxCents),
          ]);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('format', () => {
  it('writes any amount as rounding it half-up to the currency and writing that does', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,7}$/), fc.stringMatching(/^[0-9]{0,6}$/), fc.integer({ min: -3, max: 3 }))
      .map(([negative, whole, fraction, shift]) => new Big(`${negative ? '-' : ''}${whole}.${fraction || '0'}e${shift}`));
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 4 }), (amount, digits) => {
        expect(format({ amount, currency: 'X', digits })).toBe(amount.round(digits, 1).toFixed(digits));
      }),
      { numRuns: 20_000 },
    );
    expect(format(money('-0.004', 'EUR', 2))).toBe('0.00');
    expect(format(money('-0.005', 'EUR', 2))).toBe('-0.01');
    expect(format(money('-0', 'EUR', 2))).toBe('0.00');
  });
});
