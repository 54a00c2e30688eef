// Diagnostics of the bounds that keep one file from costing too much, or one typo from burying
// the rest: nesting past its limit, and more problems than are shown.
import { type Diagnostic, MAX_NESTING, type Span, compareDiagnostics, diagnostic, warning } from '../diagnostics.js';

/** `yaml.too-deep`: lists and mappings nest past the limit, reported where the first level past it starts. */
export function yamlTooDeep(p: { span: Span }): Diagnostic {
  return diagnostic(
    'yaml.too-deep',
    p.span,
    `lists and mappings nest deeper than ${MAX_NESTING.yaml} levels here`,
    'no policy needs this much nesting: flatten it',
  );
}

/** `expr.too-deep`: an expression nests past the limit, reported where the first level past it starts. */
export function exprTooDeep(p: { span: Span }): Diagnostic {
  return diagnostic(
    'expr.too-deep',
    p.span,
    `the expression nests deeper than ${MAX_NESTING.expr} levels here`,
    'remove brackets, or split the condition into derived facts',
  );
}

/** `diagnostics.capped`: `more` problems found past the cap, noted at the last one shown. */
export function capped(p: { span: Span; more: number }): Diagnostic {
  return warning('diagnostics.capped', p.span, `${p.more} more problems not shown; fix the ones above first`);
}

/** Maximum number of diagnostics reported for one file; one typo must not bury the rest. */
export const DIAGNOSTIC_CAP = 25;

/**
 * Sorts by position, drops exact repeats (one cause reported by two checks), and caps the list,
 * ending it with a `diagnostics.capped` note that says how many were left out.
 */
export function finishDiagnostics(list: Diagnostic[], cap = DIAGNOSTIC_CAP): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of [...list].sort(compareDiagnostics)) {
    const key = `${d.span.offset}|${d.code}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  if (unique.length <= cap) return unique;
  const shown = unique.slice(0, cap);
  shown.push(capped({ span: shown[shown.length - 1]!.span, more: unique.length - cap }));
  return shown;
}
