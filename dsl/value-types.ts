// The types of values in conditions, as the checker infers them, and how messages name them.
// Pure and dependency-free: the function table (dsl/functions.ts) and the editor read it too.

/** The type of a value in a condition; `enum` carries its allowed values. */
export type ValueType =
  | { t: 'number' | 'string' | 'boolean' | 'date' | 'datetime' | 'timezone' | 'intervals' | 'events' | 'null' | 'unknown' }
  | { t: 'enum'; values: string[]; kind: 'value' | 'tier' | 'priority' }
  | { t: 'list'; item: ValueType };

export const UNKNOWN: ValueType = { t: 'unknown' };
export const BOOLEAN: ValueType = { t: 'boolean' };

/** A type as messages name it: `a number`, `text`, `a date and time`. */
export function typeWords(v: ValueType): string {
  switch (v.t) {
    case 'enum':
      return 'one of a set of values';
    case 'list':
      return 'a list';
    case 'datetime':
      return 'a date and time';
    case 'timezone':
      return 'a time zone';
    case 'intervals':
      return 'a list of intervals';
    case 'events':
      return 'a list of ticket events';
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${v.t}`;
  }
}

export const isTextual = (v: ValueType) => v.t === 'string' || v.t === 'enum' || v.t === 'timezone';
export const isTemporal = (v: ValueType) => v.t === 'date' || v.t === 'datetime';

/** Whether two values can meet in one comparison, list or `coalesce`. */
export function compatible(a: ValueType, b: ValueType): boolean {
  if (a.t === 'unknown' || b.t === 'unknown' || a.t === 'null' || b.t === 'null') return true;
  if (isTextual(a) && isTextual(b)) return true;
  if (isTemporal(a) && isTemporal(b)) return true;
  return a.t === b.t;
}
