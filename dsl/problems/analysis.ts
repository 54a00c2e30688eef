// Diagnostics of the analyzer (dsl/analyze/) and of the range checks: conditions that cannot
// decide anything, values a derived fact never takes, outcomes no ticket reaches, and amounts,
// rates and targets outside what a contract can mean.
import { type Diagnostic, type Fix, type Span, diagnostic, warning } from '../diagnostics.js';
import { near, replaceWord } from './words.js';

/** Where a condition is written, for the words of its message. */
export type ConditionPlace =
  | { kind: 'deny'; code: string }
  | { kind: 'assertion'; code: string }
  | { kind: 'rule'; what: string; index: number }
  | { kind: 'grant'; what: string; id: string };

/** `condition.always-true` and `condition.never-true`; `hint` names the likely slip when one is recognised. */
export function conditionTruth(p: {
  span: Span;
  truth: 'always' | 'never';
  place: ConditionPlace;
  text: string;
  hint?: string;
}): Diagnostic {
  const always = p.truth === 'always';
  const code = always ? 'condition.always-true' : 'condition.never-true';
  const what = always ? 'is true for every ticket' : 'can never be true';
  const generic = always
    ? 'a condition that always holds decides nothing: check and/or, ==/!= and the values compared'
    : 'a condition that never holds decides nothing: check and/or, ==/!= and the values compared';
  const hint = p.hint ?? generic;
  const pl = p.place;
  switch (pl.kind) {
    case 'deny':
      return always
        ? diagnostic(code, p.span, `deny rule '${pl.code}' refuses every ticket: '${p.text}' ${what}`, hint)
        : warning(code, p.span, `deny rule '${pl.code}' never refuses a ticket: '${p.text}' ${what}`, hint);
    case 'assertion':
      return always
        ? warning(code, p.span, `assertion '${pl.code}' checks nothing: '${p.text}' ${what}`, hint)
        : diagnostic(code, p.span, `assertion '${pl.code}' refuses every request: '${p.text}' ${what}`, hint);
    case 'rule':
      return warning(
        code,
        p.span,
        always
          ? `${pl.what} ${pl.index} always applies: '${p.text}' ${what}, so no later rule is ever reached`
          : `${pl.what} ${pl.index} never applies: '${p.text}' ${what}`,
        hint,
      );
    case 'grant':
      return warning(
        code,
        p.span,
        always
          ? `${pl.what} '${pl.id}' is given to every ticket: '${p.text}' ${what}`
          : `${pl.what} '${pl.id}' is never given: '${p.text}' ${what}`,
        always ? `${hint}; to give it always, leave out when:` : hint,
      );
    default: {
      const never: never = pl;
      return never;
    }
  }
}

/** `expr.impossible-value`: `slaTier == "standart"` where slaTier is only ever premium, community or standard. */
export function impossibleValue(p: { span: Span; fact: string; value: string; values: readonly string[]; near?: string }): Diagnostic {
  const fix = p.near === undefined ? undefined : replaceWord(p.span, p.value, p.near);
  const d = diagnostic(
    'expr.impossible-value',
    p.span,
    `derived fact '${p.fact}' is never '${p.value}'${near(p.near)} (it can be ${p.values.map((v) => `'${v}'`).join(', ')})`,
    p.near === undefined ? 'this comparison never holds (or always holds, with != and not in): compare with a value it can take' : undefined,
  );
  return fix ? { ...d, fixes: [fix] } : d;
}

/** `policy.unreachable-outcome` (a warning): a tier `tiers.of` never gives, a priority level nothing gives. */
export function unreachableOutcome(p: { span: Span; kind: 'tier' | 'priority'; name: string; gives: readonly string[] }): Diagnostic {
  const list = p.gives.map((g) => `'${g}'`).join(', ') || 'none';
  return p.kind === 'tier'
    ? warning(
        'policy.unreachable-outcome',
        p.span,
        `no ticket is ever in tier '${p.name}': 'tiers.of' gives only ${list}`,
        'make tiers.of give it, or remove the tier',
      )
    : warning(
        'policy.unreachable-outcome',
        p.span,
        `no ticket ever gets priority '${p.name}': the priority section gives only ${list}`,
        'give it in a rule, the lookup or the matrix, or remove the level',
      );
}

/** `rule.unreachable` found by the analyzer: earlier rules together cover the rule. */
export function unreachableTogether(p: { span: Span; what: string; index: number; lines: readonly number[] }): Diagnostic {
  return warning(
    'rule.unreachable',
    p.span,
    `${p.what} ${p.index} can never apply: every ticket it matches is matched first by the rules at line${p.lines.length > 1 ? 's' : ''} ${p.lines.join(', ')}`,
    'remove it, or move it above the rules that cover it',
  );
}

/** `duration.not-positive` */
export function notPositive(p: { span: Span; what: string; text: string }): Diagnostic {
  return diagnostic(
    'duration.not-positive',
    p.span,
    `${p.what} is '${p.text}': it must be more than zero`,
    p.what.includes('target') ? "write the time allowed, e.g. '15 minutes'; for no target, write best-effort" : undefined,
  );
}

/** `money.too-many-digits` */
export function tooManyDigits(p: {
  span: Span;
  amount: string;
  currency: string;
  digits: number;
  rounded: string;
  written: string;
}): Diagnostic {
  const d = diagnostic(
    'money.too-many-digits',
    p.span,
    `${p.amount} ${p.currency} has more decimal digits than ${p.currency} has (${p.digits}): it would silently become ${p.rounded}`,
    `write ${p.rounded} ${p.currency}`,
  );
  const fix: Fix | undefined =
    p.span.length >= p.written.length && p.written.startsWith(p.amount)
      ? { title: `Change to ${p.rounded}`, range: { ...p.span, length: p.amount.length, endLine: p.span.line, endColumn: p.span.column + p.amount.length }, text: p.rounded }
      : undefined;
  return fix ? { ...d, fixes: [fix] } : d;
}

/** `billing.tax-out-of-range` */
export function taxOutOfRange(p: { span: Span; value: string }): Diagnostic {
  return diagnostic('billing.tax-out-of-range', p.span, `a tax rate of ${p.value}% is outside 0–100%`, 'write the rate as a percentage, e.g. 22%');
}

/** `sla.response-after-resolution` */
export function responseAfterResolution(p: {
  span: Span;
  tier: string;
  priority: string;
  response: string;
  resolution: string;
  clock: string;
}): Diagnostic {
  return diagnostic(
    'sla.response-after-resolution',
    p.span,
    `the ${p.priority} response target of tier '${p.tier}' (${p.response}) is later than its resolution target (${p.resolution}, in ${p.clock})`,
    'a ticket cannot be solved before it is answered: check the two targets',
  );
}

/** `fact.unused` (a warning) */
export function unusedFact(p: { span: Span; name: string }): Diagnostic {
  return warning(
    'fact.unused',
    p.span,
    `fact '${p.name}' is declared but nothing reads it`,
    'use it in a condition or a section, or remove it',
  );
}

/** `sla.tier-slower` judged on the clock: a ticket opened at `opened` is due later on the better tier. */
export function tierSlowerOnClock(p: {
  span: Span;
  better: string;
  lower: string;
  priority: string;
  target: 'response' | 'resolution';
  betterText: string;
  lowerText: string;
  opened: string;
  betterDue: string;
  lowerDue: string;
}): Diagnostic {
  return diagnostic(
    'sla.tier-slower',
    p.span,
    `tier '${p.better}' is above '${p.lower}' but its ${p.priority} ${p.target} can be due later: a ticket opened ${p.opened} is due ${p.betterDue} on '${p.better}' (${p.betterText}) and ${p.lowerDue} on '${p.lower}' (${p.lowerText})`,
    'a better tier should never be slower; check the targets, their calendars, or the order of tiers.levels (lowest first)',
  );
}
