// The functions of the expression language: name, arity, where a date function takes its zone,
// signature, documentation and type check, in one table. The checker types calls with it, the
// engine keys its implementations by its names (engine/expr.ts), and the web editor completes and
// documents calls from it; so it imports nothing but dsl/value-types.ts (no Node modules).
import { BOOLEAN, UNKNOWN, type ValueType, compatible, isTemporal } from './value-types.js';

/** What is wrong with one argument of a call, in fields; the checker words it (`expr.type-mismatch`). */
export type ArgumentProblem =
  { kind: 'expects'; want: 'date' | 'number'; got: ValueType } | { kind: 'mixes'; first: ValueType; other: ValueType };

export interface LanguageFunction {
  /** Fewest and most arguments, the zone included. */
  arity: readonly [number, number];
  /** Where a date function takes its optional zone (a timezone fact or a zone name). */
  zoneAt?: number;
  /** The call as the documentation writes it: `addDays(d, n, zone?)`. */
  signature: string;
  /** What it gives, in a sentence (markdown: `code` in backticks). */
  doc: string;
  /** The type of a call from the types of its arguments, reporting each argument that does not fit. */
  check(args: ValueType[], report: (i: number, problem: ArgumentProblem) => void): ValueType;
}

const temporalArg = (args: ValueType[], i: number, report: (i: number, p: ArgumentProblem) => void) => {
  const a = args[i] ?? UNKNOWN;
  if (a.t !== 'unknown' && a.t !== 'null' && !isTemporal(a)) report(i, { kind: 'expects', want: 'date', got: a });
};
const numberArg = (args: ValueType[], i: number, report: (i: number, p: ArgumentProblem) => void) => {
  const a = args[i] ?? UNKNOWN;
  if (a.t !== 'unknown' && a.t !== 'number') report(i, { kind: 'expects', want: 'number', got: a });
};
const toDate: LanguageFunction['check'] = (args, report) => {
  temporalArg(args, 0, report);
  return { t: 'date' };
};
const shift: LanguageFunction['check'] = (args, report) => {
  temporalArg(args, 0, report);
  numberArg(args, 1, report);
  const a = args[0] ?? UNKNOWN;
  return a.t === 'datetime' ? a : { t: 'date' };
};

const TABLE = {
  coalesce: {
    arity: [1, 8],
    signature: 'coalesce(a, b, …)',
    doc: 'The first of its arguments that is set (not null).',
    check(args, report) {
      const known = args.filter((a) => a.t !== 'unknown' && a.t !== 'null');
      for (const a of known)
        if (!compatible(known[0]!, a)) report(args.indexOf(a), { kind: 'mixes', first: known[0]!, other: a });
      if (known.some((a) => a.t === 'datetime') && known.every(isTemporal)) return { t: 'datetime' };
      return known[0] ?? UNKNOWN;
    },
  },
  startOfYear: {
    arity: [1, 2],
    zoneAt: 1,
    signature: 'startOfYear(d, zone?)',
    doc: 'The 1st of January of the year of date `d` (of a datetime: of its date in `zone`, else the policy’s `zone:`).',
    check: toDate,
  },
  startOfMonth: {
    arity: [1, 2],
    zoneAt: 1,
    signature: 'startOfMonth(d, zone?)',
    doc: 'The first day of the month of date `d` (of a datetime: of its date in `zone`, else the policy’s `zone:`).',
    check: toDate,
  },
  endOfMonth: {
    arity: [1, 2],
    zoneAt: 1,
    signature: 'endOfMonth(d, zone?)',
    doc: 'The last day of the month of date `d` (of a datetime: of its date in `zone`, else the policy’s `zone:`).',
    check: toDate,
  },
  dateOf: {
    arity: [1, 2],
    zoneAt: 1,
    signature: 'dateOf(t, zone?)',
    doc: 'The local date of datetime `t` in `zone` (a timezone fact or a name like "Europe/Rome"), else in the policy’s `zone:`; the same whatever offset `t` is written in.',
    check: toDate,
  },
  addDays: {
    arity: [2, 3],
    zoneAt: 2,
    signature: 'addDays(d, n, zone?)',
    doc: 'Date `d` plus `n` days (a datetime moves by local days in `zone`, else the policy’s `zone:`).',
    check: shift,
  },
  addMonths: {
    arity: [2, 3],
    zoneAt: 2,
    signature: 'addMonths(d, n, zone?)',
    doc: 'Date `d` plus `n` months, the day clamped to the month’s end (a datetime moves in `zone`, else the policy’s `zone:`).',
    check: shift,
  },
  addYears: {
    arity: [2, 3],
    zoneAt: 2,
    signature: 'addYears(d, n, zone?)',
    doc: 'Date `d` plus `n` years (29 February becomes 28 February; a datetime moves in `zone`, else the policy’s `zone:`).',
    check: shift,
  },
  isSet: {
    arity: [1, 1],
    signature: 'isSet(x)',
    doc: 'True when fact `x` was given (or has a default).',
    check: () => BOOLEAN,
  },
} as const satisfies Record<string, LanguageFunction>;

export type FunctionName = keyof typeof TABLE;

/** The functions of the expression language, by name. */
export const FUNCTIONS: Readonly<Record<FunctionName, LanguageFunction>> = TABLE;

export const FUNCTION_NAMES = Object.keys(TABLE) as FunctionName[];

/** Whether a call names a function; own names only (`toString(…)` is no function of the language). */
export const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(TABLE, name);

/** The function a call names, if it is one. */
export const functionNamed = (name: string): LanguageFunction | undefined => (isFunctionName(name) ? FUNCTIONS[name] : undefined);

/** How a call's hint presents a function: its signature and what it gives. */
export const functionHelp = (fn: LanguageFunction) => `${fn.signature}: ${fn.doc}`;
