// A better tier is never slower than a lower one, judged on the real business clock: targets on
// different calendars (90 minutes 24x7 against 1 business hour) and tiers whose SLA is a list of
// ordered rules are compared by the due dates they give. The reference period is a year of
// hourly openings from the policy's effective date; for each opening a tier's due date is the
// latest its targets for that priority can give (any of its SLA rules may apply). The weeks of a
// year repeat but for holidays, extra dates and changes of offset: the openings compared are every
// hour of the first two weeks and of the two weeks up to each date that differs from its weekday,
// which gives the same answer as all 8760 at a fraction of the work (validation runs as a policy
// is edited). The dsl
// check (dsl/checks/sla.ts) compares single targets on one clock by their length alone; this
// check takes the rest, and lives in the engine because it needs the clock.
import {
  type Diagnostic,
  type Duration,
  type HolidayCatalog,
  type Named,
  type Policy,
  type SlaTargets,
  businessDayMinutes,
  durationMinutes,
  durationText,
  tierSlowerOnClock,
} from '../dsl/index.js';
import { offsetAt } from '../dsl/index.js';
import { dueAt } from './clock.js';
import { type CompiledCalendar, REAL_TIME, businessCalendar, compileCalendars, formatInstant } from './sla.js';
import type { BusinessCalendar } from './calendar.js';
import type { Value } from './values.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Days of the reference year, and the days before a date unlike its weekday that are compared too. */
const YEAR_DAYS = 365;
const LEAD_DAYS = 14;
/**
 * Most due dates computed for one policy: validation runs on the service's main thread as a policy
 * is edited, so a policy of very many tiers and priorities is compared only as far as this goes.
 */
const MAX_DUE_DATES = 200_000;

interface Target {
  d: Duration;
  calendar: string | null;
  ms: number;
  clock: BusinessCalendar;
}

/** The tier-order problems the dsl check cannot see; none when the policy has no ordered tiers. */
export function checkTierOrderOnClock(policy: Policy, holidays?: HolidayCatalog): Diagnostic[] {
  if (!policy.tiers || policy.sla.length === 0) return [];
  let compiled: Map<string, CompiledCalendar>;
  try {
    compiled = compileCalendars(policy, holidays);
  } catch {
    return []; // a calendar the validator already refused (its holidays unknown without data)
  }
  const defaults = new Map(policy.facts.map((f) => [f.name, (f.default ?? null) as Value]));
  const facts = { get: (name: string): Value => defaults.get(name) ?? null };
  const byTier = new Map(policy.sla.map((t) => [t.tier.name, t]));
  const levels = [...new Set(policy.tiers.levels.map((l) => l.name))];
  const ordered = levels.map((n) => byTier.get(n)).filter((t): t is NonNullable<typeof t> => !!t && !t.bestEffort);

  const targetsOf = (tier: (typeof ordered)[number], priority: string, kind: 'response' | 'resolution'): Target[] | undefined => {
    const cell = tier.cells.find((c) => c.priority.name === priority)?.cell;
    const list: (SlaTargets & { when?: unknown })[] = cell?.kind === 'targets' ? [cell.targets] : cell?.kind === 'rules' ? cell.rules : [];
    const out: Target[] = [];
    for (const t of list) {
      const d = t[kind];
      if (!d) continue;
      // A calendar chosen by the ticket's facts has no one clock to compare on.
      if ((t as SlaTargets).calendarOf || (tier as { calendarOf?: unknown }).calendarOf) return undefined;
      const name: Named | undefined = d.calendar ?? t.calendar ?? tier.calendar;
      const c = name ? compiled.get(name.name) : undefined;
      if (name && !c) return undefined;
      const calendar = name ? policy.calendars.find((x) => x.name === name.name) : undefined;
      const day = calendar ? businessDayMinutes(calendar) : undefined;
      if (d.unit === 'day' && d.business && day === undefined) return undefined;
      if (d.business && !c) return undefined;
      const clock = c ? businessCalendar(c, facts) : REAL_TIME;
      if (!clock) return undefined; // a zone from facts left out: nothing to compare on
      out.push({ d, calendar: name?.name ?? null, ms: durationMinutes(d, day) * 60_000, clock });
    }
    return out.length ? out : undefined;
  };
  // A single target on the same clock on both sides is the dsl check's (dsl/checks/sla.ts).
  const sameClockSingles = (a: Target[], b: Target[]) =>
    a.length === 1 && b.length === 1 && clockKey(a[0]!) === clockKey(b[0]!);

  const start = Date.parse(`${policy.effective}T00:00:00Z`);
  if (!Number.isFinite(start)) return [];
  let hours: number[] | undefined;
  const latest = new Map<string, (number | null)[]>();
  let spent = 0;
  const latestDue = (key: string, targets: Target[]): (number | null)[] | undefined => {
    let dues = latest.get(key);
    hours ??= openingHours(
      start,
      [...compiled.values()].map((c) => businessCalendar(c, facts)).filter((c): c is BusinessCalendar => c !== null),
    );
    if (!dues) {
      spent += hours.length * targets.length;
      if (spent > MAX_DUE_DATES) return undefined;
      dues = [];
      for (const h of hours) {
        const opened = start + h * HOUR;
        let worst: number | null = -Infinity;
        for (const t of targets) {
          // Real time needs no walk through the calendar.
          const due = t.clock.realTime ? opened + t.ms : dueAt(t.clock, opened, t.ms);
          worst = due === null || worst === null ? null : Math.max(worst, due);
        }
        dues.push(worst);
      }
      latest.set(key, dues);
    }
    return dues;
  };

  const out: Diagnostic[] = [];
  for (let hi = 1; hi < ordered.length; hi++)
    for (let lo = 0; lo < hi; lo++) {
      const better = ordered[hi]!;
      const lower = ordered[lo]!;
      for (const p of policy.priorities)
        for (const kind of ['response', 'resolution'] as const) {
          const a = targetsOf(better, p.name, kind);
          const b = targetsOf(lower, p.name, kind);
          if (!a || !b || sameClockSingles(a, b)) continue;
          const da = latestDue(`${better.tier.name}|${p.name}|${kind}`, a);
          const db = latestDue(`${lower.tier.name}|${p.name}|${kind}`, b);
          if (!da || !db) return out;
          const i = da.findIndex((x, j) => x !== null && db[j] !== null && x > db[j]!);
          if (i < 0) continue;
          const opened = start + hours![i]! * HOUR;
          const zone = a[0]!.clock.zone ?? b[0]!.clock.zone ?? policy.zone?.name ?? null;
          const at = (ms: number) => formatInstant(ms, zone, '+00:00');
          out.push(
            tierSlowerOnClock({
              span: a[0]!.d.span,
              better: better.tier.name,
              lower: lower.tier.name,
              priority: p.name,
              target: kind,
              betterText: a.map((t) => targetText(t)).join(' or '),
              lowerText: b.map((t) => targetText(t)).join(' or '),
              opened: at(opened),
              betterDue: at(da[i]!),
              lowerDue: at(db[i]!),
            }),
          );
        }
    }
  return out;
}

const clockKey = (t: Target) => (t.clock.realTime ? '24x7' : (t.calendar ?? ''));
const targetText = (t: Target) => `${durationText(t.d)}${t.calendar ? ` in ${t.calendar}` : ''}`;

/**
 * The hours (from `start`) compared: all of the first two weeks, and all of the two weeks up to
 * each date of the year whose business hours differ from its weekday's or whose offset changes.
 */
function openingHours(start: number, calendars: BusinessCalendar[]): number[] {
  const days = new Set<number>();
  for (let d = 0; d < LEAD_DAYS; d++) days.add(d);
  for (let d = 0; d < YEAR_DAYS; d++) {
    const at = start + d * DAY;
    const date = new Date(at).toISOString().slice(0, 10);
    const weekday = (new Date(at).getUTCDay() + 6) % 7;
    const unlike = calendars.some(
      (c) =>
        !c.realTime &&
        (!sameRanges(c.hoursOf(date), c.rules.always ? ALL_DAY : c.rules.weekly[weekday]!) ||
          offsetAt(c.zone!, at) !== offsetAt(c.zone!, at + DAY)),
    );
    if (unlike) for (let k = Math.max(0, d - LEAD_DAYS); k <= Math.min(YEAR_DAYS - 1, d + 1); k++) days.add(k);
  }
  return [...days].sort((a, b) => a - b).flatMap((d) => Array.from({ length: 24 }, (_, h) => d * 24 + h));
}

const ALL_DAY: readonly (readonly [number, number])[] = [[0, 1440]];
const sameRanges = (a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]) =>
  a === b || (a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1]));
