// Validation as `spe validate` and `POST /v1/validate` give it: the dsl's checks, then the checks
// that need the engine (the tier order judged on the business clock, engine/tier-order.ts).
import { type CheckOptions, type Diagnostic, type LoadResult, hasErrors, loadPolicy } from '../dsl/index.js';
import { checkTierOrderOnClock } from './tier-order.js';

export function validatePolicy(text: string, file = 'policy.yaml', options: CheckOptions = {}): LoadResult {
  const result = loadPolicy(text, file, options);
  // On a policy with errors the clock's answers would rest on parts already reported.
  if (!result.policy || hasErrors(result.diagnostics)) return result;
  const more = checkTierOrderOnClock(result.policy, options.holidays);
  if (more.length === 0) return result;
  const diagnostics: Diagnostic[] = [...result.diagnostics, ...more].sort(
    (a, b) => a.span.offset - b.span.offset || a.code.localeCompare(b.code),
  );
  return { ...result, ok: !hasErrors(diagnostics), diagnostics } as LoadResult;
}
