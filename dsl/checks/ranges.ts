// Values a contract cannot mean: targets and minimums of no time, amounts finer than their
// currency, tax rates outside 0–100%, a response promised after the resolution, and facts that
// nothing reads.
import { type Duration, type Expr, type MoneyLiteral, factsRead } from '../ast.js';
import { businessDayMinutes, durationMinutes, durationText } from '../durations.js';
import { absenceTestedFacts, policyExprs } from '../knowledge.js';
import { CLOCK_EVENT_FACTS, type Named } from '../model.js';
import { notPositive, responseAfterResolution, taxOutOfRange, tooManyDigits, unusedFact } from '../problems/index.js';
import type { Context } from './context.js';
import { fmtMinutes } from './sla.js';

/** Facts the engine reads by name when a policy declares them: the clock's start, its events, a priority change. */
const READ_BY_NAME = new Set<string>(['openedAt', 'priorityChangedAt', ...CLOCK_EVENT_FACTS]);

export function checkDurations({ policy, report }: Context): void {
  // Tiers that share their targets through a YAML alias share the targets' spans: one report each.
  const reported = new Set<number>();
  const positive = (d: Duration | undefined, what: string) => {
    if (!d || d.amount > 0 || reported.has(d.span.offset)) return;
    reported.add(d.span.offset);
    report(notPositive({ span: d.span, what, text: durationText(d) }));
  };
  for (const t of policy.sla)
    for (const { priority, cell } of t.cells) {
      const targets = cell.kind === 'targets' ? [cell.targets] : cell.kind === 'rules' ? cell.rules : [];
      for (const x of targets) {
        positive(x.response, `the ${priority.name} response target of tier '${t.tier.name}'`);
        positive(x.resolution, `the ${priority.name} resolution target of tier '${t.tier.name}'`);
      }
    }
  for (const p of policy.billing?.plans ?? []) {
    positive(p.minimum, `the minimum of billing plan '${p.id}'`);
    positive(p.increment, `the increment of billing plan '${p.id}'`);
  }
}

/** Minor digits of a currency: declared in `billing.currencies`, else ISO 4217's; undefined when unknown. */
function minorDigits(code: string, declared: Record<string, number>): number | undefined {
  if (Object.hasOwn(declared, code)) return declared[code];
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
  } catch {
    return undefined; // an unknown currency, reported by the billing check
  }
}

/** A decimal written as digits, rounded half-up to `digits` decimals (as billing rounds). */
export function roundHalfUp(amount: string, digits: number): string {
  const [int = '0', frac = ''] = amount.split('.');
  const kept = BigInt(int + frac.slice(0, digits).padEnd(digits, '0')) + (Number(frac[digits] ?? '0') >= 5 ? 1n : 0n);
  const text = kept.toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export function checkAmounts({ policy, report }: Context): void {
  const b = policy.billing;
  if (!b) return;
  const money = (m: MoneyLiteral | undefined) => {
    if (!m || !/^\d+(\.\d+)?$/.test(m.amount)) return;
    const digits = minorDigits(m.currency, b.currencies);
    const frac = m.amount.split('.')[1] ?? '';
    if (digits === undefined || frac.replace(/0+$/, '').length <= digits) return;
    const written = `${m.amount} ${m.currency}`;
    report(
      tooManyDigits({ span: m.span, amount: m.amount, currency: m.currency, digits, rounded: roundHalfUp(m.amount, digits), written }),
    );
  };
  for (const p of b.plans) {
    money(p.rate.money);
    if (p.tax) tax(p.tax.value, p.tax.span);
  }
  for (const e of b.priceList) {
    money(e.price);
    money(e.credits);
    if (e.tax) tax(e.tax.value, e.tax.span);
  }
  function tax(value: string, span: MoneyLiteral['span']) {
    const v = Number(value);
    if (!(v >= 0 && v <= 100)) report(taxOutOfRange({ span, value }));
  }
}

/** A response promised later than the resolution, on the same clock. */
export function checkResponseBeforeResolution({ policy, report, calendars }: Context): void {
  const reported = new Set<number>(); // targets shared through a YAML alias: reported once
  for (const t of policy.sla)
    for (const { priority, cell } of t.cells) {
      const targets = cell.kind === 'targets' ? [cell.targets] : cell.kind === 'rules' ? cell.rules : [];
      for (const x of targets) {
        const { response, resolution } = x;
        if (!response || !resolution) continue;
        const clock = (d: Duration) => d.calendar?.name ?? x.calendar?.name ?? t.calendar?.name;
        const name = clock(response);
        if (name !== clock(resolution)) continue; // two clocks: compared by the engine's tier-order check
        const calendar = name ? calendars.get(name) : undefined;
        if (name && !calendar) continue;
        const day = calendar ? businessDayMinutes(calendar) : undefined;
        const a = durationMinutes(response, day);
        const b = durationMinutes(resolution, day);
        if (a === undefined || b === undefined || a <= b || reported.has(response.span.offset)) continue;
        reported.add(response.span.offset);
        report(
          responseAfterResolution({
            span: response.span,
            tier: t.tier.name,
            priority: priority.name,
            response: durationText(response),
            resolution: durationText(resolution),
            clock: calendar && calendar.hours.kind !== 'always' ? `business time of calendar '${calendar.name}', ${fmtMinutes(a)} against ${fmtMinutes(b)}` : 'real time',
          }),
        );
      }
    }
}

/** Declared facts that no expression, section, calendar or the engine reads. */
export function checkUnusedFacts({ policy, report, hasErrorIn }: Context): void {
  // A part that did not read or check may be what reads a fact: judged only on a sound policy.
  if (hasErrorIn()) return;
  const read = new Set<string>(READ_BY_NAME);
  const exprs: Expr[] = [];
  policy.derived.forEach((d) => exprs.push(d.expr));
  policy.assert.forEach((a) => exprs.push(a.check));
  if (policy.tiers) exprs.push(policy.tiers.of);
  if (policy.tiers?.slaOf) exprs.push(policy.tiers.slaOf);
  policy.eligibility.forEach((r) => exprs.push(r.when));
  policy.channels?.rules.forEach((r) => r.when && exprs.push(r.when));
  policy.priority?.rules.forEach((r) => exprs.push(r.when));
  for (const t of policy.sla) for (const { cell } of t.cells) if (cell.kind === 'rules') cell.rules.forEach((r) => r.when && exprs.push(r.when));
  policy.billing?.plans.forEach((p) => p.when && exprs.push(p.when));
  for (const g of [...policy.entitlements, ...policy.actions, ...(policy.billing?.notices ?? [])]) if (g.when) exprs.push(g.when);
  // Every expression the policy evaluates (calendar choices among them), and the ones above.
  for (const e of [...exprs, ...policyExprs(policy)]) for (const r of factsRead(e)) read.add(r.path.join('.'));
  for (const n of absenceTestedFacts(policy)) read.add(n);
  const p = policy.priority;
  const named: (Named | undefined)[] = [
    p?.override,
    p?.lookup?.fact,
    p?.from,
    p?.matrix?.rows,
    p?.matrix?.columns,
    policy.channels?.fact,
    policy.billing?.worked,
    policy.billing?.purchase?.sku,
    policy.billing?.purchase?.quantity,
    ...(policy.billing?.plans.map((x) => x.balance) ?? []),
    policy.zoneFact,
    ...policy.calendars.flatMap((c) => [c.timezoneFact, c.holidays?.countryFact, c.holidays?.regionFact]),
  ];
  for (const n of named) if (n) read.add(n.name);
  if (policy.tiers?.ofDefaulted) read.add('tier');
  for (const f of policy.facts) if (!read.has(f.name)) report(unusedFact({ span: f.span, name: f.name }));
}
