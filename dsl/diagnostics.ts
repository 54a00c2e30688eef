// Spans and diagnostics: the one way every stage of the front end reports a position and a problem.
// Codes are stable strings that CI scripts and the editor rely on; each has a named constructor in
// problems/, the only place a diagnostic is made.

export interface Span {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
  /** 0-based character offset into the file */
  offset: number;
  /** length in characters (0 for a point) */
  length: number;
  /** 1-based line and column just after the span's last character */
  endLine: number;
  endColumn: number;
}

export type Severity = 'error' | 'warning';

/**
 * A quick fix as data: replace the text at `range` with `text`. The editor and a language
 * server offer it as a code action titled `title` (`Change to 'urgency'`).
 */
export interface Fix {
  title: string;
  range: Span;
  text: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  hint?: string;
  /** Edits that fix the problem, best first; absent when none is sure enough to offer. */
  fixes?: Fix[];
}

/** Every code the validator can emit, with what it means (shown by `spe codes`). */
export const DIAGNOSTIC_CODES = {
  'yaml.syntax': 'the file is not well-formed YAML',
  'yaml.duplicate-key': 'the same key appears twice in one mapping',
  'yaml.too-deep': 'lists and mappings nest deeper than a policy may (64 levels)',
  'schema.missing': 'a required field is missing',
  'schema.unknown-field': 'a field the policy format does not know',
  'schema.wrong-type': 'a field holds the wrong kind of value',
  'schema.bad-value': 'a field holds a value outside its allowed set or pattern',
  'expr.syntax': 'an expression, duration, hours, money or rate cannot be parsed',
  'expr.too-deep': 'an expression nests brackets, `not` and `if` deeper than an expression may (32 levels)',
  'expr.unknown-fact': 'an expression names a fact that is not declared',
  'expr.unknown-value':
    "a value compared with an enum fact in an expression, or listed in a table, outside the fact's declared values",
  'expr.unknown-function': 'an expression calls a function that does not exist',
  'expr.type-mismatch': 'an expression combines values of incompatible types',
  'policy.unknown-priority': 'a priority level that is not declared in `priorities`',
  'policy.unknown-tier': 'a tier that is not declared in `tiers.levels`',
  'policy.unknown-calendar': 'a calendar that is not declared in `calendars`',
  'policy.duplicate-id': 'two rules, tests or entries share one name, or two policy files one id',
  'policy.unknown-zone': "a policy's zone (or a date function's zone) that is not an IANA zone of a place",
  'policy.zone-required': 'an expression turns an instant into a date but the policy declares no zone',
  'fact.bad-range': 'a `min` or `max` on a fact that is not a number or integer, or a `min` above the `max`',
  'fact.out-of-range': "a default or a test fact outside its fact's `min`/`max`",
  'policy.unknown-currency': 'a currency that is neither ISO 4217 nor declared in `billing.currencies`',
  'derived.cycle': 'derived facts that depend on each other in a circle, or a rule that reads what it decides',
  'table.incomplete': 'a matrix or lookup table lacks a row or cell for a declared value',
  'sla.calendar-choice': 'a calendar chosen by an expression that can give a value naming no declared calendar',
  'sla.window': 'a declared SLA window that cannot work as written (a built-in name, nothing that stops it)',
  'sla.missing-target': 'a tier that promises an SLA lacks a target for some priority',
  'sla.tier-slower': 'a better tier is slower than a lower tier for the same priority',
  'rule.unreachable': 'an ordered rule can never be chosen because an earlier rule always matches first',
  'calendar.uneven-days': 'business days asked of a calendar whose days differ in length',
  'calendar.overlap': 'business intervals of one day overlap',
  'calendar.empty-interval': 'a business interval that ends before or when it starts',
  'calendar.unknown-timezone':
    "a calendar's time zone (named, or given by its time zone fact) that is not an IANA time zone name",
  'calendar.missing-timezone': 'a calendar with business hours, holidays or dates but no time zone to place them in',
  'calendar.two-timezones': 'a calendar that names both a time zone and a time zone fact',
  'calendar.unknown-holidays': 'a holiday country, region or type that the holiday data does not know',
  'condition.always-true': 'a condition that every ticket makes true: a deny that refuses everyone, a rule that always applies',
  'condition.never-true': 'a condition that no ticket can make true: its rule never applies',
  'expr.impossible-value': 'a comparison with a value that a derived fact can never take',
  'policy.unreachable-outcome': 'a tier or a priority level that no ticket can be given',
  'duration.not-positive': 'a duration of zero or less where time must pass (a target, a minimum, an increment)',
  'money.too-many-digits': 'an amount with more decimal digits than its currency has',
  'billing.tax-out-of-range': 'a tax rate below 0% or above 100%',
  'sla.response-after-resolution': 'a response target later than the resolution target of the same tier and priority',
  'fact.unused': 'a declared fact that no condition, section or calendar reads (tests giving it do not count)',
  'policy.two-zones': 'a policy that names both a zone and a zoneFact',
  'fact.unknown-timezone': "a timezone fact's default or test value that is not an IANA time zone name",
  'sla.no-calendar': 'business time in a tier whose SLA names no calendar to count it in',
  'policy.fact-type':
    "a field naming a fact whose type cannot serve it: zoneFact or a calendar's timezoneFact not a zone, holidays' countryFact or regionFact or a table's fact not an enum",
  'fact.wrong-type': "a fact's default or a test fact that is not of the fact's type",
  'fact.unknown-value': "a fact's default or a test fact that is none of its enum fact's values",
  'diagnostics.capped': 'more problems were found than are shown',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Where a check sends its diagnostics. */
export type Report = (d: Diagnostic) => void;

export function diagnostic(
  code: DiagnosticCode,
  span: Span,
  message: string,
  hint?: string,
  severity: Severity = 'error',
): Diagnostic {
  return hint === undefined ? { code, severity, message, span } : { code, severity, message, span, hint };
}

export function warning(code: DiagnosticCode, span: Span, message: string, hint?: string): Diagnostic {
  return diagnostic(code, span, message, hint, 'warning');
}

/** How deep a policy file's lists and mappings may nest, and an expression's brackets, `not`s and `if`s. */
export const MAX_NESTING = { yaml: 64, expr: 32 } as const;

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.offset - b.span.offset || a.code.localeCompare(b.code) || a.message.localeCompare(b.message);
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

export function formatSpan(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}

/** The one-line form every CLI output uses: `file:line:col: error CODE: message`. */
export function formatDiagnostic(d: Diagnostic, withHint = true): string {
  const hint = withHint && d.hint ? ` (${d.hint})` : '';
  return `${formatSpan(d.span)}: ${d.severity} ${d.code}: ${d.message}${hint}`;
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  // Two-letter codes (IT, SP) are too short to guess at: only a difference of case counts.
  const limit = word.length <= 2 ? 0 : Math.max(1, Math.floor(word.length / 3));
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) > limit) continue;
    // Ties go to the candidate closest in length: 'hourz' means 'hours' rather than 'hour'.
    const d = editDistance(lower, c.toLowerCase()) + Math.abs(c.length - word.length) / 100;
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return Math.floor(bestDistance) <= limit && best !== word ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean '${c}'?`;
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours cost 1.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      row.push(best);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** A diagnostic's quick fixes as JSON output shows them (1-based line and column, the offset and length of the text replaced). */
export function fixesView(d: Diagnostic) {
  return d.fixes?.map((f) => ({
    title: f.title,
    text: f.text,
    range: {
      line: f.range.line,
      column: f.range.column,
      endLine: f.range.endLine,
      endColumn: f.range.endColumn,
      offset: f.range.offset,
      length: f.range.length,
    },
  }));
}
