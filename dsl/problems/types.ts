// Diagnostics of types and facts: values that do not go together, fact bounds, and what is
// computed from itself.
import { type Diagnostic, type Span, diagnostic } from '../diagnostics.js';
import type { FactValueProblem } from '../fact-values.js';
import { type ValueType, typeWords } from '../value-types.js';
import { factValueDiagnostic } from './words.js';

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
      const article = p.type === 'enum' || p.type === 'intervals' || p.type === 'events' ? 'an' : 'a';
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

/** `fact.wrong-type`: a default or a test fact that is not of its fact's type. */
export function factWrongType(p: { span: Span; problem: FactValueProblem; context: string }): Diagnostic {
  return factValueDiagnostic('fact.wrong-type', p);
}

/** `fact.unknown-value`: a default or a test fact that is none of its enum fact's values. */
export function factUnknownValue(p: { span: Span; problem: FactValueProblem; context: string }): Diagnostic {
  return factValueDiagnostic('fact.unknown-value', p);
}

/** `policy.fact-type`: a field names a fact whose type cannot serve it. */
export type FactType = { span: Span; fact: string; type: string } &
  /** The policy's `zoneFact`, which must be a timezone fact. */
  (
    | { kind: 'zone-fact' }
    /** A calendar's `timezoneFact`, which must hold a zone. */
    | { kind: 'timezone-fact' }
    /** A holidays `countryFact`/`regionFact`, which must be an enum so each value can be checked for holiday data. */
    | { kind: 'holiday-fact'; field: 'countryFact' | 'regionFact' }
    /** A fact whose values a table or a priority rule lists (`role`), which must be an enum. */
    | { kind: 'enum-role'; role: string }
  );

export function factType(p: FactType): Diagnostic {
  const code = 'policy.fact-type';
  switch (p.kind) {
    case 'zone-fact':
      return diagnostic(
        code,
        p.span,
        `zoneFact '${p.fact}' is a fact of type ${p.type}, not timezone`,
        'give it type: timezone (with a default, for tickets that do not say)',
      );
    case 'timezone-fact':
      return diagnostic(code, p.span, `fact '${p.fact}' is ${p.type}, not a time zone`, 'give it type: timezone');
    case 'holiday-fact':
      return diagnostic(
        code,
        p.span,
        `holidays ${p.field} '${p.fact}' is a fact of type ${p.type}: no check can say each of its values has holiday data`,
        `declare it type: enum with the ${p.field === 'countryFact' ? 'country' : 'region'} codes as its values`,
      );
    case 'enum-role':
      return diagnostic(
        code,
        p.span,
        `the ${p.role} '${p.fact}' must be an enum fact (it is ${p.type})`,
        'give it type: enum and values',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
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
