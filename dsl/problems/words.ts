// What the diagnostic constructors share: how they suggest the name meant, and how they word a
// default or a test fact that does not fit (dsl/fact-values.ts).
import { type Diagnostic, type Fix, type Span, diagnostic } from '../diagnostics.js';
import type { ZoneResult } from '../datetime.js';
import { type FactValueProblem, factValueHint, factValueMessage } from '../fact-values.js';

export type Failed = Extract<ZoneResult, { ok: false }>;
/** ` — did you mean 'x'?`, to end a message. */
export const near = (name: string | undefined) => (name === undefined ? '' : ` — did you mean '${name}'?`);
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

/**
 * The "did you mean" replacement as a quick fix: the word at the span (or inside its quotes)
 * becomes the name meant. No fix when the span holds more than the word, since the edit would
 * then be a guess.
 */
export function replaceWord(span: Span, word: string, by: string): Fix | undefined {
  let range: Span | undefined;
  if (span.length === word.length) range = span;
  else if (span.length === word.length + 2 && span.endLine === span.line)
    range = { ...span, offset: span.offset + 1, column: span.column + 1, length: word.length, endColumn: span.endColumn - 1 };
  return range && { title: `Change to '${by}'`, range, text: by };
}

/** A diagnostic with the fix its `near` suggests, when there is one. */
export function withNearFix(
  d: Diagnostic,
  p: { span?: Span; near?: string; name?: string; value?: unknown; code?: unknown },
): Diagnostic {
  const word = p.name ?? (typeof p.value === 'string' ? p.value : typeof p.code === 'string' ? p.code : undefined);
  if (p.near === undefined || word === undefined || !p.span) return d;
  const fix = replaceWord(p.span, word, p.near);
  return fix ? { ...d, fixes: [fix] } : d;
}
