// Exact money: decimal amounts (big.js, never binary floating point) in a currency with its
// minor digits (EUR 2, logbit 0), rounded half-up to the minor unit, printed as strings.
import Big from 'big.js';
import { BYTES, boundedCache } from '../dsl/index.js';

// Intermediate results (a rate prorated per minute) keep plenty of digits before rounding.
Big.DP = 30;
const HALF_UP = 1;

export interface Money {
  readonly amount: Big;
  readonly currency: string;
  /** Digits after the decimal point of the currency's minor unit. */
  readonly digits: number;
}

/** By currency code as policies write it: /v1/try compiles any, so bounded. */
const isoDigits = boundedCache<string, number>({
  name: 'currency digits',
  max: 512,
  maxBytes: 64 * 1024,
  bytesOf: (_d, code) => BYTES.object + BYTES.string(code),
});

/** Minor digits of a currency: the policy's own (`billing.currencies`), else ISO 4217's. */
export function currencyDigits(currency: string, declared: Readonly<Record<string, number>> = {}): number {
  const own = declared[currency];
  if (own !== undefined) return own;
  let digits = isoDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    isoDigits.set(currency, digits);
  }
  return digits;
}

export function money(amount: Big.BigSource, currency: string, digits: number): Money {
  return { amount: new Big(amount), currency, digits };
}

function same(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new Error(`cannot combine ${a.currency} with ${b.currency}`);
}

export const add = (a: Money, b: Money): Money => (same(a, b), { ...a, amount: a.amount.plus(b.amount) });
export const subtract = (a: Money, b: Money): Money => (same(a, b), { ...a, amount: a.amount.minus(b.amount) });
export const times = (a: Money, factor: Big.BigSource): Money => ({ ...a, amount: a.amount.times(factor) });

/** Rounded half-up to the currency's minor unit (8.525 EUR → 8.53 EUR). */
export const round = (a: Money): Money => ({ ...a, amount: a.amount.round(a.digits, HALF_UP) });

/** A percentage of an amount, rounded half-up: tax is computed on the rounded amount. */
export const percentOf = (a: Money, percent: Big.BigSource): Money => round(times(a, new Big(percent).div(100)));

export const isNegative = (a: Money) => a.amount.lt(0);

/** The amount with exactly the currency's minor digits: "37.50", "15", "-5". */
export function format(a: Money): string {
  const x = a.amount;
  // Most amounts written are already rounded (no more decimals than the currency has): rounding
  // them again would only make another decimal.
  return (x.c.length - x.e - 1 <= a.digits ? x : x.round(a.digits, HALF_UP)).toFixed(a.digits);
}

/** Billable minutes: worked minutes raised to the minimum, then up to a whole number of increments. */
export function billableMinutes(worked: number, minimum = 0, increment = 1): number {
  const raised = Math.max(worked, minimum);
  const step = Math.max(1, increment);
  return Math.ceil(raised / step) * step;
}

/** A rate per minute or per hour for a number of minutes; an hourly rate is prorated per minute. */
export function charge(rate: Money, per: 'minute' | 'hour', minutes: number): Money {
  return round(per === 'minute' ? times(rate, minutes) : { ...rate, amount: rate.amount.times(minutes).div(60) });
}
