// Semantic checks: what makes a policy a contract and not just YAML. Each check is a named
// function `(policy, report)` in the table at the bottom; none throws, all report diagnostics.
import { type Duration, type Expr, type TimeRange, WEEKDAYS, exprKey, factsRead } from './ast.js';
import { type ZoneResult, canonicalZone, isRealDate, zoneNames } from './datetime.js';
import { type Diagnostic, type Span, closest } from './diagnostics.js';
import { businessDayMinutes, dayLengths, durationMinutes, durationText } from './durations.js';
import { type FactValueProblem, factValueProblem } from './fact-values.js';
import { FUNCTION_NAMES, functionHelp, functionNamed } from './functions.js';
import type { HolidayCatalog } from './holidays.js';
import type { Calendar, FactDecl, Named, Policy, SlaCell, SlaTargets } from './model.js';
import {
  type UnknownValue,
  badRange,
  checkedBadValue,
  cycle,
  duplicateId,
  emptyInterval,
  incompleteTable,
  missingTarget,
  missingTimezone,
  outOfRange,
  overlap,
  tierSlower,
  twoTimezones,
  typeMismatch,
  unevenDays,
  unknownCalendar,
  unknownCurrency,
  unknownDecisionField,
  unknownFact,
  unknownFunction,
  unknownHolidays,
  unknownPriority,
  unknownTier,
  unknownTimezone,
  unknownValue,
  unknownZone,
  unreachableRule,
  zoneRequired,
} from './problems/index.js';
import { isBroken } from './read.js';
import { BOOLEAN, UNKNOWN, type ValueType, compatible } from './value-types.js';

export type { ValueType } from './value-types.js';

export interface CheckOptions {
  /** Holiday data; without it, holiday countries and regions are not checked. */
  holidays?: HolidayCatalog;
}

type Report = (d: Diagnostic) => void;

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
class Scope {
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

// ---- helpers -----------------------------------------------------------------------------------

/** A date on one side and an instant on the other. */
const mixesDates = (a: ValueType, b: ValueType) =>
  (a.t === 'date' && b.t === 'datetime') || (a.t === 'datetime' && b.t === 'date');

/** The closest of `known` to a name, as a constructor's `near` field. */
function nearest(name: string, known: Iterable<string>): { near?: string } {
  const near = closest(name, known);
  return near === undefined ? {} : { near };
}

/** A name that is not among `known`, with what it probably means (`meant`, else the closest). */
function undeclared(n: Named, known: string[], meant?: string) {
  return { span: n.span, name: n.name, known, ...(meant !== undefined ? { near: meant } : nearest(n.name, known)) };
}

/** `'medium' is not a value of 'urgency' (high, low)`, written in a table or list. */
function tableValue(n: Named, f: FactDecl, meant?: string): UnknownValue {
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
function zoneNameProblem(span: Span, name: string, result: Extract<ZoneResult, { ok: false }>): Diagnostic {
  return unknownZone({ kind: 'name', span, name, result, ...(result.kind === 'unknown' ? nearest(name, zoneNames()) : {}) });
}

/**
 * What each unknown name written where `known` names were expected probably means: the closest
 * known name, or, when exactly one name is unknown and exactly one known name is missing, that
 * one ('P5' written where 'P4' is the only priority without a target).
 */
function nearMisses(written: string[], known: string[]): Map<string, string> {
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

interface Identified {
  span: Span;
  idSpan?: Span;
}

function duplicates<T extends Identified>(items: T[], key: (t: T) => string | undefined, what: string, report: Report): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const first = seen.get(k);
    if (first) {
      const at = first.idSpan ?? first.span;
      report(duplicateId({ kind: 'twice', span: item.idSpan ?? item.span, what, name: k, firstLine: at.line }));
    } else seen.set(k, item);
  }
}

/** A default or a test fact that does not fit its fact, under the code of its kind of problem. */
function factValue(problem: FactValueProblem, span: Span, context: string): Diagnostic {
  const p = { span, problem, context };
  switch (problem.kind) {
    case 'unknown-zone':
      return unknownTimezone({ where: 'fact-value', ...p });
    case 'not-a-value':
      return unknownValue({ where: 'fact-value', ...p });
    case 'below':
    case 'above':
      return outOfRange(p);
    default:
      return typeMismatch({ kind: 'fact-value', ...p });
  }
}

// ---- the checks ----------------------------------------------------------------------------------

interface Context {
  policy: Policy;
  scope: Scope;
  report: Report;
  options: CheckOptions;
  calendars: Map<string, Calendar>;
  priorities: string[];
  /** Declared tiers, lowest first, each once. */
  tiers: string[];
  facts: Map<string, FactDecl>;
}

function checkFactDeclarations({ policy, report }: Context): void {
  for (const f of policy.facts) {
    if (f.type !== 'enum' && f.values) {
      report(checkedBadValue({ kind: 'values-not-enum', span: f.span, fact: f.name, type: f.type }));
    }
    const bounds = [f.min !== undefined ? 'min' : '', f.max !== undefined ? 'max' : ''].filter(Boolean);
    if (bounds.length > 0 && f.type !== 'number' && f.type !== 'integer') {
      const span = (f.min !== undefined ? f.minSpan : f.maxSpan) ?? f.span;
      report(badRange({ kind: 'not-numeric', span, fact: f.name, type: f.type, bounds }));
      continue;
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
      report(badRange({ kind: 'min-above-max', span: f.minSpan ?? f.span, fact: f.name, min: f.min, max: f.max }));
      continue;
    }
    if (f.type === 'integer') {
      for (const [bound, span] of [
        [f.min, f.minSpan],
        [f.max, f.maxSpan],
      ] as const) {
        if (bound !== undefined && !Number.isSafeInteger(bound))
          report(badRange({ kind: 'fractional-bound', span: span ?? f.span, fact: f.name, bound }));
      }
    }
    if (f.default !== undefined) {
      const problem = factValueProblem(f, f.default);
      if (problem) report(factValue(problem, f.defaultSpan ?? f.span, 'the default of '));
    }
  }
}

function checkDerived({ policy, scope, report }: Context): void {
  const derived = new Map(policy.derived.map((d) => [d.name, d]));
  for (const d of policy.derived) {
    if (policy.facts.some((f) => f.name === d.name)) {
      report(duplicateId({ kind: 'fact-and-derived', span: d.span, name: d.name }));
    }
  }
  // Type derived facts in dependency order; a circle is reported once, at its first member.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    const d = derived.get(name);
    if (!d || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const circle = [...chain.slice(chain.indexOf(name)), name];
      report(cycle({ kind: 'derived', span: d.span, circle }));
      scope.types.set(name, UNKNOWN);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of namesRead(d.expr)) if (derived.has(dep)) visit(dep, [...chain, name]);
    state.set(name, 'done');
    if (!scope.types.has(name)) scope.types.set(name, scope.typeOf(d.expr));
  };
  for (const d of policy.derived) visit(d.name, []);
}

/** The name of every fact an expression reads (dotted: `decision.tier`). */
const namesRead = (e: Expr) => factsRead(e).map((r) => r.path.join('.'));

/** Every fact an expression reads, following derived facts to what they read. */
function readsThrough(e: Expr, policy: Policy, seen = new Set<string>()): Set<string> {
  for (const name of namesRead(e)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const d = policy.derived.find((x) => x.name === name);
    if (d) readsThrough(d.expr, policy, seen);
  }
  return seen;
}

/** The tier and the priority are decided from facts; a rule that decides one cannot read it. */
function checkDecisionOrder({ policy, report }: Context): void {
  const circular = (e: Expr, what: 'tier' | 'priority', where: string) => {
    if (isBroken(e) || !readsThrough(e, policy).has(`decision.${what}`)) return;
    report(cycle({ kind: 'decision', span: e.span, where, what }));
  };
  if (policy.tiers && !policy.tiers.ofDefaulted) circular(policy.tiers.of, 'tier', "the tier ('tiers.of')");
  if (policy.tiers?.slaOf) circular(policy.tiers.slaOf, 'tier', "the SLA's tier ('tiers.slaOf')");
  for (const r of policy.priority?.rules ?? []) circular(r.when, 'priority', 'this priority rule');
}

function checkNamesUnique({ policy, report }: Context): void {
  duplicates(policy.priorities, (p) => p.name, 'priority level', report);
  if (policy.tiers) duplicates(policy.tiers.levels, (l) => l.name, 'tier', report);
  duplicates(policy.assert, (a) => a.code, 'assertion', report);
  duplicates(policy.eligibility, (r) => r.code, 'eligibility rule', report);
  duplicates(policy.priority?.rules ?? [], (r) => r.id, 'priority rule', report);
  duplicates(policy.channels?.rules ?? [], (r) => r.id, 'channel rule', report);
  duplicates(policy.billing?.plans ?? [], (p) => p.id, 'billing plan', report);
  duplicates(policy.billing?.notices ?? [], (n) => n.id, 'billing notice', report);
  duplicates(policy.entitlements, (g) => g.id, 'entitlement', report);
  duplicates(policy.actions, (g) => g.id, 'action', report);
  duplicates(policy.tests, (t) => t.name, 'test', report);
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) if (cell.kind === 'rules') duplicates(cell.rules, (r) => r.id, 'SLA rule', report);
  }
}

function checkConditions({ policy, scope, report }: Context): void {
  for (const a of policy.assert) {
    scope.condition(a.check, 'an assertion');
    // Checked before anything is decided: there is no decision yet to read.
    const decided = isBroken(a.check) ? undefined : [...readsThrough(a.check, policy)].find((n) => n.startsWith('decision.'));
    if (decided) report(cycle({ kind: 'assertion', span: a.check.span, code: a.code, reads: decided }));
  }
  for (const r of policy.eligibility) scope.condition(r.when);
  for (const r of policy.priority?.rules ?? []) scope.condition(r.when);
  for (const r of policy.channels?.rules ?? []) if (r.when) scope.condition(r.when);
  for (const p of policy.billing?.plans ?? []) if (p.when) scope.condition(p.when);
  for (const g of [...policy.entitlements, ...policy.actions, ...(policy.billing?.notices ?? [])])
    if (g.when) scope.condition(g.when);
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) if (cell.kind === 'rules') for (const r of cell.rules) if (r.when) scope.condition(r.when);
  }
}

function checkTiers({ policy, scope, report, tiers, facts }: Context): void {
  if (!policy.tiers) {
    for (const t of policy.sla) {
      report(unknownTier({ where: 'no-tiers', span: t.tier.span, name: t.tier.name }));
    }
    return;
  }
  if (policy.tiers.ofDefaulted && !facts.has('tier')) {
    report(unknownFact({ where: 'tier-fact', span: policy.tiers.span }));
    return;
  }
  // Every value the tier expression can give must be a declared tier.
  const results = (e: Expr): Expr[] => (e.kind === 'if' ? [...results(e.then), ...results(e.else)] : [e]);
  for (const r of [policy.tiers.of, ...(policy.tiers.slaOf ? [policy.tiers.slaOf] : [])].flatMap(results)) {
    if (isBroken(r)) continue;
    if (r.kind === 'literal' && r.type === 'string' && !tiers.includes(String(r.value))) {
      report(unknownTier({ where: 'name', ...undeclared({ name: String(r.value), span: r.span }, tiers) }));
    }
    if (r.kind !== 'literal') {
      const t = scope.typeOf(r);
      if (t.t === 'enum') {
        const extra = t.values.filter((v) => !tiers.includes(v));
        if (extra.length) {
          const what = r.kind === 'fact' ? r.path.join('.') : 'this';
          report(unknownTier({ where: 'fact-values', span: r.span, what, extra, tiers }));
        }
      } else if (t.t !== 'unknown' && t.t !== 'string') {
        report(typeMismatch({ kind: 'tier-name', span: r.span, got: t }));
      }
    }
  }
  for (const t of policy.sla)
    if (!tiers.includes(t.tier.name)) report(unknownTier({ where: 'name', ...undeclared(t.tier, tiers) }));
  for (const b of policy.channels?.byTier ?? [])
    if (!tiers.includes(b.tier.name)) report(unknownTier({ where: 'name', ...undeclared(b.tier, tiers) }));
}

function checkPriority({ policy, report, priorities, facts }: Context): void {
  const p = policy.priority;
  if (!p) return;
  const level = (n: Named) => {
    if (!priorities.includes(n.name)) report(unknownPriority({ where: 'name', ...undeclared(n, priorities) }));
  };
  const fact = (n: Named, role: string): FactDecl | undefined => {
    const f = facts.get(n.name);
    if (!f) {
      report(unknownFact({ where: 'role', span: n.span, name: n.name, role, ...nearest(n.name, facts.keys()) }));
    }
    return f;
  };
  const enumFact = (n: Named, role: string): FactDecl | undefined => {
    const f = fact(n, role);
    if (f && f.type !== 'enum') {
      report(typeMismatch({ kind: 'enum-fact', span: n.span, role, fact: n.name, type: f.type }));
      return undefined;
    }
    return f;
  };
  for (const [n, role] of [
    [p.override, 'customer override'],
    [p.from, 'priority fact'],
  ] as const) {
    if (!n) continue;
    const f = fact(n, role);
    for (const v of f?.type === 'enum' ? (f.values ?? []) : []) {
      if (!priorities.includes(v)) {
        report(unknownPriority({ where: 'fact-value', span: n.span, fact: n.name, value: v, priorities }));
      }
    }
  }
  p.rules.forEach((r) => level(r.priority));
  if (p.default) level(p.default);
  if (p.lookup) {
    const lookup = p.lookup;
    lookup.table.forEach((row) => level(row.priority));
    const f = enumFact(lookup.fact, 'lookup fact');
    if (f) {
      const values = f.values ?? [];
      // A misspelt value is reported once, as misspelt, not also as missing.
      const meant = nearMisses(
        lookup.table.map((r) => r.value.name),
        values,
      );
      for (const row of lookup.table)
        if (!values.includes(row.value.name)) report(unknownValue(tableValue(row.value, f, meant.get(row.value.name))));
      const meantValues = new Set(meant.values());
      const missing = values.filter((v) => !lookup.table.some((row) => row.value.name === v) && !meantValues.has(v));
      if (missing.length) {
        report(incompleteTable({ kind: 'lookup', span: lookup.span, fact: f.name, missing }));
      }
    }
  }
  if (p.matrix) {
    const m = p.matrix;
    m.cells.forEach((c) => level(c.priority));
    const rowFact = enumFact(m.rows, 'matrix rows fact');
    const colFact = enumFact(m.columns, 'matrix columns fact');
    if (rowFact && colFact) {
      const rows = rowFact.values ?? [];
      const cols = colFact.values ?? [];
      const meantRows = nearMisses(
        m.rowSpans.map((r) => r.name),
        rows,
      );
      for (const r of m.rowSpans) if (!rows.includes(r.name)) report(unknownValue(tableValue(r, rowFact, meantRows.get(r.name))));
      const missing: string[] = [];
      const rowsCovered = new Set<string>();
      for (const row of m.rowSpans) {
        const cells = m.cells.filter((x) => x.row.name === row.name);
        const written = cells.map((x) => x.column.name);
        const meantCols = nearMisses(written, cols);
        for (const c of cells)
          if (!cols.includes(c.column.name)) report(unknownValue(tableValue(c.column, colFact, meantCols.get(c.column.name))));
        // A misspelt row or column is reported as misspelt, not also as a missing cell.
        const r = rows.includes(row.name) ? row.name : meantRows.get(row.name);
        if (r === undefined) continue;
        rowsCovered.add(r);
        const meantValues = new Set(meantCols.values());
        for (const c of cols)
          if (!written.includes(c) && !meantValues.has(c)) missing.push(`${rowFact.name} ${r} × ${colFact.name} ${c}`);
      }
      for (const r of rows)
        if (!rowsCovered.has(r)) for (const c of cols) missing.push(`${rowFact.name} ${r} × ${colFact.name} ${c}`);
      if (missing.length) {
        report(incompleteTable({ kind: 'matrix', span: m.span, missing }));
      }
    }
  }
}

function checkChannels({ policy, report, facts }: Context): void {
  const c = policy.channels;
  if (!c) return;
  const f = facts.get(c.fact.name);
  if (!f) {
    report(unknownFact({ where: 'field', ...undeclared(c.fact, [...facts.keys()]) }));
    return;
  }
  if (f.type !== 'enum') return;
  for (const n of [...c.byTier.flatMap((b) => b.allow), ...c.rules.flatMap((r) => r.allow)]) {
    if (!(f.values ?? []).includes(n.name)) report(unknownValue(tableValue(n, f)));
  }
}

/** The calendar a target counts in: its own `in …`, else the cell's, else the tier's. */
function targetCalendar(d: Duration, targets: SlaTargets, tierCalendar: Named | undefined): Named | undefined {
  if (d.calendar) return d.calendar;
  return targets.calendar ?? tierCalendar;
}

function cellTargets(cell: SlaCell): (SlaTargets & { span?: Span })[] {
  return cell.kind === 'targets' ? [cell.targets] : cell.kind === 'rules' ? cell.rules : [];
}

function eachTarget(
  policy: Policy,
  visit: (d: Duration, calendar: Named | undefined, tier: Policy['sla'][number]) => void,
): void {
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) {
      for (const t of cellTargets(cell)) {
        for (const d of [t.response, t.resolution]) if (d) visit(d, targetCalendar(d, t, tier.calendar), tier);
      }
    }
  }
}

function checkSla({ policy, report, priorities, calendars }: Context): void {
  const names = [...calendars.keys()];
  for (const tier of policy.sla) {
    if (tier.calendar && !calendars.has(tier.calendar.name))
      report(unknownCalendar({ where: 'name', ...undeclared(tier.calendar, names) }));
    const written = tier.cells.map((c) => c.priority.name);
    const meant = nearMisses(written, priorities);
    for (const { priority, cell } of tier.cells) {
      if (!priorities.includes(priority.name))
        report(unknownPriority({ where: 'name', ...undeclared(priority, priorities, meant.get(priority.name)) }));
      for (const t of cellTargets(cell)) {
        if (t.calendar && !calendars.has(t.calendar.name))
          report(unknownCalendar({ where: 'name', ...undeclared(t.calendar, names) }));
        if (!t.response && !t.resolution && !t.invalid) {
          const span = t.span ?? cell.span;
          report(missingTarget({ kind: 'empty-cell', span, priority: priority.name, tier: tier.tier.name }));
        }
      }
    }
    if (tier.bestEffort || tier.othersBestEffort) continue;
    const meantValues = new Set(meant.values());
    const missing = priorities.filter((p) => !written.includes(p) && !meantValues.has(p));
    if (missing.length) {
      report(missingTarget({ kind: 'priorities', span: tier.tier.span, tier: tier.tier.name, missing }));
    }
  }
  // Business time needs a calendar: reported once per tier, at its first such target.
  const reported = new Set<string>();
  eachTarget(policy, (d, calendar, tier) => {
    if (d.calendar && !calendars.has(d.calendar.name))
      report(unknownCalendar({ where: 'name', ...undeclared(d.calendar, names) }));
    if (d.business && !calendar && !reported.has(tier.tier.name)) {
      reported.add(tier.tier.name);
      report(unknownCalendar({ where: 'business-time', span: d.span, duration: durationText(d), tier: tier.tier.name }));
    }
  });
}

/** Minutes of a target on its own clock (business minutes on a business calendar); undefined when unknown. */
function targetMinutes(d: Duration, calendar: Calendar | undefined): number | undefined {
  if (d.unit !== 'day' || !d.business || !calendar) return durationMinutes(d);
  const day = businessDayMinutes(calendar);
  return day === undefined ? undefined : durationMinutes(d, day);
}

/** The clock a target runs on: a calendar's name, or real time. Targets on different clocks cannot be compared. */
function clockOf(calendar: Calendar | undefined): string {
  return !calendar || calendar.hours.kind === 'always' ? 'real time' : `business time of calendar '${calendar.name}'`;
}

function checkTierOrder({ policy, report, calendars, tiers }: Context): void {
  if (!policy.tiers) return;
  const byTier = new Map(policy.sla.map((t) => [t.tier.name, t]));
  const ordered = tiers.map((t) => byTier.get(t)).filter((t): t is NonNullable<typeof t> => t !== undefined && !t.bestEffort);
  const simple = (tier: (typeof ordered)[number], priority: string, kind: 'response' | 'resolution') => {
    const cell = tier.cells.find((c) => c.priority.name === priority)?.cell;
    if (cell?.kind !== 'targets') return undefined;
    const d = cell.targets[kind];
    if (!d) return undefined;
    const name = targetCalendar(d, cell.targets, tier.calendar);
    const calendar = name ? calendars.get(name.name) : undefined;
    if (name && !calendar) return undefined;
    const minutes = targetMinutes(d, calendar);
    return minutes === undefined ? undefined : { minutes, d, clock: clockOf(calendar) };
  };
  for (let hi = 1; hi < ordered.length; hi++) {
    for (let lo = 0; lo < hi; lo++) {
      const better = ordered[hi]!;
      const lower = ordered[lo]!;
      for (const p of policy.priorities) {
        for (const kind of ['response', 'resolution'] as const) {
          const a = simple(better, p.name, kind);
          const b = simple(lower, p.name, kind);
          // Business minutes and real minutes are not comparable: 2 business days may be 4 real days.
          if (a && b && a.clock === b.clock && a.minutes > b.minutes) {
            report(
              tierSlower({
                span: a.d.span,
                better: better.tier.name,
                lower: lower.tier.name,
                priority: p.name,
                target: kind,
                slower: fmtMinutes(a.minutes),
                faster: fmtMinutes(b.minutes),
                clock: a.clock,
              }),
            );
          }
        }
      }
    }
  }
}

function fmtMinutes(m: number): string {
  return m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}

/** Conjuncts of a condition as canonical keys; a rule whose conjuncts include all of an earlier rule's is shadowed. */
function conjuncts(e: Expr | undefined): Set<string> | 'always' {
  if (!e || (e.kind === 'literal' && e.value === true)) return 'always';
  if (e.kind === 'logical' && e.op === 'and') return new Set(e.operands.map(exprKey));
  return new Set([exprKey(e)]);
}

function checkOrderedRules(rules: { when?: Expr; span: Span }[], what: string, report: Report): void {
  const earlier: { set: Set<string> | 'always'; line: number }[] = [];
  rules.forEach((r, i) => {
    if (r.when && isBroken(r.when)) return;
    const set = conjuncts(r.when);
    const shadow = earlier.find((e) => e.set === 'always' || (set !== 'always' && [...e.set].every((k) => set.has(k))));
    if (shadow) {
      report(unreachableRule({ span: r.span, what, index: i + 1, shadowLine: shadow.line }));
    }
    earlier.push({ set, line: r.span.line });
  });
}

function checkReachability({ policy, report }: Context): void {
  checkOrderedRules(policy.priority?.rules ?? [], 'priority rule', report);
  checkOrderedRules(policy.channels?.rules ?? [], 'channel rule', report);
  checkOrderedRules(policy.billing?.plans ?? [], 'billing plan', report);
  for (const tier of policy.sla)
    for (const { cell } of tier.cells) if (cell.kind === 'rules') checkOrderedRules(cell.rules, 'SLA rule', report);
}

/** Empty and overlapping intervals among the ranges of some days (`days` names them in messages). */
function checkIntervals(perDay: Map<string, TimeRange[]>, report: Report): void {
  const checkedEmpty = new Set<TimeRange>();
  const overlaps = new Map<string, { a: TimeRange; b: TimeRange; days: string[] }>();
  for (const [day, all] of perDay) {
    for (const r of all) {
      if (r.end > r.start || checkedEmpty.has(r)) continue;
      checkedEmpty.add(r);
      report(emptyInterval({ kind: 'interval', span: r.span, range: fmtRange(r), endsWhenStarts: r.end === r.start }));
    }
    const sorted = all.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      if (b.start >= a.end) continue;
      // One overlap is one problem, however many days it happens on.
      const key = `${a.span.offset}:${b.span.offset}`;
      const entry = overlaps.get(key) ?? { a, b, days: [] };
      entry.days.push(day);
      overlaps.set(key, entry);
    }
  }
  for (const { a, b, days } of overlaps.values()) {
    const later = a.span.offset > b.span.offset ? a : b;
    const earlier = later === a ? b : a;
    report(overlap({ span: later.span, days, later: fmtRange(later), earlier: fmtRange(earlier) }));
  }
}

const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB', EN: 'GB', EL: 'GR' };

function checkCalendars({ policy, report, options, facts }: Context): void {
  for (const c of policy.calendars) {
    if (c.hours.kind === 'weekly' && !c.hoursInvalid) {
      const groups = c.hours.groups;
      checkIntervals(
        new Map(WEEKDAYS.map((d) => [d, groups.filter((g) => g.days.includes(d)).flatMap((g) => g.ranges)])),
        report,
      );
      if (groups.length === 0 && c.open.length === 0)
        report(emptyInterval({ kind: 'never-open', span: c.span, calendar: c.name }));
    }
    for (const o of c.open) checkIntervals(new Map([[o.date, o.ranges]]), report);
    const calendarZone = c.timezone ? canonicalZone(c.timezone.name) : undefined;
    if (c.timezone && calendarZone && !calendarZone.ok) {
      const { name, span } = c.timezone;
      report(unknownTimezone({ where: 'calendar', span, name, result: calendarZone, ...nearest(name, zoneNames()) }));
    }
    if (c.timezoneFact) {
      const f = facts.get(c.timezoneFact.name);
      if (!f) report(unknownFact({ where: 'field', ...undeclared(c.timezoneFact, [...facts.keys()]) }));
      else if (f.type !== 'timezone' && f.type !== 'string') {
        report(typeMismatch({ kind: 'timezone-fact', span: c.timezoneFact.span, fact: f.name, type: f.type }));
      }
    }
    if (c.timezone && c.timezoneFact) {
      report(twoTimezones({ span: c.timezoneFact.span, calendar: c.name }));
    }
    // Dates and business hours are local times: they need a zone (a 24x7 calendar needs one only for its dates).
    const needsZone = c.hours.kind === 'weekly' || c.holidays !== undefined || c.closed.length > 0 || c.open.length > 0;
    if (!c.timezone && !c.timezoneFact && needsZone) {
      const has = c.hours.kind === 'weekly' ? 'business hours' : 'holidays or dates';
      report(missingTimezone({ span: c.span, calendar: c.name, has }));
    }
    for (const d of [...c.closed, ...c.open]) {
      if (!isRealDate(d.date)) report(checkedBadValue({ kind: 'not-a-date', span: d.span, date: d.date }));
    }
    if (c.holidays && options.holidays) {
      const h = c.holidays;
      const countries = options.holidays.countries();
      if (!(h.country in countries)) {
        const alias = Object.hasOwn(COUNTRY_ALIASES, h.country.toUpperCase())
          ? COUNTRY_ALIASES[h.country.toUpperCase()]
          : undefined;
        const near = alias !== undefined ? { near: alias } : nearest(h.country, Object.keys(countries));
        report(unknownHolidays({ kind: 'country', span: h.countrySpan, country: h.country, ...near }));
      } else if (h.region !== undefined) {
        const regions = options.holidays.regions(h.country);
        if (!(h.region in regions)) {
          report(
            unknownHolidays({
              kind: 'region',
              span: h.regionSpan ?? h.span,
              country: h.country,
              region: h.region,
              regions: Object.entries(regions).map(([k, v]) => `${k} (${v})`),
              ...nearest(h.region, Object.keys(regions)),
            }),
          );
        }
      }
    }
  }
  // Business days need days of one length: "3 business days" must mean one number of minutes.
  eachTarget(policy, (d, calendarName) => {
    const cal = calendarName ? policy.calendars.find((c) => c.name === calendarName.name) : undefined;
    if (d.unit !== 'day' || !d.business || !cal || cal.hoursInvalid) return;
    const lengths = [...new Set(dayLengths(cal).filter((l) => l > 0))];
    if (lengths.length > 1) {
      report(unevenDays({ span: d.span, duration: durationText(d), calendar: cal.name, lengths: lengths.map(fmtMinutes) }));
    }
  });
}

const fmtRange = (r: TimeRange) => `${fmtClock(r.start)}-${fmtClock(r.end)}`;

function fmtClock(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function checkBilling({ policy, report, facts }: Context): void {
  const b = policy.billing;
  if (!b) return;
  const known = new Set<string>([...Object.keys(b.currencies)]);
  const iso = new Set(Intl.supportedValuesOf('currency'));
  const reported = new Set<string>();
  const currency = (code: string, span: Span) => {
    if (known.has(code) || iso.has(code) || reported.has(code)) return;
    reported.add(code);
    report(unknownCurrency({ span, code, ...nearest(code, [...known, ...iso]) }));
  };
  for (const p of b.plans) currency(p.rate.money.currency, p.rate.money.currencySpan);
  for (const e of b.priceList) {
    currency(e.price.currency, e.price.currencySpan);
    if (e.credits) currency(e.credits.currency, e.credits.currencySpan);
  }
  const factNames = [...facts.keys()];
  for (const n of [b.worked, b.purchase?.sku, b.purchase?.quantity, ...b.plans.map((p) => p.balance)]) {
    if (n && !facts.has(n.name)) report(unknownFact({ where: 'field', ...undeclared(n, factNames) }));
  }
}

/** The decision fields a test may expect, with the dotted paths below them that exist. */
const DECISION_FIELDS: Record<string, RegExp> = {
  eligible: /^$/,
  reasons: /^(\.\d+(\.(code|message|source))?)?$/,
  priority: /^$/,
  tier: /^$/,
  channels: /^(\.\d+)?$/,
  sla: /^(\.(response|resolution)(\.(target|targetText|calendar|dueAt|startsAt|status|elapsed|remaining|exceeded|source))?)?$/,
  billing: /^(\.(currency|billableMinutes|amount|tax|total|balanceAfter|notices|kind|plan|lines)(\.\d+)?(\.[A-Za-z]+)?)?$/,
  actions: /^(\.\d+)?$/,
  entitlements: /^(\.\d+)?$/,
  missingFacts: /^(\.\d+)?$/,
  // A test of facts the policy refuses: `error: invalid-facts`, and the problems (by code).
  error: /^$/,
  problems: /^(\.\d+(\.(pointer|fact|message|code))?)?$/,
};

function checkTests({ policy, report, facts, priorities, tiers }: Context): void {
  for (const t of policy.tests) {
    // A test that expects the facts to be refused gives bad facts on purpose.
    const refused = Object.hasOwn(t.expect, 'error');
    for (const [name, value] of refused ? [] : Object.entries(t.facts)) {
      const spans = t.factSpans[name];
      const f = facts.get(name);
      if (!f) {
        const span = spans?.key ?? t.span;
        report(unknownFact({ where: 'test', span, name, test: t.name, ...nearest(name, facts.keys()) }));
        continue;
      }
      const problem = value === null ? undefined : factValueProblem(f, value);
      if (problem) report(factValue(problem, spans?.value ?? t.span, `test '${t.name}': `));
    }
    for (const [path, value] of Object.entries(t.expect)) {
      const span = t.expectSpans[path]?.key ?? t.span;
      const valueSpan = t.expectSpans[path]?.value ?? span;
      const [head = '', ...rest] = path.split('.');
      const pattern = Object.hasOwn(DECISION_FIELDS, head) ? DECISION_FIELDS[head] : undefined;
      if (!pattern || !pattern.test(rest.length ? `.${rest.join('.')}` : '')) {
        const fields = Object.keys(DECISION_FIELDS);
        report(unknownDecisionField({ span, test: t.name, path, fields, ...nearest(head, fields) }));
      } else if (path === 'error' && value !== 'invalid-facts') {
        report(checkedBadValue({ kind: 'test-error', span: valueSpan, test: t.name, value }));
      } else if (path === 'priority' && typeof value === 'string' && !priorities.includes(value)) {
        report(unknownPriority({ where: 'name', ...undeclared({ name: value, span: valueSpan }, priorities) }));
      } else if (path === 'tier' && typeof value === 'string' && !tiers.includes(value)) {
        report(unknownTier({ where: 'name', ...undeclared({ name: value, span: valueSpan }, tiers) }));
      }
    }
  }
}

/** The policy's zone: an IANA zone of a place, or a fact of type timezone; not both. */
function checkZone({ policy, report, facts }: Context): void {
  if (policy.zone) {
    const zone = canonicalZone(policy.zone.name);
    if (!zone.ok) report(zoneNameProblem(policy.zone.span, policy.zone.name, zone));
  }
  if (policy.zoneFact) {
    const f = facts.get(policy.zoneFact.name);
    if (!f) report(unknownFact({ where: 'field', ...undeclared(policy.zoneFact, [...facts.keys()]) }));
    else if (f.type !== 'timezone')
      report(unknownZone({ kind: 'zone-fact-type', span: policy.zoneFact.span, fact: f.name, type: f.type }));
  }
  if (policy.zone && policy.zoneFact) report(unknownZone({ kind: 'zone-and-fact', span: policy.zoneFact.span }));
}

/** The checks, in order: declarations first, since later checks read the types they settle. */
const CHECKS: [string, (ctx: Context) => void][] = [
  ['fact declarations', checkFactDeclarations],
  ['zone', checkZone],
  ['derived facts', checkDerived],
  ['unique names', checkNamesUnique],
  ['conditions', checkConditions],
  ['decision order', checkDecisionOrder],
  ['tiers', checkTiers],
  ['priority', checkPriority],
  ['channels', checkChannels],
  ['sla targets', checkSla],
  ['tier order', checkTierOrder],
  ['reachability', checkReachability],
  ['calendars', checkCalendars],
  ['billing', checkBilling],
  ['tests', checkTests],
];

export function checkPolicy(policy: Policy, options: CheckOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (d) => out.push(d);
  const ctx: Context = {
    policy,
    scope: new Scope(policy, report),
    report,
    options,
    calendars: new Map(policy.calendars.map((c) => [c.name, c])),
    priorities: [...new Set(policy.priorities.map((p) => p.name))],
    tiers: [...new Set(policy.tiers?.levels.map((l) => l.name) ?? [])],
    facts: new Map(policy.facts.map((f) => [f.name, f])),
  };
  for (const [, check] of CHECKS) check(ctx);
  return out;
}
