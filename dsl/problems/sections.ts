// Diagnostics of the policy's sections: lookup tables and matrices, SLA targets, ordered rules,
// and the fields the checker reads past the schema (calendar dates, tests).
import { type Diagnostic, type Span, diagnostic, didYouMean, warning } from '../diagnostics.js';
import { meant, replaceWord } from './words.js';

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

/** `schema.unknown-field`: an SLA cell's key that is no target, nor a window declared under `windows:`. */
export function unknownTargetField(p: { span: Span; field: string; fields: readonly string[]; declared: readonly string[] }): Diagnostic {
  return diagnostic(
    'schema.unknown-field',
    p.span,
    `unknown field '${p.field}' in an SLA target: no window '${p.field}' is declared`,
    didYouMean(p.field, [...p.fields]) ??
      (p.declared.length ? `declared windows: ${p.declared.join(', ')}` : `declare it under windows: (${p.field}: { start: [opened], stop: [an event type] })`),
  );
}

/** `sla.window`: a declared window that cannot work as written. */
export function slaWindow(
  p: { span: Span; window: string } & ({ kind: 'built-in' | 'never-stops' } | { kind: 'no-events-fact'; event: string }),
): Diagnostic {
  if (p.kind === 'no-events-fact')
    return diagnostic(
      'sla.window',
      p.span,
      `window '${p.window}' waits for '${p.event}' events, but the policy declares no fact 'events' of type events to carry them`,
      "declare it under facts: events: { type: events } (a list of { type, at })",
    );
  return p.kind === 'built-in'
    ? diagnostic(
        'sla.window',
        p.span,
        `window '${p.window}' is built in: it cannot be declared again`,
        `give the window another name, like first-${p.window}`,
      )
    : diagnostic(
        'sla.window',
        p.span,
        `window '${p.window}' has no event that stops or ends it: it could only be breached`,
        "add stop: [the event that meets it] (like stop: [agent-reply]), or end: [resolved]",
      );
}

/** `schema.unknown-field`: a test expects a field that decisions do not have. */
export function unknownDecisionField(p: {
  span: Span;
  test: string;
  path: string;
  near?: string;
  fields: readonly string[];
}): Diagnostic {
  const d = diagnostic(
    'schema.unknown-field',
    p.span,
    `test '${p.test}' expects '${p.path}', which is not a decision field`,
    meant(p.near) ?? `decision fields: ${p.fields.join(', ')}`,
  );
  // A misspelt head (`priorty`) is replaced in the path; a misspelt full path as a whole.
  const head = p.path.split('.')[0]!;
  if (p.near === undefined) return d;
  const fix = p.near.includes('.') ? replaceWord(p.span, p.path, p.near) : replaceWord({ ...p.span, length: head.length, endLine: p.span.line, endColumn: p.span.column + head.length }, head, p.near);
  return fix ? { ...d, fixes: [fix] } : d;
}
