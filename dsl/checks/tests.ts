// The tests written in a policy: the facts they give and the decision fields they expect.
import { factValueProblem } from '../fact-values.js';
import { checkedBadValue, unknownDecisionField, unknownFact, unknownPriority, unknownTier } from '../problems/index.js';
import type { Context } from './context.js';
import { factValue } from './facts.js';
import { nearest, undeclared } from './names.js';

/** The decision fields a test may expect, with the dotted paths below them that exist. */
const DECISION_FIELDS: Record<string, RegExp> = {
  eligible: /^$/,
  reasons: /^(\.\d+(\.(code|message|source))?)?$/,
  priority: /^$/,
  tier: /^$/,
  channels: /^(\.\d+)?$/,
  sla: /^(\.(response|resolution)(\.(target|targetText|calendar|dueAt|startsAt|status|elapsed|remaining|exceeded|source))?)?$/,
  // Declared windows, by name: what the policy declares under `windows:`.
  windows:
    /^(\.[A-Za-z0-9][A-Za-z0-9_-]*(\.(target|targetText|calendar|repeats|startsAt|dueAt|status|nextDueAt|met|breached|source))?)?$/,
  billing: /^(\.(currency|billableMinutes|amount|tax|total|balanceAfter|notices|kind|plan|lines)(\.\d+)?(\.[A-Za-z]+)?)?$/,
  actions: /^(\.\d+)?$/,
  entitlements: /^(\.\d+)?$/,
  missingFacts: /^(\.\d+)?$/,
  // A test of facts the policy refuses: `error: invalid-facts`, and the problems (by code).
  error: /^$/,
  problems: /^(\.\d+(\.(pointer|fact|message|code))?)?$/,
};

/** Every field path a test may expect without an index, for "did you mean" on a misspelt path. */
const FIELD_PATHS: string[] = [
  ...Object.keys(DECISION_FIELDS),
  ...['response', 'resolution'].flatMap((w) => [
    `sla.${w}`,
    ...['target', 'targetText', 'calendar', 'dueAt', 'startsAt', 'status', 'elapsed', 'remaining', 'exceeded', 'source'].map(
      (f) => `sla.${w}.${f}`,
    ),
  ]),
  ...['currency', 'billableMinutes', 'amount', 'tax', 'total', 'balanceAfter', 'notices', 'kind', 'plan', 'lines'].map((f) => `billing.${f}`),
];

export function checkTests({ policy, report, facts, priorities, tiers }: Context): void {
  for (const t of policy.tests) {
    // A test that expects the facts to be refused gives bad facts on purpose.
    const refused = Object.hasOwn(t.expect, 'error');
    for (const [name, value] of refused ? [] : Object.entries(t.facts)) {
      const spans = t.factSpans[name];
      const f = facts.get(name);
      if (!f) {
        const span = spans?.key ?? t.span;
        report(unknownFact({ where: 'test', span, name, test: t.name, ...nearest(name, facts.keys()) }));
        continue;
      }
      const problem = value === null ? undefined : factValueProblem(f, value);
      if (problem) report(factValue(problem, spans?.value ?? t.span, `test '${t.name}': `));
    }
    for (const [path, value] of Object.entries(t.expect)) {
      const span = t.expectSpans[path]?.key ?? t.span;
      const valueSpan = t.expectSpans[path]?.value ?? span;
      const [head = '', ...rest] = path.split('.');
      const pattern = Object.hasOwn(DECISION_FIELDS, head) ? DECISION_FIELDS[head] : undefined;
      if (!pattern || !pattern.test(rest.length ? `.${rest.join('.')}` : '')) {
        const fields = Object.keys(DECISION_FIELDS);
        const meant = pattern ? nearest(path, FIELD_PATHS) : nearest(head, fields);
        report(unknownDecisionField({ span, test: t.name, path, fields, ...meant }));
      } else if (path === 'error' && value !== 'invalid-facts') {
        report(checkedBadValue({ kind: 'test-error', span: valueSpan, test: t.name, value }));
      } else if (path === 'priority' && typeof value === 'string' && !priorities.includes(value)) {
        report(unknownPriority({ where: 'name', ...undeclared({ name: value, span: valueSpan }, priorities) }));
      } else if (path === 'tier' && typeof value === 'string' && !tiers.includes(value)) {
        report(unknownTier({ where: 'name', ...undeclared({ name: value, span: valueSpan }, tiers) }));
      }
    }
  }
}
