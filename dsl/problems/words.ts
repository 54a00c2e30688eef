// What the diagnostic constructors share: how they suggest the name meant, and how they word a
// default or a test fact that does not fit (dsl/fact-values.ts).
import { type Diagnostic, type Span, closest, diagnostic } from '../diagnostics.js';
import type { ZoneResult } from '../datetime.js';
import { type FactValueProblem, factValueHint, factValueMessage } from '../fact-values.js';

export type Failed = Extract<ZoneResult, { ok: false }>;
/** ` — did you mean 'x'?`, to end a message. */
export const near = (name: string | undefined) => (name === undefined ? '' : ` — did you mean '${name}'?`);
/** The closest of `known` to a name, as a constructor's `near` field. */
export function nearest(name: string, known: Iterable<string>): { near?: string } {
  const near = closest(name, known);
  return near === undefined ? {} : { near };
}
/** `did you mean 'x'?`, as a hint. */
export const meant = (name: string | undefined) => (name === undefined ? undefined : `did you mean '${name}'?`);
export const IANA_EXAMPLE = "use an IANA name like 'Europe/Rome'";

/** A name that is not declared, where `known` names were expected; `near` is the one it probably means. */
export interface Undeclared {
  span: Span;
  name: string;
  near?: string;
  known: readonly string[];
}
export const undeclared = (what: string, u: Undeclared, declareIn: string): [string, string | undefined] => [
  `unknown ${what} '${u.name}'${near(u.near)}`,
  u.near === undefined ? `declare it in ${declareIn} (known: ${u.known.join(', ') || 'none'})` : undefined,
];

/** A default or a test fact that does not fit its fact: `the default of fact 'x' should be …`. */
export function factValueDiagnostic(
  code: Diagnostic['code'],
  p: { span: Span; problem: FactValueProblem; context: string },
): Diagnostic {
  return diagnostic(code, p.span, `${p.context}${factValueMessage(p.problem)}`, factValueHint(p.problem));
}
