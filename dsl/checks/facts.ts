// Fact declarations: their types, bounds and defaults.
import type { Diagnostic, Span } from '../diagnostics.js';
import { type FactValueProblem, factValueProblem } from '../fact-values.js';
import { badRange, checkedBadValue, factUnknownTimezone, factUnknownValue, factWrongType, outOfRange } from '../problems/index.js';
import type { Context } from './context.js';

/** A default or a test fact that does not fit its fact, under the code of its kind of problem. */
export function factValue(problem: FactValueProblem, span: Span, context: string): Diagnostic {
  const p = { span, problem, context };
  switch (problem.kind) {
    case 'unknown-zone':
      return factUnknownTimezone(p);
    case 'not-a-value':
      return factUnknownValue(p);
    case 'below':
    case 'above':
      return outOfRange(p);
    default:
      return factWrongType(p);
  }
}

export function checkFactDeclarations({ policy, report }: Context): void {
  for (const f of policy.facts) {
    if (f.type !== 'enum' && f.values) {
      report(checkedBadValue({ kind: 'values-not-enum', span: f.span, fact: f.name, type: f.type }));
    }
    const bounds = [f.min !== undefined ? 'min' : '', f.max !== undefined ? 'max' : ''].filter(Boolean);
    if (bounds.length > 0 && f.type !== 'number' && f.type !== 'integer') {
      const span = (f.min !== undefined ? f.minSpan : f.maxSpan) ?? f.span;
      report(badRange({ kind: 'not-numeric', span, fact: f.name, type: f.type, bounds }));
      continue;
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
      report(badRange({ kind: 'min-above-max', span: f.minSpan ?? f.span, fact: f.name, min: f.min, max: f.max }));
      continue;
    }
    if (f.type === 'integer') {
      for (const [bound, span] of [
        [f.min, f.minSpan],
        [f.max, f.maxSpan],
      ] as const) {
        if (bound !== undefined && !Number.isSafeInteger(bound))
          report(badRange({ kind: 'fractional-bound', span: span ?? f.span, fact: f.name, bound }));
      }
    }
    if (f.default !== undefined) {
      const problem = factValueProblem(f, f.default);
      if (problem) report(factValue(problem, f.defaultSpan ?? f.span, 'the default of '));
    }
  }
}
