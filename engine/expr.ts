// Compiles an expression of the policy language to a plain function of the facts. Closures, not
// generated source: nothing a policy says is ever passed to eval or Function. Conditions are
// three-valued (Kleene): a comparison reading a value that is not given is unknown (null), and
// `and`, `or`, `not`, `in` and `if` carry unknown as Kleene's tables say (DESIGN §3).
import type { Expr } from '../dsl/index.js';
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

const temporal = (v: Value): v is string => isDate(v) || isDateTime(v);
const isNullLiteral = (e: Expr) => e.kind === 'literal' && e.type === 'null';

/**
 * The functions of the language (their types are checked by the validator). A null argument
 * (a value not given, or unknown) gives null, except in `coalesce` and `isSet`, which ask
 * whether a value was given.
 */
const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  coalesce: (args) => args.find((a) => a !== null) ?? null,
  startOfYear: ([d]) => (temporal(d!) ? startOfYear(d) : null),
  startOfMonth: ([d]) => (temporal(d!) ? startOfMonth(d) : null),
  endOfMonth: ([d]) => (temporal(d!) ? endOfMonth(d) : null),
  dateOf: ([d]) => (temporal(d!) ? dateOf(d) : null),
  addDays: ([d, n]) => (temporal(d!) && typeof n === 'number' ? addDays(d, n) : null),
  addMonths: ([d, n]) => (temporal(d!) && typeof n === 'number' ? addMonths(d, n) : null),
  addYears: ([d, n]) => (temporal(d!) && typeof n === 'number' ? addMonths(d, n * 12) : null),
  isSet: ([x]) => x !== null,
};

export function compileExpr(e: Expr): Compiled {
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
      const fn = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
      if (!fn) throw new Error(`unknown function ${e.name} reached the engine`);
      const args = e.args.map(compileExpr);
      return (f) => fn(args.map((a) => a(f)));
    }
    case 'list': {
      const items = e.items.map(compileExpr);
      return (f) => items.map((i) => i(f));
    }
    case 'not': {
      const operand = compileExpr(e.operand);
      return (f) => {
        const v = operand(f);
        return v === null ? null : v !== true;
      };
    }
    case 'logical': {
      // Kleene's tables: false decides an `and`, true an `or`; otherwise an unknown operand
      // leaves the whole unknown.
      const operands = e.operands.map(compileExpr);
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
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      const op = e.op;
      // A comparison with the literal null asks whether a value was given: always known.
      if (isNullLiteral(e.left) || isNullLiteral(e.right)) {
        if (op === '==') return (f) => left(f) === right(f);
        if (op === '!=') return (f) => left(f) !== right(f);
      }
      const known =
        (test: (a: Value, b: Value) => boolean): Compiled =>
        (f) => {
          const a = left(f);
          const b = right(f);
          return a === null || b === null ? null : test(a, b);
        };
      switch (op) {
        case '==':
          return known(valuesEqual);
        case '!=':
          return known((a, b) => !valuesEqual(a, b));
        case '<':
          return known((a, b) => compareValues(a, b) === -1);
        case '<=':
          return known((a, b) => (compareValues(a, b) ?? 1) <= 0);
        case '>':
          return known((a, b) => compareValues(a, b) === 1);
        case '>=':
          return known((a, b) => (compareValues(a, b) ?? -1) >= 0);
        default: {
          const never: never = op;
          return never;
        }
      }
    }
    case 'in': {
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      return (f) => {
        const value = left(f);
        const list = right(f);
        if (value === null || !Array.isArray(list)) return null;
        let unknown = false;
        for (const item of list) {
          if (item === null) unknown = true;
          else if (valuesEqual(value, item)) return !e.negated;
        }
        return unknown ? null : e.negated;
      };
    }
    case 'if': {
      const test = compileExpr(e.test);
      const then = compileExpr(e.then);
      const otherwise = compileExpr(e.else);
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
