// The types of conditions: what a condition can read (declared facts, derived facts typed in
// order, `decision.*`) and the type of every expression, reporting each problem found in it.
import type { Expr } from '../ast.js';
import { canonicalZone } from '../datetime.js';
import type { Report, Span } from '../diagnostics.js';
import { FUNCTION_NAMES, functionHelp, functionNamed } from '../functions.js';
import type { FactDecl, Policy } from '../model.js';
import {
  typeMismatch,
  unknownFact,
  unknownFunction,
  unknownPriority,
  unknownTier,
  unknownValue,
  zoneRequired,
} from '../problems/index.js';
import { isBroken } from '../read.js';
import { BOOLEAN, compatible, UNKNOWN, type ValueType } from '../value-types.js';
import { nearest, zoneNameProblem } from './names.js';

function factType(f: FactDecl): ValueType {
  switch (f.type) {
    case 'enum':
      return { t: 'enum', values: f.values ?? [], kind: 'value' };
    case 'integer':
      return { t: 'number' };
    default:
      return { t: f.type };
  }
}

/** What conditions can read: declared facts, derived facts (typed in order), and `decision.*`. */
export class Scope {
  readonly types = new Map<string, ValueType>();
  private reportedUnknown = new Set<string>();

  constructor(
    readonly policy: Policy,
    private readonly report: Report,
  ) {
    for (const f of policy.facts) this.types.set(f.name, factType(f));
    this.types.set('decision.tier', {
      t: 'enum',
      values: policy.tiers?.levels.map((l) => l.name) ?? [],
      kind: 'tier',
    });
    this.types.set('decision.priority', { t: 'enum', values: policy.priorities.map((p) => p.name), kind: 'priority' });
  }

  names(): string[] {
    return [...this.types.keys()];
  }

  /** The type of an expression, reporting every problem found in it. */
  typeOf(e: Expr): ValueType {
    if (isBroken(e)) return UNKNOWN;
    switch (e.kind) {
      case 'literal':
        return { t: e.type };
      case 'fact': {
        const name = e.path.join('.');
        const type = this.types.get(name);
        if (type) return type;
        if (!this.reportedUnknown.has(name)) {
          // One typo, one message: later uses of the same unknown name are not reported again.
          this.reportedUnknown.add(name);
          this.report(unknownFact({ where: 'expression', span: e.span, name, ...nearest(name, this.names()) }));
        }
        return UNKNOWN;
      }
      case 'call': {
        const args = e.args.map((a) => this.typeOf(a));
        const fn = functionNamed(e.name);
        if (!fn) {
          this.report(
            unknownFunction({ span: e.nameSpan, name: e.name, known: FUNCTION_NAMES, ...nearest(e.name, FUNCTION_NAMES) }),
          );
          return UNKNOWN;
        }
        const help = functionHelp(fn);
        const [min, max] = fn.arity;
        if (args.length < min || args.length > max) {
          // A date function's last argument is its optional zone: counted apart, as the doc writes it.
          const most = fn.zoneAt !== undefined ? fn.zoneAt : max;
          this.report(
            typeMismatch({
              kind: 'arity',
              span: e.span,
              fn: e.name,
              given: args.length,
              min,
              most,
              zone: fn.zoneAt !== undefined,
              help,
            }),
          );
          return UNKNOWN;
        }
        if (fn.zoneAt !== undefined) {
          const zoneArg = e.args[fn.zoneAt];
          if (zoneArg) this.zoneArgument(e.name, zoneArg, args[fn.zoneAt]!, help);
          else if (args[0]?.t === 'datetime') this.needsZone(e.span, `${e.name}(…) takes the date of an instant`);
        }
        return fn.check(args, (i, p) =>
          this.report(
            typeMismatch(
              p.kind === 'expects'
                ? { kind: 'argument', span: e.args[i]?.span ?? e.span, fn: e.name, want: p.want, got: p.got, help }
                : { kind: 'arguments-mix', span: e.args[i]?.span ?? e.span, fn: e.name, first: p.first, other: p.other, help },
            ),
          ),
        );
      }
      case 'list': {
        const items = e.items.map((i) => this.typeOf(i));
        const first = items.find((i) => i.t !== 'unknown');
        items.forEach((t, i) => {
          if (first && !compatible(first, t)) {
            this.report(typeMismatch({ kind: 'list-mix', span: e.items[i]!.span, first, other: t }));
          }
        });
        return { t: 'list', item: first ?? UNKNOWN };
      }
      case 'not':
        this.condition(e.operand, "'not'");
        return BOOLEAN;
      case 'logical':
        e.operands.forEach((o) => this.condition(o, `'${e.op}'`));
        return BOOLEAN;
      case 'compare': {
        this.bareValue(e.left, e.right);
        this.bareValue(e.right, e.left);
        const left = this.typeOf(e.left);
        const right = this.typeOf(e.right);
        if (mixesDates(left, right)) this.needsZone(e.span, 'comparing a date with an instant takes the date of the instant');
        if (!compatible(left, right)) {
          this.report(typeMismatch({ kind: 'compare', span: e.span, left, right }));
        } else if (
          e.op !== '==' &&
          e.op !== '!=' &&
          !['number', 'date', 'datetime', 'unknown', 'null'].includes(left.t === 'unknown' ? right.t : left.t)
        ) {
          this.report(typeMismatch({ kind: 'order', span: e.span, op: e.op, type: left }));
        }
        this.enumValue(left, e.right);
        this.enumValue(right, e.left);
        return BOOLEAN;
      }
      case 'in': {
        if (e.right.kind === 'list') for (const item of e.right.items) this.bareValue(item, e.left);
        const left = this.typeOf(e.left);
        const right = this.typeOf(e.right);
        if (right.t === 'list' && mixesDates(left, right.item))
          this.needsZone(e.span, 'looking for a date among instants (or an instant among dates) takes the date of the instant');
        if (right.t !== 'list' && right.t !== 'unknown') {
          this.report(typeMismatch({ kind: 'in-needs-list', span: e.right.span, got: right }));
        } else if (right.t === 'list' && !compatible(left, right.item)) {
          this.report(typeMismatch({ kind: 'in-list-of', span: e.span, item: left, list: right.item }));
        }
        if (e.right.kind === 'list') for (const item of e.right.items) this.enumValue(left, item);
        return BOOLEAN;
      }
      case 'if': {
        this.condition(e.test, "'if'");
        const a = this.typeOf(e.then);
        const b = this.typeOf(e.else);
        if (!compatible(a, b)) {
          this.report(typeMismatch({ kind: 'branches', span: e.span, then: a, else: b }));
          return UNKNOWN; // already reported: the whole `if` has no type to complain about again
        }
        return a.t === 'unknown' || a.t === 'null' ? b : a;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  /**
   * An instant becomes a date here: the policy must say in which zone (`zone:` or `zoneFact:`),
   * or the same ticket written in two offsets would be decided on two dates.
   */
  private needsZone(span: Span, why: string): void {
    if (this.policy.zone || this.policy.zoneFact) return;
    this.report(zoneRequired({ span, why }));
  }

  /** A date function's zone argument: a zone name (a string) or a timezone fact. */
  private zoneArgument(fn: string, arg: Expr, type: ValueType, help: string): void {
    if (arg.kind === 'literal' && arg.type === 'string') {
      const zone = canonicalZone(String(arg.value));
      if (!zone.ok) this.report(zoneNameProblem(arg.span, String(arg.value), zone));
    } else if (type.t !== 'timezone' && type.t !== 'unknown' && type.t !== 'null') {
      this.report(typeMismatch({ kind: 'zone-argument', span: arg.span, fn, got: type, help }));
    }
  }

  /** Checks that an expression used as a condition is true-or-false. */
  condition(e: Expr, where = 'a condition'): void {
    const t = this.typeOf(e);
    if (t.t !== 'boolean' && t.t !== 'unknown') {
      this.report(typeMismatch({ kind: 'condition', span: e.span, where, got: t }));
    }
  }

  /**
   * `urgency == high`: an undeclared name that is a value of what it is compared with is a value
   * written without quotes. Reported here, with that fix, instead of as an unknown fact.
   */
  private bareValue(e: Expr, other: Expr): void {
    if (e.kind !== 'fact' || e.path.length !== 1 || this.types.has(e.path[0]!) || other.kind !== 'fact') return;
    const otherType = this.types.get(other.path.join('.'));
    const name = e.path[0]!;
    if (otherType?.t !== 'enum' || !otherType.values.includes(name) || this.reportedUnknown.has(name)) return;
    this.reportedUnknown.add(name);
    this.report(unknownFact({ where: 'bare-value', span: e.span, name }));
  }

  /** A string literal compared with an enum must be one of its values. */
  private enumValue(type: ValueType, other: Expr): void {
    if (type.t !== 'enum' || other.kind !== 'literal' || other.type !== 'string') return;
    const value = String(other.value);
    if (type.values.includes(value)) return;
    const span = other.span;
    const near = nearest(value, type.values);
    this.report(
      type.kind === 'tier'
        ? unknownTier({ where: 'expression', span, value, tiers: type.values, ...near })
        : type.kind === 'priority'
          ? unknownPriority({ where: 'expression', span, value, priorities: type.values, ...near })
          : unknownValue({ where: 'expression', span, value, values: type.values, ...near }),
    );
  }
}

/** A date on one side and an instant on the other. */
const mixesDates = (a: ValueType, b: ValueType) =>
  (a.t === 'date' && b.t === 'datetime') || (a.t === 'datetime' && b.t === 'date');
