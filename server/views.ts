// What the API shows of the domain: diagnostics flat with 1-based positions, and policies as
// listed, read and saved.
import { type Diagnostic, fixesView } from '../dsl/index.js';
import type { PolicyEntry } from './store.js';

/** A diagnostic as the API shows it: flat, with 1-based positions. */
export function publicDiagnostic(d: Diagnostic) {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.fixes ? { fixes: fixesView(d) } : {}),
    file: d.span.file,
    line: d.span.line,
    column: d.span.column,
    endLine: d.span.endLine,
    endColumn: d.span.endColumn,
  };
}

export function summary(e: PolicyEntry) {
  return {
    id: e.id,
    title: e.serving?.compiled.policy.title ?? null,
    version: e.serving?.compiled.version ?? null,
    revision: e.revision,
    valid: !e.diagnostics.some((d) => d.severity === 'error'),
    errors: e.diagnostics.filter((d) => d.severity === 'error').length,
    warnings: e.diagnostics.filter((d) => d.severity === 'warning').length,
    serving: e.serving?.revision ?? null,
  };
}

export function detail(e: PolicyEntry) {
  return {
    id: e.id,
    revision: e.revision,
    source: e.source,
    valid: !e.diagnostics.some((d) => d.severity === 'error'),
    serving: e.serving?.revision ?? null,
    diagnostics: e.diagnostics.map(publicDiagnostic),
  };
}

/** A save's answer: the policy, and `unchanged: true` when its source was already the current revision. */
export function saved(e: PolicyEntry & { unchanged: boolean }) {
  return { ...detail(e), ...(e.unchanged ? { unchanged: true } : {}) };
}
