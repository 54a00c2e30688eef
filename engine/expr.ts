// Compiles an expression of the policy language to a plain function of the facts. Closures, not
// generated source: nothing a policy says is ever passed to eval or Function. Conditions are
// three-valued (Kleene): a comparison reading a value that is not given is unknown (null), and
// `and`, `or`, `not`, `in` and `if` carry unknown as Kleene's tables say (DESIGN §3).
import { type Expr, FUNCTIONS, type FunctionName, canonicalZone, isFunctionName } from '../dsl/index.js';
import {
  type Value,
  addDays,
  addMonths,
  compareValues,
  dateOf,
  endOfMonth,
  isDate,
  isDateTime,
  startOfMonth,
  startOfYear,
  valuesEqual,
} from './values.js';

/** Where an expression reads its facts: given facts, derived facts and `decision.*`. */
export interface FactReader {
  get(name: string): Value;
}

export type Compiled = (facts: FactReader) => Value;

/** The policy's zone for one evaluation (`zone:`, or the value of its `zoneFact:`); null when it has none. */
export type ZoneOf = (facts: FactReader) => string | null;

export interface CompileExprOptions {
  /** Where an instant becomes a date, unless a function names its own zone. */
  zone?: ZoneOf;
  /**
   * Whether that zone is known: false when it comes from a fact (`zoneFact:`) that was not
   * given. An instant then has no date: what needs one is unknown, never read in UTC.
   */
  zoneKnown?: (facts: FactReader) => boolean;
}

const NO_ZONE: ZoneOf = () => null;
const ZONE_KNOWN = () => true;

/** Whether comparing two values turns an instant into a date (a date against a datetime). */
const needsDate = (a: Value, b: Value) => (isDate(a) && isDateTime(b)) || (isDateTime(a) && isDate(b));

const temporal = (v: Value): v is string => isDate(v) || isDateTime(v);
const isNullLiteral = (e: Expr) => e.kind === 'literal' && e.type === 'null';

/**
 * What each function of the language (dsl/functions.ts: names, arity, types) computes. A null
 * argument (a value not given, or unknown) gives null, except in `coalesce` and `isSet`, which ask
 * whether a value was given. A date function that names its zone (at its `zoneAt`) receives it,
 * canonical, else the policy's zone. Keyed by the table's names: a function missing on either
 * side does not compile.
 */
const IMPLEMENTATIONS: Record<FunctionName, (args: Value[], zone: string | null) => Value> = {
  coalesce: (args) => args.find((a) => a !== null) ?? null,
  startOfYear: ([d], z) => (temporal(d!) ? startOfYear(d, z) : null),
  startOfMonth: ([d], z) => (temporal(d!) ? startOfMonth(d, z) : null),
  endOfMonth: ([d], z) => (temporal(d!) ? endOfMonth(d, z) : null),
  dateOf: ([d], z) => (temporal(d!) ? dateOf(d, z) : null),
  addDays: ([d, n], z) => (temporal(d!) && typeof n === 'number' ? addDays(d, n, z) : null),
  addMonths: ([d, n], z) => (temporal(d!) && typeof n === 'number' ? addMonths(d, n, z) : null),
  addYears: ([d, n], z) => (temporal(d!) && typeof n === 'number' ? addMonths(d, n * 12, z) : null),
  isSet: ([x]) => x !== null,
};

/** A zone argument's canonical name; null for a value that is no zone. */
function zoneArgument(v: Value): string | null {
  if (typeof v !== 'string') return null;
  const z = canonicalZone(v);
  return z.ok ? z.zone : null;
}

export function compileExpr(e: Expr, options: CompileExprOptions = {}): Compiled {
  const zoneKnown = options.zoneKnown ?? ZONE_KNOWN;
  const zoneOf = options.zone ?? NO_ZONE;
  const sub = (x: Expr) => compileExpr(x, options);
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'fact': {
      const name = e.path.join('.');
      return (f) => f.get(name);
    }
    case 'call': {
      // Own names only: a policy's `toString(…)` is no function of ours.
      if (!isFunctionName(e.name)) throw new Error(`unknown function ${e.name} reached the engine`);
      const fn = IMPLEMENTATIONS[e.name];
      const { zoneAt } = FUNCTIONS[e.name];
      const args = e.args.map(sub);
      if (zoneAt !== undefined && args.length > zoneAt) {
        // The function names its zone: a value that is no zone gives null, like any bad argument.
        return (f) => {
          const values = args.map((a) => a(f));
          const zone = zoneArgument(values[zoneAt]!);
          return zone === null ? null : fn(values, zone);
        };
      }
      return (f) => {
        const values = args.map((a) => a(f));
        // An instant's date in the policy's zone, when that zone is a fact not given: unknown.
        if (zoneAt !== undefined && isDateTime(values[0]!) && !zoneKnown(f)) return null;
        return fn(values, zoneOf(f));
      };
    }
    case 'list': {
      const items = e.items.map(sub);
      return (f) => items.map((i) => i(f));
    }
    case 'not': {
      const operand = sub(e.operand);
      return (f) => {
        const v = operand(f);
        return v === null ? null : v !== true;
      };
    }
    case 'logical': {
      // Kleene's tables: false decides an `and`, true an `or`; otherwise an unknown operand
      // leaves the whole unknown.
      const operands = e.operands.map(sub);
      const decides = e.op === 'and' ? false : true;
      return (f) => {
        let unknown = false;
        for (const o of operands) {
          const v = o(f);
          if (v === null) unknown = true;
          else if ((v === true) === decides) return decides;
        }
        return unknown ? null : !decides;
      };
    }
    case 'compare': {
      const left = sub(e.left);
      const right = sub(e.right);
      const op = e.op;
      // A comparison with the literal null asks whether a value was given: always known.
      if (isNullLiteral(e.left) || isNullLiteral(e.right)) {
        if (op === '==') return (f) => left(f) === right(f);
        if (op === '!=') return (f) => left(f) !== right(f);
      }
      const known =
        (test: (a: Value, b: Value, zone: string | null) => boolean): Compiled =>
        (f) => {
          const a = left(f);
          const b = right(f);
          if (a === null || b === null || (needsDate(a, b) && !zoneKnown(f))) return null;
          return test(a, b, zoneOf(f));
        };
      switch (op) {
        case '==':
          return known((a, b, z) => valuesEqual(a, b, z));
        case '!=':
          return known((a, b, z) => !valuesEqual(a, b, z));
        case '<':
          return known((a, b, z) => compareValues(a, b, z) === -1);
        case '<=':
          return known((a, b, z) => (compareValues(a, b, z) ?? 1) <= 0);
        case '>':
          return known((a, b, z) => compareValues(a, b, z) === 1);
        case '>=':
          return known((a, b, z) => (compareValues(a, b, z) ?? -1) >= 0);
        default: {
          const never: never = op;
          return never;
        }
      }
    }
    case 'in': {
      const left = sub(e.left);
      const right = sub(e.right);
      return (f) => {
        const value = left(f);
        const list = right(f);
        if (value === null || !Array.isArray(list)) return null;
        let unknown = false;
        for (const item of list) {
          if (item === null || (needsDate(value, item) && !zoneKnown(f))) unknown = true;
          else if (valuesEqual(value, item, zoneOf(f))) return !e.negated;
        }
        return unknown ? null : e.negated;
      };
    }
    case 'if': {
      const test = sub(e.test);
      const then = sub(e.then);
      const otherwise = sub(e.else);
      return (f) => {
        const t = test(f);
        return t === true ? then(f) : t === false ? otherwise(f) : null;
      };
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
