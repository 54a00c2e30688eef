// A decision's id: a 128-bit hash (four 32-bit multiply-xor lanes, one pass) of the revision,
// the facts as validated (in declaration order, defaults applied, null for "not given") and
// `now`. An identifier for logs and support, not a signature: a cryptographic hash cost a third
// of a whole evaluation. Each part is fed with its length first (null as -1), so no two
// different inputs feed the same sequence; a fact's type is fixed by its declaration, so a
// scalar's text alone tells its value. Instants are hashed as their UTC milliseconds, so the
// same ticket written in two offsets has the same id (zones are canonical once validated).
import { Instants } from './values.js';

/** The character codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** The code of the hex digit of `x` at bit `shift`. */
const digit = (x: number, shift: number) => HEX[(x >>> shift) & 15]!;
// The id in one String.fromCharCode call: a flat string at once, a third of the cost of
// concatenating table entries (Number#toString(16) costs a quarter of a microsecond).
const fromCodes = String.fromCharCode;
/** `dec_` and the 128 bits of four 32-bit words in hex. */
// prettier-ignore
const idText = (a: number, b: number, c: number, d: number) =>
  fromCodes(
    100, 101, 99, 95, // dec_
    digit(a, 28), digit(a, 24), digit(a, 20), digit(a, 16), digit(a, 12), digit(a, 8), digit(a, 4), digit(a, 0),
    digit(b, 28), digit(b, 24), digit(b, 20), digit(b, 16), digit(b, 12), digit(b, 8), digit(b, 4), digit(b, 0),
    digit(c, 28), digit(c, 24), digit(c, 20), digit(c, 16), digit(c, 12), digit(c, 8), digit(c, 4), digit(c, 0),
    digit(d, 28), digit(d, 24), digit(d, 20), digit(d, 16), digit(d, 12), digit(d, 8), digit(d, 4), digit(d, 0),
  );
const mix = (x: number, y: number) => (Math.imul(x ^ (x >>> 16), 2246822507) ^ Math.imul(y ^ (y >>> 13), 3266489909)) >>> 0;

/** JSON with sorted keys: lists and objects (such as pauses) hash the same whatever their key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return canonical(v);
}

/** The lanes after feeding the revision: the same for every decision of a revision, so fed once per revision. */
export function revisionLanes(revision: string): number[] {
  let a = 0xdeadbeef | 0;
  let b = 0x41c6ce57 | 0;
  let c = 0x9e3779b9 | 0;
  let d = 0x85ebca6b | 0;
  // The revision's hex digits identify it: a prefix of them keeps the hashed text short.
  const s = revision.slice(7, 39);
  const n = s.length;
  a = Math.imul(a ^ n, 2654435761);
  b = Math.imul(b ^ n, 1597334677);
  c = Math.imul(c ^ n, 2246822519);
  d = Math.imul(d ^ n, 3266489917);
  for (let j = 0; j < n; j += 2) {
    const w = s.charCodeAt(j) | (j + 1 < n ? s.charCodeAt(j + 1) << 16 : 0);
    a = Math.imul(a ^ w, 2654435761);
    b = Math.imul(b ^ w, 1597334677);
    c = Math.imul(c ^ w, 2246822519);
    d = Math.imul(d ^ w, 3266489917);
  }
  return [a, b, c, d];
}

/** An instant's canonical text: its milliseconds since the epoch (the text as is, if it is none). */
function instantText(v: string | null, instants: Instants): string | null {
  if (v === null) return null;
  const ms = instants.plain(v);
  return Number.isNaN(ms) ? v : `@${ms}`;
}

/** Pauses with their instants canonical. */
function intervalsText(v: unknown, instants: Instants): string | null {
  if (!Array.isArray(v)) return text(v);
  return canonical(
    v.map((p: { from?: unknown; to?: unknown; type?: unknown; at?: unknown }) =>
      p !== null && typeof p === 'object' && typeof p.from === 'string' && typeof p.to === 'string'
        ? { from: instantText(p.from, instants), to: instantText(p.to, instants) }
        : // A ticket event (`events`): its instant in UTC too.
          p !== null && typeof p === 'object' && typeof p.type === 'string' && typeof p.at === 'string'
          ? { type: p.type, at: instantText(p.at, instants) }
          : p,
    ),
  );
}

/**
 * How each declared fact is hashed: instants and lists of intervals canonically, an enum value
 * by its place among the fact's values (one word instead of its text), the rest as they are.
 */
export interface SlotKinds {
  /** Per slot: PLAIN, INSTANT or INTERVALS. */
  readonly kinds: Uint8Array;
  /** Per slot: an enum fact's values by place, else null. */
  readonly places: readonly (ReadonlyMap<string, number> | null)[];
}

const PLAIN = 0;
const INSTANT = 1;
const INTERVALS = 2;

/** The kinds of a policy's facts, for `decisionId`. */
export function slotKinds(facts: readonly { type: string; values?: readonly string[] }[]): SlotKinds {
  return {
    kinds: Uint8Array.from(facts, (f) =>
      f.type === 'datetime' ? INSTANT : f.type === 'intervals' || f.type === 'events' ? INTERVALS : PLAIN,
    ),
    places: facts.map((f) => (f.type === 'enum' && f.values ? new Map(f.values.map((v, i) => [v, i])) : null)),
  };
}

/** Every slot plain: for callers that hash values as they are. */
const ALL_PLAIN: SlotKinds = { kinds: new Uint8Array(0), places: [] };

/**
 * The id of the decision of a revision (its `revisionLanes`) on these validated facts (in
 * declaration order) at `now`; `slots` says how each fact is hashed (missing: as it is).
 */
export function decisionId(
  lanes: readonly number[],
  slots: readonly unknown[],
  now: string | null,
  { kinds, places }: SlotKinds = ALL_PLAIN,
  instants: Instants = new Instants(),
): string {
  // The lanes are locals, so they stay 32-bit integers in registers (fields would be boxed).
  let a = lanes[0]!;
  let b = lanes[1]!;
  let c = lanes[2]!;
  let d = lanes[3]!;
  for (let i = 0; i <= slots.length; i++) {
    const kind = i < kinds.length ? kinds[i]! : PLAIN;
    const v = slots[i];
    // A value told by one number fed as its "length": an enum value's place (-16 and below), a
    // boolean (-2, -3); a text's length is 0 or more, null's -1, so no two feed alike.
    const enumPlaces = i < places.length ? places[i]! : null;
    const place = enumPlaces !== null && typeof v === 'string' ? enumPlaces.get(v) : undefined;
    if (place !== undefined || typeof v === 'boolean') {
      const n = place !== undefined ? -16 - place : v ? -2 : -3;
      a = Math.imul(a ^ n, 2654435761);
      b = Math.imul(b ^ n, 1597334677);
      c = Math.imul(c ^ n, 2246822519);
      d = Math.imul(d ^ n, 3266489917);
      continue;
    }
    const s =
      i === slots.length
        ? instantText(now, instants)
        : kind === INSTANT && typeof v === 'string'
          ? instantText(v, instants)
          : kind === INTERVALS
            ? intervalsText(v, instants)
            : text(v);
    const n = s === null ? -1 : s.length;
    a = Math.imul(a ^ n, 2654435761);
    b = Math.imul(b ^ n, 1597334677);
    c = Math.imul(c ^ n, 2246822519);
    d = Math.imul(d ^ n, 3266489917);
    // Two UTF-16 code units to a 32-bit word, a word a step.
    for (let j = 0; j < n; j += 2) {
      const w = s!.charCodeAt(j) | (j + 1 < n ? s!.charCodeAt(j + 1) << 16 : 0);
      a = Math.imul(a ^ w, 2654435761);
      b = Math.imul(b ^ w, 1597334677);
      c = Math.imul(c ^ w, 2246822519);
      d = Math.imul(d ^ w, 3266489917);
    }
  }
  return idText(mix(a, d), mix(b, a), mix(c, b), mix(d, c));
}
