// Sample ticket histories: a year of plausible tickets for a policy, made from its fact
// declarations alone, so impact analysis can be tried with nothing else at hand. Deterministic
// for a seed: the same policy, year, count and seed give the same tickets, line for line.
import { Temporal } from 'temporal-polyfill';
import type { FactDecl } from '../dsl/index.js';
import type { CompiledPolicy } from './compile.js';
import { evaluate } from './evaluate.js';

export interface SampleOptions {
  /** The calendar year the tickets open in. */
  year: number;
  seed?: number;
  /** The zone whose business hours arrivals follow (default: the policy's `zone`, else Europe/Rome). */
  zone?: string;
}

/** A small, fast, seeded generator (mulberry32): good enough for test data, and the same everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Customers' zones for a timezone fact: mostly the policy's own, some from elsewhere. */
const ZONES = ['Europe/Rome', 'Europe/London', 'America/New_York', 'America/Sao_Paulo', 'Asia/Kolkata', 'Australia/Sydney'];

/** Arrival weights by local hour: most tickets come in business hours, a few at night. */
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 10, 30, 50, 55, 50, 30, 40, 50, 50, 45, 30, 12, 6, 4, 3, 2, 1];
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);

/**
 * Makes the tickets one by one (an iterator: a million need no more memory than one). Required
 * facts are always given; an optional fact is left out now and then, as helpdesks do; every
 * ticket passes the policy's facts check (a draw that does not is drawn again).
 */
export function* sampleTickets(
  compiled: CompiledPolicy,
  count: number,
  options: SampleOptions,
): Generator<Record<string, unknown>> {
  const random = seededRandom(options.seed ?? 1);
  const zone = options.zone ?? compiled.policy.zone?.name ?? 'Europe/Rome';
  const facts = compiled.policy.facts;
  for (let i = 0; i < count; i++) {
    // Most tickets a helpdesk logs are covered: four in five are drawn until one is eligible.
    const wantEligible = random() < 0.8;
    let ticket: Record<string, unknown> = {};
    let valid: Record<string, unknown> | null = null;
    for (let attempt = 0; attempt < 30; attempt++) {
      ticket = drawTicket(facts, random, options.year, zone);
      const decided = evaluate(compiled, ticket, { trace: false });
      if (!decided.ok) continue;
      valid ??= ticket;
      if (!wantEligible || decided.decision.eligible === true) {
        valid = ticket;
        break;
      }
    }
    yield valid ?? ticket;
  }
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

function drawOpenedAt(random: () => number, year: number, zone: string): Temporal.ZonedDateTime {
  const start = Temporal.PlainDate.from({ year, month: 1, day: 1 });
  const days = start.daysInYear;
  let date = start.add({ days: Math.floor(random() * days) });
  // Weekends are quiet: most weekend draws move to the next Monday.
  if (date.dayOfWeek >= 6 && random() < 0.8) date = date.add({ days: 8 - date.dayOfWeek });
  if (date.year !== year) date = start.add({ days: Math.floor(random() * 300) });
  let r = random() * HOUR_TOTAL;
  let hour = 0;
  while (hour < 23 && r >= HOUR_WEIGHTS[hour]!) r -= HOUR_WEIGHTS[hour++]!;
  return date.toPlainDateTime({ hour, minute: Math.floor(random() * 60) }).toZonedDateTime(zone);
}

const show = (t: Temporal.ZonedDateTime) => t.toString({ timeZoneName: 'never', smallestUnit: 'second' });

function drawTicket(facts: readonly FactDecl[], random: () => number, year: number, zone: string): Record<string, unknown> {
  const opened = drawOpenedAt(random, year, zone);
  const ticket: Record<string, unknown> = {};
  for (const fact of facts) {
    // Every helpdesk records when a ticket opened. Optional facts are missing from about one
    // ticket in eight, facts with a default from one in three; a customer's own choice (a
    // requested priority) is rare.
    const missing = fact.name === 'openedAt' ? 0 : /^requested/.test(fact.name) ? 0.85 : fact.default !== undefined ? 0.35 : 0.12;
    if (!fact.required && random() < missing) continue;
    const value = drawValue(fact, random, opened, year);
    if (value !== undefined) ticket[fact.name] = value;
  }
  return ticket;
}

function drawValue(fact: FactDecl, random: () => number, opened: Temporal.ZonedDateTime, year: number): unknown {
  const name = fact.name;
  switch (fact.type) {
    case 'enum': {
      const values = fact.values ?? [];
      // A purchase instead of a ticket is rare.
      if (/purchase/i.test(name) && random() < 0.95) return undefined;
      // A declared default is the usual value (an active account).
      if (typeof fact.default === 'string' && random() < 0.85) return fact.default;
      return values.length > 0 ? pick(random, values) : undefined;
    }
    case 'boolean':
      // Flags that unlock something (a card, a consent, a seat) are mostly set.
      return random() < (fact.default === false ? 0.35 : 0.8);
    case 'integer':
    case 'number': {
      const [low, high] = numberRange(fact, year);
      const n = low + Math.floor(random() * (high - low + 1));
      return n;
    }
    case 'date': {
      // Dates that start something (a card, a support contract) lie mostly before the ticket.
      const back = Math.floor(random() * 500) - 30;
      return opened.toPlainDate().subtract({ days: back }).toString();
    }
    case 'datetime': {
      if (name === 'openedAt') return show(opened);
      if (/changedAt$/i.test(name))
        return random() < 0.2 ? show(opened.add({ minutes: 5 + Math.floor(random() * 120) })) : undefined;
      if (/^responded|^resolved|^closed/i.test(name)) {
        const minutes = /^responded/i.test(name) ? 5 + Math.floor(random() * 600) : 60 + Math.floor(random() * 6000);
        return show(opened.add({ minutes }));
      }
      // Any other instant (a first ticket) comes before this one.
      return show(opened.subtract({ hours: 1 + Math.floor(random() * 24 * 200) }));
    }
    case 'timezone':
      return random() < 0.6 ? ((fact.default as string | undefined) ?? ZONES[0]) : pick(random, ZONES);
    case 'intervals': {
      if (random() < 0.8) return undefined;
      const from = opened.add({ minutes: 10 + Math.floor(random() * 240) });
      return [{ from: show(from), to: show(from.add({ minutes: 30 + Math.floor(random() * 960) })) }];
    }
    case 'string':
      return `${name}-${Math.floor(random() * 1000)}`;
    case 'events':
      // A ticket's own events (replies, updates) are left out: declared windows then run from openedAt.
      return undefined;
    default: {
      const never: never = fact.type;
      return never;
    }
  }
}

/** A plausible range for a number fact: its declared bounds, narrowed by what its name says. */
function numberRange(fact: FactDecl, year: number): [number, number] {
  const name = fact.name.toLowerCase();
  let [low, high] = [0, 100];
  if (name.includes('year')) [low, high] = [year - 7, year];
  else if (name.includes('minutes')) [low, high] = [5, 240];
  else if (name.includes('balance')) [low, high] = [-30, 600];
  else if (name.includes('quantity')) [low, high] = [1, 3];
  if (fact.min !== undefined) low = Math.max(low, fact.min);
  if (fact.max !== undefined) high = Math.min(high, fact.max);
  return [low, Math.max(low, high)];
}
