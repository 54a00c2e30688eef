// Billing: currencies and the facts billing reads.
import type { Span } from '../diagnostics.js';
import { unknownCurrency, unknownFact } from '../problems/index.js';
import type { Context } from './context.js';
import { nearest, undeclared } from './names.js';

export function checkBilling({ policy, report, facts }: Context): void {
  const b = policy.billing;
  if (!b) return;
  const known = new Set<string>([...Object.keys(b.currencies)]);
  const iso = new Set(Intl.supportedValuesOf('currency'));
  const reported = new Set<string>();
  const currency = (code: string, span: Span) => {
    if (known.has(code) || iso.has(code) || reported.has(code)) return;
    reported.add(code);
    report(unknownCurrency({ span, code, ...nearest(code, [...known, ...iso]) }));
  };
  for (const p of b.plans) currency(p.rate.money.currency, p.rate.money.currencySpan);
  for (const e of b.priceList) {
    currency(e.price.currency, e.price.currencySpan);
    if (e.credits) currency(e.credits.currency, e.credits.currencySpan);
  }
  const factNames = [...facts.keys()];
  for (const n of [b.worked, b.purchase?.sku, b.purchase?.quantity, ...b.plans.map((p) => p.balance)]) {
    if (n && !facts.has(n.name)) report(unknownFact({ where: 'field', ...undeclared(n, factNames) }));
  }
}
