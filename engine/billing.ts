// The bill of a decision: a ticket's time charged by the plan the billing stage chose (with its
// minimum, increment and tax, debited from a prepaid card's balance when the plan has one), or
// a quote for a purchase from the price list. Exact decimals throughout (money.ts).
import { type BillingPlan, type Duration, type Policy, type PriceListEntry, countText, durationMinutes } from '../dsl/index.js';
import type { Billing, BillingLine, BillingNotice } from './decision.js';
import {
  type Money,
  add,
  billableMinutes,
  charge,
  currencyDigits,
  format,
  isNegative,
  money,
  percentOf,
  round,
  subtract,
  times,
} from './money.js';
import { type Value, addMonths, dateOf, endOfMonth } from './values.js';

interface Facts {
  get(name: string): Value;
}

const minutesOf = (d: Duration | undefined) => (d ? durationMinutes(d) : undefined);

/** What a plan charges for a number of billable minutes, as money and as written. */
interface Charge {
  total: Money;
  amountText: string;
  taxText: string;
  totalText: string;
}

/**
 * Each plan's charges by billable minutes: a charge depends on nothing else, a helpdesk bills a
 * few hundred distinct durations, and working one out exactly (big.js) and writing it is most of
 * what billing costs.
 */
export type ChargeTable = Map<BillingPlan, Map<number, Charge>>;
const MAX_CHARGES = 4096;

/** A table of charges, for the decisions of one revision to share (see `planCharge`). */
export const chargeTable = (): ChargeTable => new Map();

function planCharge(charges: ChargeTable, plan: BillingPlan, digits: number, billable: number): Charge {
  let byMinutes = charges.get(plan);
  if (!byMinutes) charges.set(plan, (byMinutes = new Map()));
  let c = byMinutes.get(billable);
  if (c) return c;
  const currency = plan.rate.money.currency;
  const amount = charge(money(plan.rate.money.amount, currency, digits), plan.rate.per, billable);
  const tax = plan.tax ? percentOf(amount, plan.tax.value) : round(money(0, currency, digits));
  const total = add(amount, tax);
  c = { total, amountText: format(amount), taxText: format(tax), totalText: format(total) };
  if (byMinutes.size >= MAX_CHARGES) byMinutes.clear();
  byMinutes.set(billable, c);
  return c;
}

/**
 * A ticket's charge under a plan; null when the worked minutes are not known yet. `zone` is the
 * policy's: where the ticket's date is read.
 */
export function ticketBill(
  policy: Policy,
  plan: BillingPlan,
  facts: Facts,
  notices: BillingNotice[],
  zone: string | null = null,
  charges: ChargeTable = chargeTable(),
): Billing | null {
  const billing = policy.billing!;
  const worked = billing.worked ? facts.get(billing.worked.name) : null;
  if (typeof worked !== 'number') return null;
  const currency = plan.rate.money.currency;
  const digits = currencyDigits(currency, billing.currencies);
  const minimum = minutesOf(plan.minimum) ?? 0;
  const increment = minutesOf(plan.increment) ?? 1;
  const billable = billableMinutes(worked, minimum, increment);
  const { total, amountText, taxText, totalText } = planCharge(charges, plan, digits, billable);
  const lines: BillingLine[] = [
    { label: 'worked', quantity: worked, unit: 'minute' },
    {
      label:
        billable > worked
          ? `billed (${worked < minimum ? `minimum ${countText(minimum, 'minute')}` : `in steps of ${countText(increment, 'minute')}`})`
          : 'billed',
      quantity: billable,
      unit: 'minute',
    },
    {
      label: `at ${plan.rate.money.amount} ${currency} per ${plan.rate.per} (plan ${plan.id})`,
      amount: amountText,
      currency,
    },
  ];
  if (plan.tax) lines.push({ label: `tax ${plan.tax.value}%`, amount: taxText, currency });
  lines.push({ label: 'total', amount: totalText, currency });

  let balanceAfterText: string | null = null;
  if (plan.balance) {
    const before = facts.get(plan.balance.name);
    if (typeof before === 'number') {
      const balance = money(String(before), currency, digits);
      const balanceAfter = subtract(balance, total);
      balanceAfterText = format(balanceAfter);
      lines.push({ label: `balance before (${plan.balance.name})`, amount: format(balance), currency });
      lines.push({ label: 'balance after', amount: balanceAfterText, currency });
      if (isNegative(balanceAfter)) {
        // «riceverai una comunicazione che ti ricorderà di regolarizzare la tua posizione entro il mese successivo»
        const opened = facts.get('openedAt');
        // The ticket's month is its month where the policy is (Logbot: Rome), whatever the offset it is written in.
        // (A zone from a fact not given leaves the ticket's month unknown: no date is guessed.)
        const regularizeBy =
          typeof opened === 'string' && (zone !== null || !policy.zoneFact)
            ? endOfMonth(addMonths(dateOf(opened, zone), 1))
            : null;
        notices.unshift({
          code: 'credit-insufficient',
          message: `the balance is ${balanceAfterText} ${currency}: top it up${regularizeBy ? ` by ${regularizeBy}` : ' by the end of the next month'}`,
          ...(regularizeBy ? { regularizeBy } : {}),
        });
      }
    }
  }
  return {
    kind: 'ticket',
    plan: plan.id,
    currency,
    billableMinutes: billable,
    amount: amountText,
    tax: taxText,
    total: totalText,
    balanceAfter: balanceAfterText,
    notices,
    lines,
  };
}

/** A quote for buying `quantity` of a price list entry. */
export function purchaseQuote(policy: Policy, entry: PriceListEntry, quantity: number, notices: BillingNotice[] = []): Billing {
  const currencies = policy.billing!.currencies;
  const currency = entry.price.currency;
  const digits = currencyDigits(currency, currencies);
  const amount = round(times(money(entry.price.amount, currency, digits), quantity));
  const tax = entry.tax ? percentOf(amount, entry.tax.value) : round(money(0, currency, digits));
  const total = add(amount, tax);
  const lines: BillingLine[] = [
    {
      label: `${entry.sku}${entry.credits ? ` (${entry.credits.amount} ${entry.credits.currency})` : ''} at ${entry.price.amount} ${currency}`,
      quantity,
      amount: format(amount),
      currency,
    },
  ];
  if (entry.tax) lines.push({ label: `tax ${entry.tax.value}%`, amount: format(tax), currency });
  lines.push({ label: 'total', amount: format(total), currency });
  return {
    kind: 'purchase',
    plan: entry.sku,
    currency,
    billableMinutes: 0,
    amount: format(amount),
    tax: format(tax),
    total: format(total),
    balanceAfter: null,
    notices,
    lines,
  };
}

/** The bill of an eligible decision, or null when there is nothing to bill yet. */
export function decideBilling(
  policy: Policy,
  planId: string | null,
  facts: Facts,
  notices: BillingNotice[],
  zone: string | null = null,
  charges: ChargeTable = chargeTable(),
): Billing | null {
  const billing = policy.billing;
  if (!billing) return null;
  // A purchase named in the facts makes the bill a quote for it instead of a ticket's charge.
  const sku = billing.purchase ? facts.get(billing.purchase.sku.name) : null;
  if (typeof sku === 'string') {
    const entry = billing.priceList.find((e) => e.sku === sku);
    if (!entry) return null;
    const q = billing.purchase?.quantity ? facts.get(billing.purchase.quantity.name) : null;
    // The policy's notices speak of a ticket's bill (which plan paid, and why): not of a purchase.
    return purchaseQuote(policy, entry, typeof q === 'number' ? q : 1, []);
  }
  const plan = billing.plans.find((p) => p.id === planId);
  return plan ? ticketBill(policy, plan, facts, notices, zone, charges) : null;
}
