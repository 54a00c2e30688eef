// Diagnostics of names: facts, functions, values, tiers, priorities, calendars and currencies
// that are not declared, and names declared twice.
import { type Diagnostic, type Span, diagnostic } from '../diagnostics.js';
import type { FactValueProblem } from '../fact-values.js';
import { type Undeclared, factValueDiagnostic, meant, near, undeclared, withNearFix } from './words.js';

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

function unknownFactText(p: UnknownFact): Diagnostic {
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
function unknownFunctionText(p: { span: Span; name: string; near?: string; known: readonly string[] }): Diagnostic {
  return diagnostic(
    'expr.unknown-function',
    p.span,
    `unknown function '${p.name}'`,
    meant(p.near) ?? `functions: ${p.known.join(', ')}`,
  );
}

/** `'x' is not a tier (basic, premium)`: a string compared with what it cannot be. */
const notAmong = (value: string, what: string, values: readonly string[], none = NO_VALUES) =>
  values.length === 0 ? `'${value}' is not ${none}` : `'${value}' is not ${what} (${values.join(', ')})`;
const NO_VALUES = 'a known value: the policy declares no values here';

/** `expr.unknown-value`: a value outside an enum fact's declared values. */
export type UnknownValue =
  /** Written in a table or list of the policy (`lookup`, `matrix`, `channels`). */
  | { where: 'table'; span: Span; value: string; fact: string; values: readonly string[]; near?: string }
  /** Compared with the fact in an expression; `values` empty when the policy declares none there. */
  | { where: 'expression'; span: Span; value: string; values: readonly string[]; near?: string }
  /** A default or a test's fact (dsl/fact-values.ts words it). */
  | { where: 'fact-value'; span: Span; problem: FactValueProblem; context: string };

function unknownValueText(p: UnknownValue): Diagnostic {
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
      return diagnostic(code, p.span, notAmong(p.value, 'one of the values', p.values), meant(p.near));
    case 'fact-value':
      return factValueDiagnostic(code, p);
    default: {
      const never: never = p;
      return never;
    }
  }
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

function unknownTierText(p: UnknownTier): Diagnostic {
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
        notAmong(p.value, 'a tier', p.tiers, 'a tier: the policy declares no tiers'),
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

function unknownPriorityText(p: UnknownPriority): Diagnostic {
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
      return diagnostic(code, p.span, notAmong(p.value, 'a priority level', p.priorities), meant(p.near));
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

function unknownCalendarText(p: UnknownCalendar): Diagnostic {
  if (p.where === 'name') return diagnostic('policy.unknown-calendar', p.span, ...undeclared('calendar', p, 'calendars:'));
  return diagnostic(
    'policy.unknown-calendar',
    p.span,
    `'${p.duration}' counts business time, but tier '${p.tier}' names no calendar`,
    `add calendar: to tier '${p.tier}', or write '${p.duration} in <calendar>'`,
  );
}

/** `policy.unknown-currency` */
function unknownCurrencyText(p: { span: Span; code: string; near?: string }): Diagnostic {
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

// Each constructor above, with the quick fix its "did you mean" suggests.
export function unknownFact(p: UnknownFact): Diagnostic {
  return withNearFix(unknownFactText(p), p);
}

export function unknownFunction(p: { span: Span; name: string; near?: string; known: readonly string[] }): Diagnostic {
  return withNearFix(unknownFunctionText(p), p);
}

export function unknownValue(p: UnknownValue): Diagnostic {
  return withNearFix(unknownValueText(p), p);
}

export function unknownTier(p: UnknownTier): Diagnostic {
  return withNearFix(unknownTierText(p), p);
}

export function unknownPriority(p: UnknownPriority): Diagnostic {
  return withNearFix(unknownPriorityText(p), p);
}

export function unknownCalendar(p: UnknownCalendar): Diagnostic {
  return withNearFix(unknownCalendarText(p), p);
}

export function unknownCurrency(p: { span: Span; code: string; near?: string }): Diagnostic {
  return withNearFix(unknownCurrencyText(p), p);
}
