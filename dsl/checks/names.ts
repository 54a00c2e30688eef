// Names: what an unknown name probably means, and what a zone name that is none was meant to be.
import { zoneNames, type ZoneResult } from '../datetime.js';
import { closest, type Diagnostic, type Span } from '../diagnostics.js';
import type { FactDecl, Named } from '../model.js';
import { nearest, type UnknownValue, unknownZone } from '../problems/index.js';

/** The closest of `known` to a name, as a constructor's `near` field (for the checks that import it from here). */
export { nearest };

/** A name that is not among `known`, with what it probably means (`meant`, else the closest). */
export function undeclared(n: Named, known: string[], meant?: string) {
  return { span: n.span, name: n.name, known, ...(meant !== undefined ? { near: meant } : nearest(n.name, known)) };
}

/** `'medium' is not a value of 'urgency' (high, low)`, written in a table or list. */
export function tableValue(n: Named, f: FactDecl, meant?: string): UnknownValue {
  const values = f.values ?? [];
  return {
    where: 'table',
    span: n.span,
    value: n.name,
    fact: f.name,
    values,
    ...(meant !== undefined ? { near: meant } : nearest(n.name, values)),
  };
}

/** A zone name that is no IANA zone of a place. */
export function zoneNameProblem(span: Span, name: string, result: Extract<ZoneResult, { ok: false }>): Diagnostic {
  return unknownZone({ span, name, result, ...(result.kind === 'unknown' ? nearest(name, zoneNames()) : {}) });
}

/**
 * What each unknown name written where `known` names were expected probably means: the closest
 * known name, or, when exactly one name is unknown and exactly one known name is missing, that
 * one ('P5' written where 'P4' is the only priority without a target).
 */
export function nearMisses(written: string[], known: string[]): Map<string, string> {
  const meant = new Map<string, string>();
  const unknown = written.filter((w) => !known.includes(w));
  for (const w of unknown) {
    const c = closest(w, known);
    if (c && !written.includes(c)) meant.set(w, c);
  }
  const unpaired = unknown.filter((w) => !meant.has(w));
  const missing = known.filter((k) => !written.includes(k) && ![...meant.values()].includes(k));
  if (unpaired.length === 1 && missing.length === 1) meant.set(unpaired[0]!, missing[0]!);
  return meant;
}
