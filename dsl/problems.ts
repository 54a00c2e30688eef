// One constructor per diagnostic code the checker reports (Cedar's one error kind per problem):
// each takes the typed fields of its problem and builds the message and hint from them, so a
// call site says what is wrong and never how to word it. Where one code covers several
// situations, a field (`kind`, `where`) says which.
import { type Diagnostic, type Span, diagnostic, warning } from './diagnostics.js';
import { type ZoneResult, zoneProblem } from './datetime.js';
import { type FactValueProblem, factValueHint, factValueMessage } from './fact-values.js';
import { type ValueType, typeWords } from './value-types.js';

type Failed = Extract<ZoneResult, { ok: false }>;
const near = (name: string | undefined) => (name === undefined ? '' : ` — did you mean '${name}'?`);
const meant = (name: string | undefined) => (name === undefined ? undefined : `did you mean '${name}'?`);
const IANA_EXAMPLE = "use an IANA name like 'Europe/Rome'";

// ---- names ----------------------------------------------------------------------------------------

/** A name that is not declared, where `known` names were expected; `near` is the one it probably means. */
interface Undeclared {
  span: Span;
  name: string;
  near?: string;
  known: readonly string[];
}
const undeclared = (what: string, u: Undeclared, declareIn: string): [string, string | undefined] => [
  `unknown ${what} '${u.name}'${near(u.near)}`,
  u.near === undefined ? `declare it in ${declareIn} (known: ${u.known.join(', ') || 'none'})` : undefined,
];

/** `expr.unknown-fact` */
export type UnknownFact =
  /** Read by an expression: declared facts, derived facts and `decision.*` are known. */
  | { where: 'expression'; span: Span; name: string; near?: string }
  /** Named by a field of the policy (`channels.fact`, `billing.worked`, a `zoneFact`). */
  | ({ where: 'field' } & Undeclared)
  /** Named as the priority section's fact in a role (`lookup fact`, `customer override`). */
  | { where: 'role'; span: Span; name: string; near?: string; role: string }
  /** Given by a policy test. */
  | { where: 'test'; span: Span; name: string; near?: string; test: string }
  /** `urgency == high`: a value of what it is compared with, written without quotes. */
  | { where: 'bare-value'; span: Span; name: string }
  /** `tiers` without `of:`, and no fact named `tier` to read instead. */
  | { where: 'tier-fact'; span: Span };

export function unknownFact(p: UnknownFact): Diagnostic {
  const code = 'expr.unknown-fact';
  switch (p.where) {
    case 'expression':
      return diagnostic(
        code,
        p.span,
        `unknown fact '${p.name}'${near(p.near)}`,
        p.near === undefined ? 'declare it under facts: or derived:' : undefined,
      );
    case 'field':
      return diagnostic(code, p.span, ...undeclared('fact', p, 'facts:'));
    case 'role':
      return diagnostic(
        code,
        p.span,
        `unknown fact '${p.name}'${near(p.near)}`,
        p.near === undefined ? `declare the ${p.role} under facts:` : undefined,
      );
    case 'test':
      return diagnostic(code, p.span, `test '${p.test}' gives unknown fact '${p.name}'${near(p.near)}`);
    case 'bare-value':
      return diagnostic(code, p.span, `'${p.name}' is not a fact`, `to compare with the value, quote it: "${p.name}"`);
    case 'tier-fact':
      return diagnostic(
        code,
        p.span,
        "tiers has no 'of:' to say which tier a ticket is in, and there is no fact named 'tier'",
        'add of: with the fact or expression that gives the tier, e.g. of: plan',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `expr.unknown-function` */
export function unknownFunction(p: { span: Span; name: string; near?: string; known: readonly string[] }): Diagnostic {
  return diagnostic(
    'expr.unknown-function',
    p.span,
    `unknown function '${p.name}'`,
    meant(p.near) ?? `functions: ${p.known.join(', ')}`,
  );
}

/** `expr.unknown-value`: a value outside an enum fact's declared values. */
export type UnknownValue =
  /** Written in a table or list of the policy (`lookup`, `matrix`, `channels`). */
  | { where: 'table'; span: Span; value: string; fact: string; values: readonly string[]; near?: string }
  /** Compared with the fact in an expression; `values` empty when the policy declares none there. */
  | { where: 'expression'; span: Span; value: string; values: readonly string[]; near?: string }
  /** A default or a test's fact (dsl/fact-values.ts words it). */
  | { where: 'fact-value'; span: Span; problem: FactValueProblem; context: string };

export function unknownValue(p: UnknownValue): Diagnostic {
  const code = 'expr.unknown-value';
  switch (p.where) {
    case 'table':
      return diagnostic(
        code,
        p.span,
        `'${p.value}' is not a value of '${p.fact}' (${p.values.join(', ')})`,
        meant(p.near) ?? `add it to the values of fact '${p.fact}'`,
      );
    case 'expression':
      return diagnostic(
        code,
        p.span,
        p.values.length === 0
          ? `'${p.value}' is not a known value: the policy declares no values here`
          : `'${p.value}' is not one of the values (${p.values.join(', ')})`,
        meant(p.near),
      );
    case 'fact-value':
      return factValueDiagnostic(code, p);
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** A default or a test fact that does not fit its fact: `the default of fact 'x' should be …`. */
function factValueDiagnostic(code: Diagnostic['code'], p: { span: Span; problem: FactValueProblem; context: string }) {
  return diagnostic(code, p.span, `${p.context}${factValueMessage(p.problem)}`, factValueHint(p.problem));
}

/** `policy.unknown-tier` */
export type UnknownTier =
  | ({ where: 'name' } & Undeclared)
  /** The SLA names tiers, but the policy declares none. */
  | { where: 'no-tiers'; span: Span; name: string }
  /** An enum fact giving the tier can be values that are not tiers. */
  | { where: 'fact-values'; span: Span; what: string; extra: readonly string[]; tiers: readonly string[] }
  /** A string compared with `decision.tier`; `tiers` empty when the policy declares none. */
  | { where: 'expression'; span: Span; value: string; tiers: readonly string[]; near?: string };

export function unknownTier(p: UnknownTier): Diagnostic {
  const code = 'policy.unknown-tier';
  switch (p.where) {
    case 'name':
      return diagnostic(code, p.span, ...undeclared('tier', p, 'tiers.levels'));
    case 'no-tiers':
      return diagnostic(
        code,
        p.span,
        `the SLA names tier '${p.name}' but the policy declares no tiers`,
        'add tiers: { levels: [...] }',
      );
    case 'fact-values':
      return diagnostic(
        code,
        p.span,
        `'${p.what}' can be ${p.extra.join(', ')}, which ${p.extra.length === 1 ? 'is not a tier' : 'are not tiers'}`,
        `tiers: ${p.tiers.join(', ')}`,
      );
    case 'expression':
      return diagnostic(
        code,
        p.span,
        p.tiers.length === 0
          ? `'${p.value}' is not a tier: the policy declares no tiers`
          : `'${p.value}' is not a tier (${p.tiers.join(', ')})`,
        meant(p.near),
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `policy.unknown-priority` */
export type UnknownPriority =
  | ({ where: 'name' } & Undeclared)
  /** A fact giving the priority (or overriding it) can be a value that is no priority level. */
  | { where: 'fact-value'; span: Span; fact: string; value: string; priorities: readonly string[] }
  /** A string compared with `decision.priority`; `priorities` empty when the policy declares none. */
  | { where: 'expression'; span: Span; value: string; priorities: readonly string[]; near?: string };

export function unknownPriority(p: UnknownPriority): Diagnostic {
  const code = 'policy.unknown-priority';
  switch (p.where) {
    case 'name':
      return diagnostic(code, p.span, ...undeclared('priority', p, 'priorities'));
    case 'fact-value':
      return diagnostic(
        code,
        p.span,
        `fact '${p.fact}' can be '${p.value}', which is not a priority level`,
        `priorities: ${p.priorities.join(', ')}`,
      );
    case 'expression':
      return diagnostic(
        code,
        p.span,
        p.priorities.length === 0
          ? `'${p.value}' is not a known value: the policy declares no values here`
          : `'${p.value}' is not a priority level (${p.priorities.join(', ')})`,
        meant(p.near),
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `policy.unknown-calendar` */
export type UnknownCalendar =
  | ({ where: 'name' } & Undeclared)
  /** Business time on a tier that names no calendar to count it in. */
  | { where: 'business-time'; span: Span; duration: string; tier: string };

export function unknownCalendar(p: UnknownCalendar): Diagnostic {
  if (p.where === 'name') return diagnostic('policy.unknown-calendar', p.span, ...undeclared('calendar', p, 'calendars:'));
  return diagnostic(
    'policy.unknown-calendar',
    p.span,
    `'${p.duration}' counts business time, but tier '${p.tier}' names no calendar`,
    `add calendar: to tier '${p.tier}', or write '${p.duration} in <calendar>'`,
  );
}

/** `policy.unknown-currency` */
export function unknownCurrency(p: { span: Span; code: string; near?: string }): Diagnostic {
  return diagnostic(
    'policy.unknown-currency',
    p.span,
    `unknown currency '${p.code}'`,
    meant(p.near) ?? `declare it: billing.currencies: { ${p.code}: 0 }`,
  );
}

/** `policy.duplicate-id` */
export type DuplicateId =
  | { kind: 'twice'; span: Span; what: string; name: string; firstLine: number }
  | { kind: 'fact-and-derived'; span: Span; name: string };

export function duplicateId(p: DuplicateId): Diagnostic {
  return p.kind === 'twice'
    ? diagnostic(
        'policy.duplicate-id',
        p.span,
        `${p.what} '${p.name}' is defined twice (first at line ${p.firstLine})`,
        'give each a name of its own',
      )
    : diagnostic('policy.duplicate-id', p.span, `'${p.name}' is both a fact and a derived fact`, 'rename the derived fact');
}

// ---- types ----------------------------------------------------------------------------------------

/** `expr.type-mismatch`: values of types that do not go together, in each place they can meet. */
export type TypeMismatch = { span: Span } & (
  | { kind: 'arity'; fn: string; given: number; min: number; most: number; zone: boolean; help: string }
  | { kind: 'argument'; fn: string; want: 'date' | 'number'; got: ValueType; help: string }
  | { kind: 'arguments-mix'; fn: string; first: ValueType; other: ValueType; help: string }
  | { kind: 'zone-argument'; fn: string; got: ValueType; help: string }
  | { kind: 'list-mix'; first: ValueType; other: ValueType }
  | { kind: 'compare'; left: ValueType; right: ValueType }
  | { kind: 'order'; op: string; type: ValueType }
  | { kind: 'in-needs-list'; got: ValueType }
  | { kind: 'in-list-of'; item: ValueType; list: ValueType }
  | { kind: 'branches'; then: ValueType; else: ValueType }
  | { kind: 'condition'; where: string; got: ValueType }
  | { kind: 'tier-name'; got: ValueType }
  | { kind: 'enum-fact'; role: string; fact: string; type: string }
  | { kind: 'timezone-fact'; fact: string; type: string }
  | { kind: 'fact-value'; problem: FactValueProblem; context: string }
);

export function typeMismatch(p: TypeMismatch): Diagnostic {
  const code = 'expr.type-mismatch';
  switch (p.kind) {
    case 'arity': {
      const n = p.min === p.most ? `${p.min}` : `${p.min} to ${p.most}`;
      const zone = p.zone ? ', and may name a zone last' : '';
      return diagnostic(code, p.span, `${p.fn} takes ${n} argument${p.most === 1 ? '' : 's'}, not ${p.given}${zone}`, p.help);
    }
    case 'argument':
      return diagnostic(code, p.span, `${p.fn} expects a ${p.want}, not ${typeWords(p.got)}`, p.help);
    case 'arguments-mix':
      return diagnostic(code, p.span, `${p.fn} mixes ${typeWords(p.first)} with ${typeWords(p.other)}`, p.help);
    case 'zone-argument':
      return diagnostic(code, p.span, `${p.fn} takes a time zone here, not ${typeWords(p.got)}`, p.help);
    case 'list-mix':
      return diagnostic(code, p.span, `this list mixes ${typeWords(p.first)} with ${typeWords(p.other)}`);
    case 'compare':
      return diagnostic(code, p.span, `cannot compare ${typeWords(p.left)} with ${typeWords(p.right)}`);
    case 'order':
      return diagnostic(code, p.span, `'${p.op}' orders numbers and dates, not ${typeWords(p.type)}`, "use '==' or '!='");
    case 'in-needs-list':
      return diagnostic(code, p.span, `'in' needs a list like ["a", "b"], not ${typeWords(p.got)}`);
    case 'in-list-of':
      return diagnostic(code, p.span, `cannot look for ${typeWords(p.item)} in a list of ${typeWords(p.list)}`);
    case 'branches':
      return diagnostic(code, p.span, `'then' gives ${typeWords(p.then)} but 'else' gives ${typeWords(p.else)}`);
    case 'condition':
      return diagnostic(
        code,
        p.span,
        `${p.where} needs true or false, but this is ${typeWords(p.got)}`,
        'compare it, e.g. tier == "premium"',
      );
    case 'tier-name':
      return diagnostic(code, p.span, `a tier is a name, but this is ${typeWords(p.got)}`);
    case 'enum-fact':
      return diagnostic(
        code,
        p.span,
        `the ${p.role} '${p.fact}' must be an enum fact (it is ${p.type})`,
        'give it type: enum and values',
      );
    case 'timezone-fact':
      return diagnostic(code, p.span, `fact '${p.fact}' is ${p.type}, not a time zone`, 'give it type: timezone');
    case 'fact-value':
      return factValueDiagnostic(code, p);
    default: {
      const never: never = p;
      return never;
    }
  }
}

// ---- facts ----------------------------------------------------------------------------------------

/** `fact.bad-range` */
export type BadRange = { span: Span; fact: string } & (
  | { kind: 'not-numeric'; type: string; bounds: readonly string[] }
  | { kind: 'min-above-max'; min: number; max: number }
  | { kind: 'fractional-bound'; bound: number }
);

export function badRange(p: BadRange): Diagnostic {
  const code = 'fact.bad-range';
  switch (p.kind) {
    case 'not-numeric': {
      const bounds = p.bounds.join(' and ');
      const article = p.type === 'enum' || p.type === 'intervals' ? 'an' : 'a';
      return diagnostic(
        code,
        p.span,
        `fact '${p.fact}' is ${article} ${p.type}: ${bounds} bound only numbers and integers`,
        p.type === 'date' || p.type === 'datetime' ? "say it with an 'assert:' condition instead" : `remove ${bounds}`,
      );
    }
    case 'min-above-max':
      return diagnostic(code, p.span, `fact '${p.fact}' has min ${p.min} above its max ${p.max}: no value fits`, 'swap them');
    case 'fractional-bound':
      return diagnostic(code, p.span, `fact '${p.fact}' is an integer: its bounds are whole numbers, not ${p.bound}`);
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `fact.out-of-range`: a default or a test fact outside its fact's `min`/`max`. */
export function outOfRange(p: { span: Span; problem: FactValueProblem; context: string }): Diagnostic {
  return factValueDiagnostic('fact.out-of-range', p);
}

/** `derived.cycle`: something computed from itself, or decided from what it decides. */
export type Cycle = { span: Span } & (
  | { kind: 'derived'; circle: readonly string[] }
  | { kind: 'decision'; where: string; what: 'tier' | 'priority' }
  | { kind: 'assertion'; code: string; reads: string }
);

export function cycle(p: Cycle): Diagnostic {
  const code = 'derived.cycle';
  switch (p.kind) {
    case 'derived':
      return diagnostic(
        code,
        p.span,
        p.circle.length === 2
          ? `derived fact '${p.circle[0]}' is computed from itself`
          : `derived facts depend on each other in a circle: ${p.circle.join(' → ')}`,
        'compute it from given facts only',
      );
    case 'decision':
      return diagnostic(
        code,
        p.span,
        `${p.where} reads decision.${p.what}, which it decides`,
        `decide the ${p.what} from ticket facts only`,
      );
    case 'assertion':
      return diagnostic(
        code,
        p.span,
        `assertion '${p.code}' reads ${p.reads}, but assertions are checked before anything is decided`,
        'check ticket facts only',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

// ---- zones ----------------------------------------------------------------------------------------

/** `policy.zone-required`: an instant becomes a date with no zone to say which date. */
export function zoneRequired(p: { span: Span; why: string }): Diagnostic {
  return diagnostic(
    'policy.zone-required',
    p.span,
    `${p.why}, and the date of an instant depends on the zone: the policy declares no zone`,
    'add zone: <IANA name> (like zone: Europe/Rome) at the top of the policy, or zoneFact: a timezone fact; or name the zone here, like dateOf(openedAt, "Europe/Rome")',
  );
}

/** `policy.unknown-zone`: the policy's zone (or a function's) is no IANA zone of a place, or its zoneFact no timezone fact. */
export type UnknownZone = { span: Span } & (
  | { kind: 'name'; name: string; result: Failed; near?: string }
  | { kind: 'zone-fact-type'; fact: string; type: string }
  | { kind: 'zone-and-fact' }
);

export function unknownZone(p: UnknownZone): Diagnostic {
  const code = 'policy.unknown-zone';
  switch (p.kind) {
    case 'name':
      return diagnostic(code, p.span, zoneProblem(p.name, p.result), meant(p.near) ?? IANA_EXAMPLE);
    case 'zone-fact-type':
      return diagnostic(
        code,
        p.span,
        `zoneFact '${p.fact}' is a fact of type ${p.type}, not timezone`,
        'give it type: timezone (with a default, for tickets that do not say)',
      );
    case 'zone-and-fact':
      return diagnostic(
        code,
        p.span,
        'the policy names both a zone and a zoneFact',
        'keep one: zoneFact (with a default) when the zone is the customer’s',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `calendar.unknown-timezone`: a time zone name (of a calendar, or a timezone fact's value) that is no IANA zone. */
export type UnknownTimezone =
  | { where: 'calendar'; span: Span; name: string; result: Failed; near?: string }
  | { where: 'fact-value'; span: Span; problem: FactValueProblem; context: string };

export function unknownTimezone(p: UnknownTimezone): Diagnostic {
  if (p.where === 'fact-value') return factValueDiagnostic('calendar.unknown-timezone', p);
  return diagnostic('calendar.unknown-timezone', p.span, zoneProblem(p.name, p.result), meant(p.near) ?? IANA_EXAMPLE);
}

/** `calendar.missing-timezone`: local business hours or dates with no zone to place them in. */
export function missingTimezone(p: { span: Span; calendar: string; has: 'business hours' | 'holidays or dates' }): Diagnostic {
  return diagnostic(
    'calendar.missing-timezone',
    p.span,
    `calendar '${p.calendar}' has ${p.has} but no time zone`,
    'add timezone: Europe/Rome (or timezoneFact: a fact)',
  );
}

/** `calendar.two-timezones`: a calendar with both a time zone and a time zone fact. */
export function twoTimezones(p: { span: Span; calendar: string }): Diagnostic {
  return diagnostic(
    'calendar.two-timezones',
    p.span,
    `calendar '${p.calendar}' names both a time zone and a time zone fact`,
    'keep one: the fact (with a default) when the zone is the customer’s',
  );
}

// ---- calendars ------------------------------------------------------------------------------------

/** `calendar.empty-interval` */
export type EmptyInterval =
  { kind: 'interval'; span: Span; range: string; endsWhenStarts: boolean } | { kind: 'never-open'; span: Span; calendar: string };

export function emptyInterval(p: EmptyInterval): Diagnostic {
  if (p.kind === 'never-open') return diagnostic('calendar.empty-interval', p.span, `calendar '${p.calendar}' is never open`);
  return diagnostic(
    'calendar.empty-interval',
    p.span,
    `the interval ${p.range} is empty: it ends ${p.endsWhenStarts ? 'when' : 'before'} it starts`,
    'write the earlier time first; to stay open past midnight, split it at 24:00',
  );
}

/** `calendar.overlap` */
export function overlap(p: { span: Span; days: readonly string[]; later: string; earlier: string }): Diagnostic {
  return diagnostic(
    'calendar.overlap',
    p.span,
    `on ${p.days.join(', ')}, ${p.later} overlaps ${p.earlier}`,
    'merge them into one interval',
  );
}

/** `calendar.uneven-days` */
export function unevenDays(p: { span: Span; duration: string; calendar: string; lengths: readonly string[] }): Diagnostic {
  return diagnostic(
    'calendar.uneven-days',
    p.span,
    `'${p.duration}' is ambiguous: calendar '${p.calendar}' has days of ${p.lengths.join(' and ')}`,
    'state the target in business hours instead',
  );
}

/** `calendar.unknown-holidays` */
export type UnknownHolidays = { span: Span; country: string } & (
  { kind: 'country'; near?: string } | { kind: 'region'; region: string; near?: string; regions: readonly string[] }
);

export function unknownHolidays(p: UnknownHolidays): Diagnostic {
  if (p.kind === 'country')
    return diagnostic(
      'calendar.unknown-holidays',
      p.span,
      `no holiday data for country '${p.country}'`,
      meant(p.near) ?? 'use an ISO 3166 code like IT or BR',
    );
  return diagnostic(
    'calendar.unknown-holidays',
    p.span,
    `no holiday data for region '${p.region}' of ${p.country}`,
    meant(p.near) ??
      (p.regions.length
        ? `regions: ${p.regions.slice(0, 40).join(', ')}${p.regions.length > 40 ? ', …' : ''}`
        : `${p.country} has no regions`),
  );
}

// ---- tables, targets, rules -----------------------------------------------------------------------

/** `table.incomplete` */
export type IncompleteTable =
  | { kind: 'lookup'; span: Span; fact: string; missing: readonly string[] }
  | { kind: 'matrix'; span: Span; missing: readonly string[] };

export function incompleteTable(p: IncompleteTable): Diagnostic {
  if (p.kind === 'lookup')
    return diagnostic(
      'table.incomplete',
      p.span,
      `the lookup table has no priority for ${p.fact} ${p.missing.map((m) => `'${m}'`).join(', ')}`,
      'add a line for each value',
    );
  const more = p.missing.length > 4 ? ` and ${p.missing.length - 4} more` : '';
  return diagnostic(
    'table.incomplete',
    p.span,
    `the matrix has no priority for ${p.missing.slice(0, 4).join('; ')}${more}`,
    'give every row a cell for every column',
  );
}

/** `sla.missing-target` */
export type MissingTarget =
  | { kind: 'empty-cell'; span: Span; priority: string; tier: string }
  | { kind: 'priorities'; span: Span; tier: string; missing: readonly string[] };

export function missingTarget(p: MissingTarget): Diagnostic {
  if (p.kind === 'empty-cell')
    return diagnostic(
      'sla.missing-target',
      p.span,
      `the ${p.priority} target of tier '${p.tier}' sets neither response nor resolution`,
      "add response: or write 'best-effort'",
    );
  return diagnostic(
    'sla.missing-target',
    p.span,
    `tier '${p.tier}' promises an SLA but has no target for ${p.missing.join(', ')}`,
    `add ${p.missing[0]}: { response: … } or ${p.missing[0]}: best-effort`,
  );
}

/** `sla.tier-slower` */
export function tierSlower(p: {
  span: Span;
  better: string;
  lower: string;
  priority: string;
  target: 'response' | 'resolution';
  slower: string;
  faster: string;
  clock: string;
}): Diagnostic {
  return diagnostic(
    'sla.tier-slower',
    p.span,
    `tier '${p.better}' is above '${p.lower}' but its ${p.priority} ${p.target} target is slower (${p.slower} against ${p.faster}, in ${p.clock})`,
    'a better tier should never be slower; check the targets or the order of tiers.levels (lowest first)',
  );
}

/** `rule.unreachable` (a warning) */
export function unreachableRule(p: { span: Span; what: string; index: number; shadowLine: number }): Diagnostic {
  return warning(
    'rule.unreachable',
    p.span,
    `${p.what} ${p.index} can never apply: the rule at line ${p.shadowLine} matches every ticket it would match, and comes first`,
    'remove it, or move it above the broader rule',
  );
}

// ---- the policy's own fields, as the checker reads them -------------------------------------------

/** `schema.bad-value` as the checker finds it (the reader reports the others). */
export type CheckedBadValue =
  /** A warning: values listed on a fact that is no enum. */
  | { kind: 'values-not-enum'; span: Span; fact: string; type: string }
  | { kind: 'not-a-date'; span: Span; date: string }
  | { kind: 'test-error'; span: Span; test: string; value: unknown };

export function checkedBadValue(p: CheckedBadValue): Diagnostic {
  switch (p.kind) {
    case 'values-not-enum':
      return warning('schema.bad-value', p.span, `fact '${p.fact}' lists values but its type is ${p.type}`, "use 'type: enum'");
    case 'not-a-date':
      return diagnostic('schema.bad-value', p.span, `'${p.date}' is not a date on the calendar`);
    case 'test-error':
      return diagnostic(
        'schema.bad-value',
        p.span,
        `test '${p.test}' expects error ${JSON.stringify(p.value)}; the one error a test can expect is invalid-facts`,
        'write error: invalid-facts',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `schema.unknown-field`: a test expects a field that decisions do not have. */
export function unknownDecisionField(p: {
  span: Span;
  test: string;
  path: string;
  near?: string;
  fields: readonly string[];
}): Diagnostic {
  return diagnostic(
    'schema.unknown-field',
    p.span,
    `test '${p.test}' expects '${p.path}', which is not a decision field`,
    meant(p.near) ?? `decision fields: ${p.fields.join(', ')}`,
  );
}
