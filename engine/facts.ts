// The input schema of a policy, generated from its fact declarations, and the validator that
// checks facts against it (ajv): unknown facts, wrong types and bad values are problems that
// name the fact, never a wrong decision. Defaults are applied after validation.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  type FactDecl,
  INSTANT_RANGE_TEXT,
  type Policy,
  canonicalZone,
  closest,
  isCountedInstant,
  isRealDate,
  isTimeZone,
  type FactValueProblem,
  factValueMessage,
  isExpected,
} from '../dsl/index.js';
import { CLOCK_SPAN_MS, CLOCK_YEARS } from './clock.js';
import type { FactProblem } from './decision.js';
import { Instants, type Value, plainInstant } from './values.js';

/** A datetime as facts take it: RFC 3339 with its offset, a real date, a time in range (dsl/datetime.ts). */
export function isRealDateTime(v: string): boolean {
  return !Number.isNaN(plainInstant(v));
}

/** A timezone fact's value as the rules read it: canonical (`eUrope/rome` → `Europe/Rome`). */
function canonicalValue(f: FactDecl, v: Value): Value {
  if (f.type !== 'timezone' || typeof v !== 'string') return v;
  const zone = canonicalZone(v);
  return zone.ok ? zone.zone : v;
}

/** The JSON Schema of one fact's value. */
export function factValueSchema(f: FactDecl): Record<string, unknown> {
  const description = f.description ? { description: f.description } : {};
  switch (f.type) {
    case 'string':
      return { type: 'string', ...description };
    case 'number':
      return {
        type: 'number',
        ...(f.min !== undefined ? { minimum: f.min } : {}),
        ...(f.max !== undefined ? { maximum: f.max } : {}),
        ...description,
      };
    case 'integer':
      // Safe integers only: past 2^53 a JSON number is no longer the integer written.
      return {
        type: 'integer',
        minimum: Math.max(f.min ?? -Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
        maximum: Math.min(f.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
        ...description,
      };
    case 'boolean':
      return { type: 'boolean', ...description };
    case 'date':
      return { type: 'string', format: 'date', ...description };
    case 'datetime':
      return { type: 'string', format: 'date-time', ...description };
    case 'timezone':
      return { type: 'string', format: 'timezone', ...description };
    case 'enum':
      return { type: 'string', enum: f.values ?? [], ...description };
    case 'intervals':
      return {
        type: 'array',
        items: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
        },
        ...description,
      };
    case 'events':
      return {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'at'],
          additionalProperties: false,
          properties: { type: { type: 'string', minLength: 1 }, at: { type: 'string', format: 'date-time' } },
        },
        // Each event may end a cycle of each window, each cycle one due date: bounded work.
        maxItems: 1000,
        ...description,
      };
    default: {
      const never: never = f.type;
      return never;
    }
  }
}

/** The JSON Schema of a policy's facts: the input of the evaluate call. */
export function factsSchema(policy: Policy): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `facts of policy ${policy.id}`,
    type: 'object',
    additionalProperties: false,
    required: policy.facts.filter((f) => f.required).map((f) => f.name),
    properties: Object.fromEntries(
      policy.facts.map((f) => [f.name, { ...factValueSchema(f), ...(f.default !== undefined ? { default: f.default } : {}) }]),
    ),
  };
}

/**
 * The prototype of fact objects: empty, frozen, and itself without one. Objects made from it
 * inherit nothing (so `__proto__` or `constructor` is an ordinary key, `in` sees own keys only),
 * yet stay fast objects with a shape, unlike `Object.create(null)`'s dictionaries.
 */
const NO_PROTOTYPE = Object.freeze(Object.create(null));

/** `instants`: the evaluation's datetimes read so far (see `Instants`). */
export type FactsValidator = (
  input: unknown,
  instants?: Instants,
) => { ok: true; slots: Value[] } | { ok: false; problems: FactProblem[] };

/** Compiles the validator of a policy's facts (`quick: false` leaves out the path without ajv, for tests). */
export function createFactsValidator(policy: Policy, { quick = true } = {}): FactsValidator {
  // Compiled when facts first need it: plainly valid facts never do, and compiling was about a
  // sixth of a one-ticket `spe eval`'s start.
  let compiled: ValidateFunction | undefined;
  const schemaCheck = (): ValidateFunction => {
    if (compiled) return compiled;
    // The schema is ours and known good: skip compiling the meta-schema to check it (~35 ms at start).
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    ajv.addFormat('date', { type: 'string', validate: isRealDate });
    ajv.addFormat('date-time', { type: 'string', validate: isRealDateTime });
    ajv.addFormat('timezone', { type: 'string', validate: isTimeZone });
    return (compiled = ajv.compile(factsSchema(policy)));
  };
  const declared = new Map(policy.facts.map((f) => [f.name, f]));
  const names = [...declared.keys()];
  const accept = quick ? quickAccept(policy) : () => null;
  const inOrder = timeOrder(policy);
  /** Values that each fit their fact may still not fit together (a pause that ends before it starts). */
  const related = (slots: Value[], instants: Instants): ReturnType<FactsValidator> => {
    const problems = inOrder(slots, instants);
    return problems.length === 0 ? { ok: true, slots } : { ok: false, problems: [...problems] };
  };

  return (input, instants = new Instants()) => {
    const accepted = accept(input, instants);
    if (accepted !== null) return inOrder(accepted.slots, instants).length === 0 ? accepted : related(accepted.slots, instants);
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return {
        ok: false,
        problems: [{ pointer: '', fact: '', message: factValueMessage({ kind: 'not-facts' }) }],
      };
    }
    // A null stands for "not given". A prototype-less copy: a key such as `__proto__` is just an
    // unknown fact here, never a change to an object's prototype.
    const given: Record<string, Value> = Object.create(NO_PROTOTYPE);
    for (const k in input) {
      if (!Object.hasOwn(input, k)) continue;
      const v = (input as Record<string, unknown>)[k];
      if (v !== null) given[k] = v as Value;
    }
    const validate = schemaCheck();
    if (!validate(given)) {
      // One problem per value: a number given for an enum fails both `type` and `enum`.
      const seen = new Set<string>();
      const problems = (validate.errors ?? [])
        .map((e) => problem(e, declared, names, given))
        .filter((p) => !seen.has(p.pointer) && seen.add(p.pointer));
      return { ok: false, problems };
    }
    // By place in declaration order: how the rules and the evaluation read them.
    const slots: Value[] = new Array(policy.facts.length);
    for (let i = 0; i < policy.facts.length; i++) {
      const f = policy.facts[i]!;
      const v = Object.hasOwn(given, f.name) ? given[f.name] : f.default;
      slots[i] = v === undefined ? null : canonicalValue(f, v as Value);
    }
    return related(slots, instants);
  };
}

/** The facts the SLA clock reads that must not come before `openedAt`. */
const AFTER_OPENED = ['respondedAt', 'resolvedAt'];

/** `fact 'openedAt' (1999-12-31T23:00:00Z) is outside …`: an instant the engine does not count. */
export const outsideRangeMessage = (what: string, value: string) =>
  `${what} (${value}) is outside the instants the engine counts: ${INSTANT_RANGE_TEXT}`;
/** `fact 'resolvedAt' (…) is more than 5 years after openedAt (…)`: past the clock's span. */
export const pastClockMessage = (what: string, value: string, openedAt: string) =>
  `${what} (${value}) is more than ${CLOCK_YEARS} years after openedAt (${openedAt}): the SLA clock counts at most ${CLOCK_YEARS} years (1827 days)`;

/**
 * The checks built into every policy on datetimes and how they relate: every instant lies in
 * the range the engine counts (dsl/datetime.ts), each interval ends after it starts, and the
 * response, the resolution and every pause come no earlier than `openedAt` and end within the
 * clock's 5 years of it. Each problem points at the value (`/pauses/0/to`, `/respondedAt`).
 * Both the quick path and the full one end here, so neither accepts what the other refuses.
 */
/** No problems: shared, never added to. */
const NO_PROBLEMS: readonly FactProblem[] = Object.freeze([]);

function timeOrder(policy: Policy): (slots: Value[], instants: Instants) => readonly FactProblem[] {
  const at = (name: string, type: FactDecl['type']) => policy.facts.findIndex((f) => f.name === name && f.type === type);
  const opened = at('openedAt', 'datetime');
  const after = AFTER_OPENED.map((name) => ({ name, slot: at(name, 'datetime') })).filter((a) => a.slot >= 0 && opened >= 0);
  const datetimes = policy.facts.flatMap((f, slot) => (f.type === 'datetime' ? [{ name: f.name, slot }] : []));
  const lists = policy.facts.flatMap((f, slot) => (f.type === 'intervals' ? [{ name: f.name, slot }] : []));
  const eventLists = policy.facts.flatMap((f, slot) => (f.type === 'events' ? [{ name: f.name, slot }] : []));
  if (datetimes.length === 0 && lists.length === 0 && eventLists.length === 0) return () => NO_PROBLEMS;
  // The slots that hold instants: when none is given (most evaluations without a clock) there is nothing to compare.
  const watched = Int32Array.from([...datetimes, ...lists, ...eventLists], (w) => w.slot);
  const check = (slots: Value[], instants: Instants): readonly FactProblem[] => {
    const instant = (v: string) => instants.at(v);
    // Made when there is a problem: most facts have none. Each instant is read once.
    let problems: FactProblem[] | null = null;
    const add = (p: FactProblem) => (problems ??= []).push(p);
    for (const { name, slot } of datetimes) {
      const v = slots[slot];
      if (typeof v === 'string' && !isCountedInstant(instant(v)))
        add({ pointer: pointerOf(name), fact: name, message: outsideRangeMessage(`fact '${name}'`, v) });
    }
    const openedAt = opened >= 0 ? slots[opened] : null;
    const openedMs = typeof openedAt === 'string' ? instant(openedAt) : Number.NaN;
    const start = isCountedInstant(openedMs) ? openedMs : Number.NaN;
    for (const { name, slot } of after) {
      const v = slots[slot];
      if (typeof v !== 'string') continue;
      const ms = instant(v);
      if (ms < start)
        add({
          pointer: pointerOf(name),
          fact: name,
          message: `fact '${name}' (${v}) is before openedAt (${openedAt})`,
        });
      else if (ms - start > CLOCK_SPAN_MS && isCountedInstant(ms))
        add({
          pointer: pointerOf(name),
          fact: name,
          message: pastClockMessage(`fact '${name}'`, v, openedAt as string),
        });
    }
    for (const { name, slot } of lists) {
      const list = slots[slot];
      if (!Array.isArray(list)) continue;
      list.forEach((entry, i) => {
        const { from, to } = entry as unknown as { from: string; to: string };
        const fromMs = instant(from);
        const toMs = instant(to);
        const ends = [
          ['from', from, fromMs],
          ['to', to, toMs],
        ] as const;
        const outside = ends.filter(([, , ms]) => !isCountedInstant(ms));
        for (const [end, v] of outside)
          add({
            pointer: pointerOf(name, `/${i}/${end}`),
            fact: name,
            message: outsideRangeMessage(`fact '${name}' (${i}): '${end}'`, v),
          });
        if (outside.length > 0) return;
        if (fromMs >= toMs)
          add({
            pointer: pointerOf(name, `/${i}/to`),
            fact: name,
            message: `fact '${name}' (${i}): 'to' (${to}) should be after 'from' (${from})`,
          });
        // Pauses stop the clock that starts at openedAt: one before it stops nothing real.
        if (name === 'pauses' && fromMs < start)
          add({
            pointer: pointerOf(name, `/${i}/from`),
            fact: name,
            message: `fact '${name}' (${i}): 'from' (${from}) is before openedAt (${openedAt})`,
          });
        else if (name === 'pauses' && toMs - start > CLOCK_SPAN_MS)
          add({
            pointer: pointerOf(name, `/${i}/to`),
            fact: name,
            message: pastClockMessage(`fact '${name}' (${i}): 'to'`, to, openedAt as string),
          });
      });
    }
    // Ticket events happen on the clock that starts at openedAt, within its reach.
    for (const { name, slot } of eventLists) {
      const list = slots[slot];
      if (!Array.isArray(list)) continue;
      list.forEach((entry, i) => {
        const { at } = entry as unknown as { at: string };
        const pointer = pointerOf(name, `/${i}/at`);
        const ms = instant(at);
        if (!isCountedInstant(ms)) add({ pointer, fact: name, message: outsideRangeMessage(`fact '${name}' (${i}): 'at'`, at) });
        else if (ms < start)
          add({ pointer, fact: name, message: `fact '${name}' (${i}): 'at' (${at}) is before openedAt (${openedAt})` });
        else if (ms - start > CLOCK_SPAN_MS)
          add({ pointer, fact: name, message: pastClockMessage(`fact '${name}' (${i}): 'at'`, at, openedAt as string) });
      });
    }
    return problems ?? NO_PROBLEMS;
  };
  return (slots, instants) => {
    for (let k = 0; k < watched.length; k++) if (slots[watched[k]!] !== null) return check(slots, instants);
    return NO_PROBLEMS;
  };
}

/** The checks of the path without ajv, one per fact type (a number, so one switch makes them inline). */
const enum Quick {
  String,
  Enum,
  Boolean,
  Number,
  Integer,
  DateTime,
  Date,
  TimeZone,
  /** Lists of intervals: ajv's check, and its words when they are wrong. */
  Full,
}
const QUICK: Record<FactDecl['type'], Quick> = {
  string: Quick.String,
  enum: Quick.Enum,
  boolean: Quick.Boolean,
  number: Quick.Number,
  integer: Quick.Integer,
  datetime: Quick.DateTime,
  date: Quick.Date,
  timezone: Quick.TimeZone,
  intervals: Quick.Full,
  events: Quick.Full,
};

/** Whether a value is plainly right for its fact's type: each test is one ajv makes, or stricter. */
function plainlyValid(kind: Quick, values: ReadonlySet<string> | null, v: unknown, instants: Instants): boolean {
  switch (kind) {
    case Quick.String:
      return typeof v === 'string';
    case Quick.Enum:
      return typeof v === 'string' && values!.has(v);
    case Quick.Boolean:
      return typeof v === 'boolean';
    case Quick.Number:
      return typeof v === 'number' && Number.isFinite(v);
    case Quick.Integer:
      return Number.isSafeInteger(v);
    case Quick.DateTime:
      return typeof v === 'string' && !Number.isNaN(instants.plain(v));
    case Quick.Date:
      return typeof v === 'string' && isRealDate(v);
    case Quick.TimeZone:
      return typeof v === 'string' && isTimeZone(v);
    default:
      return false;
  }
}

/**
 * The common case without ajv: an object of declared facts with plainly valid values. It answers
 * only when ajv would accept the facts (each check is one ajv makes, or stricter) and gives then
 * exactly what the full path gives; anything else (`null`) goes the full way, which finds and
 * words the problems. Checking twice cost a fifth of a whole evaluation.
 */
function quickAccept(policy: Policy): (input: unknown, instants: Instants) => { ok: true; slots: Value[] } | null {
  const facts = policy.facts;
  const names = facts.map((f) => f.name);
  const kinds = facts.map((f) => QUICK[f.type]);
  const enums = facts.map((f) => (f.type === 'enum' ? new Set(f.values ?? []) : null));
  const defaults = facts.map((f) => (f.default === undefined ? null : canonicalValue(f, f.default as Value)));
  // Bounds of numbers and integers (an integer's safe range is checked by its kind's test).
  const mins = facts.map((f) => f.min ?? -Infinity);
  const maxs = facts.map((f) => f.max ?? Infinity);
  const slotOf = new Map(names.map((name, i) => [name, i]));
  const requiredSlots = facts.flatMap((f, i) => (f.required === true ? [i] : []));
  return (input, instants) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return null;
    // The values given, over the defaults (null: "not given"). The full path reads own
    // enumerable keys only, as Object.keys gives them; any key that is not a declared fact is
    // an unknown fact (a problem): the full path's business, which finds and words it.
    const slots: Value[] = defaults.slice();
    const keys = Object.keys(input);
    for (let k = 0; k < keys.length; k++) {
      const name = keys[k]!;
      const i = slotOf.get(name);
      if (i === undefined) return null;
      const v = (input as Record<string, unknown>)[name];
      if (v === null) continue;
      if (!plainlyValid(kinds[i]!, enums[i]!, v, instants)) return null;
      if (kinds[i] === Quick.TimeZone) slots[i] = canonicalValue(facts[i]!, v as Value);
      else if (typeof v === 'number' && (v < mins[i]! || v > maxs[i]!)) return null;
      else slots[i] = v as Value;
    }
    // A required fact not given (nor null): the full path words it.
    for (let r = 0; r < requiredSlots.length; r++) if (slots[requiredSlots[r]!] === null) return null;
    return { ok: true, slots };
  };
}

const pointerOf = (name: string, rest = '') => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}${rest}`;

/** An ajv error as the problem it is, worded as the checker words it (dsl/fact-values.ts). */
function problem(e: ErrorObject, declared: Map<string, FactDecl>, names: string[], given: Record<string, Value>): FactProblem {
  const [, first = '', ...rest] = e.instancePath.split('/');
  const name = first.replace(/~1/g, '/').replace(/~0/g, '~');
  const f = declared.get(name);
  const value = given[name];
  const at = (pointer: string, p: FactValueProblem, fact = name): FactProblem => ({
    pointer,
    fact,
    message: factValueMessage(p),
  });
  // Inside a fact's value (an entry of a list of intervals): the place in it.
  const inside = rest.length ? rest.join('/') : undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      if (e.instancePath !== '')
        return at(`${e.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`, {
          kind: 'unknown-field',
          fact: name,
          inside: inside ?? '',
          field: extra,
        });
      const near = closest(extra, names);
      return at(pointerOf(extra), { kind: 'unknown-fact', fact: extra, known: names, ...(near ? { near } : {}) }, extra);
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (e.instancePath !== '')
        return at(`${e.instancePath}/${missing}`, { kind: 'needs-field', fact: name, inside: inside ?? '', field: missing });
      return at(pointerOf(missing), { kind: 'required', fact: missing }, missing);
    }
    case 'minimum':
    case 'maximum': {
      if (f?.type === 'integer' && typeof value === 'number' && !Number.isSafeInteger(value))
        return at(e.instancePath, { kind: 'unsafe-integer', fact: name, value });
      const limit = (e.params as { limit: number }).limit;
      return at(e.instancePath, { kind: e.keyword === 'minimum' ? 'below' : 'above', fact: name, limit, value: value as number });
    }
    case 'enum':
      return at(e.instancePath, { kind: 'not-a-value', fact: name, value, values: f?.values ?? [] });
    case 'format': {
      const format = (e.params as { format: string }).format;
      if (format === 'timezone' && typeof value === 'string') {
        const zone = canonicalZone(value);
        if (!zone.ok) return at(e.instancePath, { kind: 'unknown-zone', fact: name, value, zone });
      }
      const expected = format === 'date-time' ? 'datetime' : format;
      if (isExpected(expected))
        return at(e.instancePath, { kind: 'wrong-type', fact: name, expected, ...(inside ? { inside } : {}) });
      return at(e.instancePath, { kind: 'invalid', fact: name, detail: e.message ?? 'is not valid' });
    }
    case 'type': {
      const type = String((e.params as { type: string }).type);
      if (isExpected(type))
        return at(e.instancePath, { kind: 'wrong-type', fact: name, expected: type, ...(inside ? { inside } : {}) });
      return at(e.instancePath, { kind: 'invalid', fact: name, detail: e.message ?? 'is not valid' });
    }
    default:
      return at(e.instancePath, { kind: 'invalid', fact: name, detail: e.message ?? 'is not valid' });
  }
}
