// Compiles an expression of the policy language to a plain function of the facts. Closures, not
// generated source: nothing a policy says is ever passed to eval or Function.
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

/** The functions of the language (their types are checked by the validator). A null argument gives null. */
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
      return (f) => operand(f) !== true;
    }
    case 'logical': {
      const operands = e.operands.map(compileExpr);
      return e.op === 'and' ? (f) => operands.every((o) => o(f) === true) : (f) => operands.some((o) => o(f) === true);
    }
    case 'compare': {
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      const op = e.op;
      switch (op) {
        case '==':
          return (f) => valuesEqual(left(f), right(f));
        case '!=':
          return (f) => !valuesEqual(left(f), right(f));
        case '<':
          return (f) => compareValues(left(f), right(f)) === -1;
        case '<=':
          return (f) => (compareValues(left(f), right(f)) ?? 1) <= 0;
        case '>':
          return (f) => compareValues(left(f), right(f)) === 1;
        case '>=':
          return (f) => (compareValues(left(f), right(f)) ?? -1) >= 0;
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
        const list = right(f);
        const found = Array.isArray(list) && list.some((item) => valuesEqual(left(f), item));
        return e.negated ? Array.isArray(list) && !found : found;
      };
    }
    case 'if': {
      const test = compileExpr(e.test);
      const then = compileExpr(e.then);
      const otherwise = compileExpr(e.else);
      return (f) => (test(f) === true ? then(f) : otherwise(f));
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
