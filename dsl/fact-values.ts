// What a fact's value must be, and the words for each way a value can miss it. The checker (a
// fact's default, the facts of a policy's tests) and the engine's facts validator (engine/facts.ts,
// whose quick path and ajv only decide *whether* facts fit) both word problems here, so a value
// refused at validation and at evaluation is refused in the same words.
import { type ZoneResult, canonicalZone, isDateTime, isRealDate, zoneNames, zoneProblem } from './datetime.js';
import { didYouMean } from './diagnostics.js';
import type { FactDecl } from './model.js';

type FactType = FactDecl['type'];

/** What a value must be, by fact type and, inside a value, by JSON type. */
const EXPECTED: Record<Exclude<FactType, 'enum'> | 'array' | 'object', string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  date: 'a date like 2024-01-31',
  datetime: 'a date and time with its offset, like 2024-01-31T09:30:00+01:00',
  timezone: 'an IANA time zone like Europe/Rome',
  intervals: 'a list of {from, to} dates and times',
  events: "a list of {type, at} ticket events, like { type: 'agent-reply', at: 2024-01-31T09:30:00+01:00 }",
  array: 'a list',
  object: 'an object',
};
export type Expected = keyof typeof EXPECTED;
export const isExpected = (name: string): name is Expected => Object.hasOwn(EXPECTED, name);

/** One way a value misses its fact, in fields; `factValueMessage` words it. */
export type FactValueProblem =
  /** `inside`: the place inside the value (`0/to`); `got`: the value, when the message may show it. */
  | { kind: 'wrong-type'; fact: string; expected: Expected; inside?: string; got?: unknown }
  | { kind: 'unknown-zone'; fact: string; value: string; zone: Extract<ZoneResult, { ok: false }> }
  | { kind: 'not-a-value'; fact: string; value: unknown; values: readonly string[] }
  | { kind: 'below' | 'above'; fact: string; limit: number; value: number }
  | { kind: 'unsafe-integer'; fact: string; value: number }
  | { kind: 'unknown-fact'; fact: string; near?: string; known: readonly string[] }
  | { kind: 'required'; fact: string }
  | { kind: 'needs-field'; fact: string; inside: string; field: string }
  | { kind: 'unknown-field'; fact: string; inside: string; field: string }
  | { kind: 'not-facts' }
  | { kind: 'invalid'; fact: string; detail: string };

export function factValueMessage(p: FactValueProblem): string {
  switch (p.kind) {
    case 'wrong-type':
      return `fact '${p.fact}'${at(p.inside)} should be ${EXPECTED[p.expected]}${'got' in p ? `, not ${JSON.stringify(p.got)}` : ''}`;
    case 'unknown-zone':
      return `fact '${p.fact}': ${zoneProblem(p.value, p.zone)}`;
    case 'not-a-value':
      return `${JSON.stringify(p.value)} is not a value of fact '${p.fact}' (${p.values.join(', ')})`;
    case 'below':
      return `fact '${p.fact}' should be at least ${p.limit} (got ${p.value})`;
    case 'above':
      return `fact '${p.fact}' should be at most ${p.limit} (got ${p.value})`;
    case 'unsafe-integer':
      return `fact '${p.fact}' should be a whole number between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, exactly as written (got ${p.value})`;
    case 'unknown-fact':
      return `unknown fact '${p.fact}'${p.near ? ` — did you mean '${p.near}'?` : ''} (this policy's facts: ${p.known.join(', ')})`;
    case 'required':
      return `fact '${p.fact}' is required`;
    case 'needs-field':
      return `fact '${p.fact}'${at(p.inside)} needs '${p.field}'`;
    case 'unknown-field':
      return `fact '${p.fact}'${at(p.inside)} has an unknown field '${p.field}' (an interval has from and to)`;
    case 'not-facts':
      return 'the facts must be a JSON object of fact names and values';
    case 'invalid':
      return `fact '${p.fact}': ${p.detail}`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

const at = (inside: string | undefined) => (inside ? ` (${inside})` : '');

/** A hint for a problem, where one helps: the value it probably meant. */
export function factValueHint(p: FactValueProblem): string | undefined {
  if (p.kind === 'unknown-zone') return didYouMean(p.value, zoneNames()) ?? "use an IANA name like 'Europe/Rome'";
  if (p.kind === 'not-a-value' && typeof p.value === 'string') return didYouMean(p.value, p.values);
  return undefined;
}

/** Whether a value (not null: that is "not given") fits a fact declaration; what is wrong otherwise. */
export function factValueProblem(f: FactDecl, value: unknown): FactValueProblem | undefined {
  const wrong = (expected: Expected): FactValueProblem => ({ kind: 'wrong-type', fact: f.name, expected, got: value });
  switch (f.type) {
    case 'string':
      return typeof value === 'string' ? undefined : wrong('string');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? outOfRange(f, value) : wrong('number');
    case 'integer':
      return Number.isSafeInteger(value) ? outOfRange(f, value as number) : wrong('integer');
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wrong('boolean');
    case 'date':
      return typeof value === 'string' && isRealDate(value) ? undefined : wrong('date');
    case 'datetime':
      return typeof value === 'string' && isDateTime(value) ? undefined : wrong('datetime');
    case 'timezone': {
      if (typeof value !== 'string') return wrong('timezone');
      const zone = canonicalZone(value);
      return zone.ok ? undefined : { kind: 'unknown-zone', fact: f.name, value, zone };
    }
    case 'intervals':
      return Array.isArray(value) &&
        value.every(
          (v) =>
            v !== null &&
            typeof v === 'object' &&
            isDateTime((v as { from?: unknown }).from) &&
            isDateTime((v as { to?: unknown }).to),
        )
        ? undefined
        : wrong('intervals');
    case 'events':
      return Array.isArray(value) &&
        value.every(
          (v) =>
            v !== null &&
            typeof v === 'object' &&
            typeof (v as { type?: unknown }).type === 'string' &&
            isDateTime((v as { at?: unknown }).at),
        )
        ? undefined
        : wrong('events');
    case 'enum':
      return typeof value === 'string' && f.values?.includes(value)
        ? undefined
        : { kind: 'not-a-value', fact: f.name, value, values: f.values ?? [] };
    default: {
      const never: never = f.type;
      return never;
    }
  }
}

/** A number outside its fact's `min`/`max`. */
function outOfRange(f: FactDecl, value: number): FactValueProblem | undefined {
  if (f.min !== undefined && value < f.min) return { kind: 'below', fact: f.name, limit: f.min, value };
  if (f.max !== undefined && value > f.max) return { kind: 'above', fact: f.name, limit: f.max, value };
  return undefined;
}
