// The SLA clock, against one Temporal time-zone-aware date addition in the same run:
//  - full decisions with due dates (trace on, `now` a few hours after opening, so each window's
//    status is worked out too): Oto P3 across a Brazilian holiday
//    and Logbot across its lunch break, checked against the dates worked out by hand first;
//  - the clock alone: due dates of a 4-business-day target across Easter Monday 2026 on a
//    calendar with a lunch break, warm and with every day's intervals recomputed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Temporal } from 'temporal-polyfill';
import { loadHolidayCatalog } from '../dsl/index.js';
import { BusinessCalendar, type CalendarRules, type CompiledPolicy, compileSource, dueAt, evaluate } from '../engine/index.js';
import { dueTickets, handChecked } from './due-tickets.js';
import { quick, report, round } from './report.js';

const catalog = await loadHolidayCatalog();
const hours = [
  [540, 780],
  [840, 1080],
] as const;
const rules: CalendarRules = {
  name: 'office',
  always: false,
  weekly: [hours, hours, hours, hours, hours, [], []],
  closed: new Set(),
  open: new Map(),
  holidays: (y) => catalog.closures('IT', undefined, ['public'], y),
};
const target = 4 * 8 * 3_600_000;
// Tickets opened across Holy Week 2026, one minute apart.
const starts = Array.from({ length: 2000 }, (_, i) => Date.parse('2026-04-01T08:00:00+02:00') + i * 60_000);
const calendar = new BusinessCalendar(rules, 'Europe/Rome');
const expected = dueAt(calendar, Date.parse('2026-04-02T10:00:00+02:00'), target);
// Thu 2 Apr 10:00: Thu 7 h, Fri 8 h, (weekend, Easter Monday), Tue 8 h, Wed 8 h, Thu 1 h → Thu 9 Apr 10:00.
if (expected !== Date.parse('2026-04-09T10:00:00+02:00'))
  throw new Error(`unexpected due date ${new Date(expected ?? 0).toISOString()}`);

/** Calls per second: the best of a few rounds, so a burst of the machine's other work costs one round, not the figure. */
function rate(fn: (i: number) => unknown, seconds = quick ? 0.5 : 1.5): number {
  const rounds = quick ? 2 : 3;
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const end = performance.now() + (seconds / rounds) * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) fn(n + i);
      n += 100;
    }
    best = Math.max(best, n / (seconds / rounds));
  }
  return best;
}

// ---- full decisions ------------------------------------------------------------------------------
async function policy(id: string): Promise<CompiledPolicy> {
  const file = `policies/${id}.yaml`;
  const r = await compileSource(readFileSync(join(process.cwd(), file), 'utf8'), file);
  if (!r.ok) throw new Error(`${file} does not compile`);
  return r.compiled;
}
const oto = await policy('oto');
const logbot = await policy('logbot');
const now = '2026-11-20T12:00:00Z';
for (const [compiled, facts, due] of handChecked(oto, logbot)) {
  const r = evaluate(compiled, facts, { now });
  if (!r.ok || r.decision.sla?.response?.dueAt !== due)
    throw new Error(`${compiled.id}: response due ${r.ok ? r.decision.sla?.response?.dueAt : 'invalid facts'}, not ${due}`);
}
const tickets = dueTickets(oto, logbot);
const decide = (i: number) => {
  const [compiled, facts, now] = tickets[i % tickets.length]!;
  const r = evaluate(compiled, facts, { now });
  if (!r.ok || !r.decision.sla?.response?.dueAt) throw new Error(`no due date for ${JSON.stringify(facts)}`);
};
rate(decide, 0.3);
const decisions = rate(decide);

// ---- the clock alone ----------------------------------------------------------------------------
rate((i) => dueAt(calendar, starts[i % starts.length]!, target), 0.3);
const warm = rate((i) => dueAt(calendar, starts[i % starts.length]!, target));
// Cold: a new calendar each time, so every day's intervals are computed again from the zone rules.
const cold = rate((i) => dueAt(new BusinessCalendar(rules, 'Europe/Rome'), starts[i % starts.length]!, target), quick ? 0.5 : 1);
const zdt = Temporal.Instant.fromEpochMilliseconds(starts[0]!).toZonedDateTimeISO('Europe/Rome');
const baseline = rate(() => zdt.add({ days: 4 }));

const f = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
console.log('benchmark                                                 result      ratio to baseline');
console.log(
  `full decision with due dates (Oto P3, Logbot), trace on ${f(decisions).padStart(12)}      ${(decisions / baseline).toFixed(2)}× Temporal ZonedDateTime.add`,
);
console.log(
  `dueAt, 4 business days across Easter Monday (warm)   ${f(warm).padStart(12)}      ${(warm / baseline).toFixed(2)}× Temporal ZonedDateTime.add (${f(baseline)})`,
);
console.log(
  `dueAt, same, intervals recomputed every time (cold)  ${f(cold).padStart(12)}      ${(cold / baseline).toFixed(2)}× Temporal ZonedDateTime.add`,
);
console.log(`  = ${(1e6 / warm).toFixed(2)} µs warm, ${(1e6 / cold).toFixed(0)} µs cold per due date`);
report({ dueAt: { spe: round(decisions), clockWarm: round(warm), clockCold: round(cold) } });
