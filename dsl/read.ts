// Builds the policy model from a YAML document that passed the schema: parses every expression,
// duration, hours and amount in place, keeping the span of each node it reads.
import type { Expr } from './ast.js';
import type { Diagnostic, Span } from './diagnostics.js';
import {
  type Locate,
  type ParseResult,
  parseDuration,
  parseExpression,
  parseMoney,
  parsePercent,
  parseRate,
  parseTimeRanges,
  parseWeeklyHours,
} from './expr.js';
import type {
  Assertion,
  Billing,
  BillingPlan,
  Calendar,
  Channels,
  DenyRule,
  FactDecl,
  FactType,
  Grant,
  Named,
  Policy,
  PolicyTest,
  PrioritySection,
  SlaCell,
  SlaTargets,
  SlaTier,
  Tiers,
  WindowDecl,
} from './model.js';
import { type SourceFile, scalarOffsets } from './source.js';
import type { YamlNode, YamlPair } from './yaml-tree.js';

export type Path = readonly (string | number)[];

/** The keys of an SLA cell or rule that are not a declared window's target. */
const SLA_CELL_KEYS = new Set(['response', 'resolution', 'calendar', 'note', 'when', 'id']);

/** Stands in for an expression that did not parse, so later checks can skip it without a cascade. */
export const BROKEN: unique symbol = Symbol('broken expression');
export function isBroken(e: Expr): boolean {
  return (e as { [BROKEN]?: true })[BROKEN] === true;
}

/** Finds YAML nodes by path (following aliases and `<<` merges) and turns them into spans. */
export class NodeFinder {
  constructor(
    readonly file: SourceFile,
    root: YamlNode | undefined,
  ) {
    this.walked = { path: [], nodes: [root], keys: [undefined] };
  }

  /**
   * The path walked last, with the node and the key reached at each step: the reader asks for
   * the spans of a node's children and then of the node, so a walk starts where the path
   * leaves the one before, instead of at the root.
   */
  private readonly walked: { path: (string | number)[]; nodes: (YamlNode | undefined)[]; keys: (YamlNode | undefined)[] };

  /** The pair holding `key` in a mapping, looking through merge keys too. */
  private pair(map: YamlNode | undefined, key: string | number): YamlPair | undefined {
    if (map?.kind !== 'map') return undefined;
    const own = map.pairs!.get(String(key));
    if (own) return own;
    for (const source of map.merges ?? []) {
      const found = this.pair(source, key);
      if (found) return found;
    }
    return undefined;
  }

  /** Walks to `path`; after it, `walked.nodes[i]` and `walked.keys[i]` are what its first `i` steps reach. */
  private walk(path: Path): void {
    const { path: last, nodes, keys } = this.walked;
    let shared = 0;
    while (shared < path.length && shared < last.length && last[shared] === path[shared]) shared++;
    for (let i = shared; i < path.length; i++) {
      const seg = path[i]!;
      const at = nodes[i];
      if (at?.kind === 'seq' && typeof seg === 'number') {
        nodes[i + 1] = at.items![seg];
        keys[i + 1] = undefined;
      } else {
        const p = this.pair(at, seg);
        nodes[i + 1] = p?.value;
        keys[i + 1] = p?.key;
      }
      last[i] = seg;
    }
    last.length = path.length;
  }

  private node(path: Path): YamlNode | undefined {
    this.walk(path);
    return this.walked.nodes[path.length];
  }

  /** The span of the node at `path`; of its key with `key`; falling back to the nearest ancestor that exists. */
  span(path: Path, key = false): Span {
    this.walk(path);
    const { nodes, keys } = this.walked;
    for (let n = path.length; n >= 0; n--) {
      const node = key && n === path.length ? (keys[n] ?? nodes[n]) : nodes[n];
      if (node) return this.file.span(node.start, node.end - node.start);
    }
    return this.file.span(0);
  }

  /** A function from offsets inside the scalar at `path` to file spans. */
  locator(path: Path): Locate {
    const node = this.node(path);
    if (node?.kind !== 'scalar') {
      const s = this.span(path);
      return () => s;
    }
    const at = scalarOffsets(this.file.text, node);
    return (start, end) => {
      const a = at(start);
      return this.file.span(a, Math.max(0, at(end) - a));
    };
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export class PolicyReader {
  constructor(
    readonly at: NodeFinder,
    readonly js: Obj,
    readonly diagnostics: Diagnostic[],
  ) {}

  private take<V>(result: ParseResult<V>): V | undefined {
    if (result.ok) return result.value;
    this.diagnostics.push(...result.diagnostics);
    return undefined;
  }

  private parse<V>(path: Path, text: string, parse: (t: string, l: Locate) => ParseResult<V>): V | undefined {
    return this.take(parse(text, this.at.locator(path)));
  }

  expr(path: Path, text: string): Expr {
    const e = this.parse(path, text, parseExpression);
    if (e) return e;
    const broken = { kind: 'literal', type: 'null', value: null, span: this.at.span(path) } as Expr;
    (broken as { [BROKEN]?: true })[BROKEN] = true;
    return broken;
  }

  /** `{ id, idSpan }` when the rule has an id. */
  private id(rule: Obj, path: Path): { id?: string; idSpan?: Span } {
    return typeof rule.id === 'string' ? { id: rule.id, idSpan: this.at.span([...path, 'id']) } : {};
  }

  /** `{ when }` when the rule has a condition; an unquoted `true`/`false` in YAML is the same condition. */
  private when(rule: Obj, path: Path): { when?: Expr } {
    const w = rule.when;
    return typeof w === 'string' || typeof w === 'boolean' ? { when: this.expr([...path, 'when'], String(w)) } : {};
  }

  named(path: Path, value: unknown): Named {
    return { name: str(value) ?? '', span: this.at.span(path) };
  }

  keyNamed(path: Path): Named {
    return { name: String(path[path.length - 1]), span: this.at.span(path, true) };
  }

  read(): Policy {
    const js = this.js;
    const policy: Policy = {
      file: this.at.file.name,
      id: str(js.policy) ?? '',
      idSpan: this.at.span(['policy']),
      title: str(js.title) ?? '',
      version: str(js.version) ?? '',
      effective: str(js.effective) ?? '',
      facts: this.facts(),
      derived: Object.entries(obj(js.derived)).map(([name, text]) => ({
        name,
        span: this.at.span(['derived', name], true),
        expr: this.expr(['derived', name], String(text)),
      })),
      priorities: arr(js.priorities).map((p, i) => this.named(['priorities', i], p)),
      calendars: Object.entries(obj(js.calendars)).map(([name, c]) => this.calendar(name, obj(c))),
      windows: Object.entries(obj(js.windows)).map(([name, w]) => this.window(name, obj(w))),
      assert: arr(js.assert).map((a, i) => this.assertion(obj(a), ['assert', i])),
      eligibility: arr(js.eligibility).map((r, i) => this.denyRule(obj(r), ['eligibility', i])),
      sla: Object.entries(obj(js.sla)).map(([tier, t]) => this.slaTier(tier, t)),
      entitlements: arr(js.entitlements).map((g, i) => this.grant(obj(g), ['entitlements', i])),
      actions: arr(js.actions).map((g, i) => this.grant(obj(g), ['actions', i])),
      tests: arr(js.tests).map((t, i) => this.test(obj(t), ['tests', i])),
      span: this.at.span([]),
    };
    if (typeof js.description === 'string') policy.description = js.description;
    if (typeof js.zone === 'string') policy.zone = { name: js.zone, span: this.at.span(['zone']) };
    if (typeof js.zoneFact === 'string') policy.zoneFact = this.named(['zoneFact'], js.zoneFact);
    if (js.tiers !== undefined) policy.tiers = this.tiers(obj(js.tiers));
    if (js.channels !== undefined) policy.channels = this.channels(obj(js.channels));
    if (js.priority !== undefined) policy.priority = this.priority(obj(js.priority));
    if (js.billing !== undefined) policy.billing = this.billing(obj(js.billing));
    return policy;
  }

  private facts(): FactDecl[] {
    return Object.entries(obj(this.js.facts)).map(([name, d]) => {
      const decl = obj(d);
      const fact: FactDecl = {
        name,
        span: this.at.span(['facts', name], true),
        type: decl.type as FactType,
        required: decl.required === true,
      };
      if (Array.isArray(decl.values)) fact.values = decl.values.map(String);
      if ('default' in decl) {
        fact.default = decl.default;
        fact.defaultSpan = this.at.span(['facts', name, 'default']);
      }
      if (typeof decl.description === 'string') fact.description = decl.description;
      if (typeof decl.min === 'number') {
        fact.min = decl.min;
        fact.minSpan = this.at.span(['facts', name, 'min']);
      }
      if (typeof decl.max === 'number') {
        fact.max = decl.max;
        fact.maxSpan = this.at.span(['facts', name, 'max']);
      }
      return fact;
    });
  }

  private tiers(t: Obj): Tiers {
    const levels = arr(t.levels).map((l, i) => this.named(['tiers', 'levels', i], l));
    const of =
      typeof t.of === 'string'
        ? this.expr(['tiers', 'of'], t.of)
        : ({ kind: 'fact', path: ['tier'], span: this.at.span(['tiers'], true) } as Expr);
    return {
      levels,
      of,
      ofDefaulted: typeof t.of !== 'string',
      ...(typeof t.slaOf === 'string' ? { slaOf: this.expr(['tiers', 'slaOf'], t.slaOf) } : {}),
      span: this.at.span(['tiers'], true),
    };
  }

  private window(name: string, w: Obj): WindowDecl {
    const base: Path = ['windows', name];
    const events = (key: string, otherwise: string[]): Named[] =>
      Array.isArray(w[key])
        ? w[key].map((e, i) => this.named([...base, key, i], e))
        : otherwise.map((e) => ({ name: e, span: this.at.span(base, true) }));
    const decl: WindowDecl = {
      ...this.keyNamed(base),
      start: events('start', ['opened']),
      stop: events('stop', []),
      pause: events('pause', []),
      resume: events('resume', []),
      end: events('end', ['resolved']),
      repeat: w.repeat === true,
    };
    if (typeof w.description === 'string') decl.description = w.description;
    return decl;
  }

  private calendar(name: string, c: Obj): Calendar {
    const base: Path = ['calendars', name];
    // A list of hours lines is parsed line by line so each error keeps its own position.
    const before = this.diagnostics.length;
    const hours = Array.isArray(c.hours)
      ? this.hoursList(base, c.hours.map(String))
      : (this.parse([...base, 'hours'], String(c.hours ?? ''), parseWeeklyHours) ?? {
          kind: 'weekly' as const,
          groups: [],
          span: this.at.span([...base, 'hours']),
        });
    const hoursInvalid = this.diagnostics.length > before;
    const calendar: Calendar = {
      name,
      span: this.at.span(base, true),
      hours,
      closed: arr(c.closed).map((d, i) => ({ date: String(d), span: this.at.span([...base, 'closed', i]) })),
      open: arr(c.open).map((o, i) => {
        const entry = obj(o);
        const path = [...base, 'open', i, 'hours'];
        return {
          date: String(entry.date),
          ranges: this.parse(path, String(entry.hours), parseTimeRanges) ?? [],
          span: this.at.span([...base, 'open', i]),
        };
      }),
    };
    if (hoursInvalid) calendar.hoursInvalid = true;
    if (typeof c.timezone === 'string') calendar.timezone = { name: c.timezone, span: this.at.span([...base, 'timezone']) };
    if (typeof c.timezoneFact === 'string') calendar.timezoneFact = this.named([...base, 'timezoneFact'], c.timezoneFact);
    if (c.holidays !== undefined) {
      const h = obj(c.holidays);
      calendar.holidays = {
        country: String(h.country),
        countrySpan: this.at.span([...base, 'holidays', 'country']),
        types: Array.isArray(h.types) ? h.types.map(String) : ['public'],
        span: this.at.span([...base, 'holidays']),
      };
      if (typeof h.region === 'string') {
        calendar.holidays.region = h.region;
        calendar.holidays.regionSpan = this.at.span([...base, 'holidays', 'region']);
      }
      for (const key of ['countryFact', 'regionFact'] as const)
        if (typeof h[key] === 'string') calendar.holidays[key] = this.named([...base, 'holidays', key], h[key]);
    }
    return calendar;
  }

  private hoursList(base: Path, lines: string[]): Calendar['hours'] {
    const groups: Extract<Calendar['hours'], { kind: 'weekly' }>['groups'] = [];
    for (const [i, line] of lines.entries()) {
      const h = this.parse([...base, 'hours', i], line, parseWeeklyHours);
      if (h?.kind === 'always') return h;
      if (h) groups.push(...h.groups);
    }
    return { kind: 'weekly', groups, span: this.at.span([...base, 'hours']) };
  }

  private assertion(a: Obj, path: Path): Assertion {
    return {
      code: String(a.code),
      idSpan: this.at.span([...path, 'code']),
      check: this.expr([...path, 'check'], String(a.check)),
      message: String(a.message),
      span: this.at.span(path),
    };
  }

  private denyRule(r: Obj, path: Path): DenyRule {
    const rule: DenyRule = {
      code: String(r.deny),
      idSpan: this.at.span([...path, 'deny']),
      when: this.expr([...path, 'when'], String(r.when)),
      span: this.at.span(path),
    };
    if (typeof r.message === 'string') rule.message = r.message;
    return rule;
  }

  private channels(c: Obj): Channels {
    const deny = obj(c.deny);
    const channels: Channels = {
      fact: this.named(['channels', 'fact'], c.fact),
      byTier: Object.entries(obj(c.byTier)).map(([tier, allow]) => ({
        tier: this.keyNamed(['channels', 'byTier', tier]),
        allow: arr(allow).map((a, i) => this.named(['channels', 'byTier', tier, i], a)),
      })),
      rules: arr(c.rules).map((r, i) => {
        const rule = obj(r);
        const path: Path = ['channels', 'rules', i];
        return {
          ...this.id(rule, path),
          ...this.when(rule, path),
          allow: arr(rule.allow).map((a, j) => this.named([...path, 'allow', j], a)),
          span: this.at.span(path),
        };
      }),
      deny: { code: str(deny.code) ?? 'channel-not-offered' },
      span: this.at.span(['channels'], true),
    };
    if (typeof deny.message === 'string') channels.deny.message = deny.message;
    return channels;
  }

  private priority(p: Obj): PrioritySection {
    const section: PrioritySection = {
      rules: arr(p.rules).map((r, i) => {
        const rule = obj(r);
        const path: Path = ['priority', 'rules', i];
        return {
          ...this.id(rule, path),
          when: this.expr([...path, 'when'], String(rule.when)),
          priority: this.named([...path, 'priority'], rule.priority),
          span: this.at.span(path),
        };
      }),
      span: this.at.span(['priority'], true),
    };
    if (typeof p.override === 'string') section.override = this.named(['priority', 'override'], p.override);
    if (typeof p.from === 'string') section.from = this.named(['priority', 'from'], p.from);
    if (p.default !== undefined) section.default = this.named(['priority', 'default'], p.default);
    if (p.lookup !== undefined) {
      const l = obj(p.lookup);
      section.lookup = {
        fact: this.named(['priority', 'lookup', 'fact'], l.fact),
        table: Object.entries(obj(l.table)).map(([value, prio]) => ({
          value: this.keyNamed(['priority', 'lookup', 'table', value]),
          priority: this.named(['priority', 'lookup', 'table', value], prio),
        })),
        span: this.at.span(['priority', 'lookup'], true),
      };
    }
    if (p.matrix !== undefined) {
      const m = obj(p.matrix);
      const base: Path = ['priority', 'matrix', 'cells'];
      section.matrix = {
        rows: this.named(['priority', 'matrix', 'rows'], m.rows),
        columns: this.named(['priority', 'matrix', 'columns'], m.columns),
        rowSpans: Object.keys(obj(m.cells)).map((row) => this.keyNamed([...base, row])),
        cells: Object.entries(obj(m.cells)).flatMap(([row, cols]) =>
          Object.entries(obj(cols)).map(([col, prio]) => ({
            row: this.keyNamed([...base, row]),
            column: this.keyNamed([...base, row, col]),
            priority: this.named([...base, row, col], prio),
          })),
        ),
        span: this.at.span(['priority', 'matrix'], true),
      };
    }
    return section;
  }

  private targets(path: Path, t: Obj): SlaTargets {
    const targets: SlaTargets = {};
    for (const kind of ['response', 'resolution'] as const) {
      const text = t[kind];
      if (typeof text !== 'string') continue;
      const d = this.parse([...path, kind], text, parseDuration);
      if (d) targets[kind] = d;
      else targets.invalid = true;
    }
    if (typeof t.calendar === 'string') Object.assign(targets, this.calendarRef([...path, 'calendar'], t.calendar));
    // Any other key is a declared window's target (the checker reports one naming no window).
    for (const [key, text] of Object.entries(t)) {
      if (SLA_CELL_KEYS.has(key) || typeof text !== 'string') continue;
      const d = this.parse([...path, key], text, parseDuration);
      if (d) (targets.windows ??= []).push({ window: this.keyNamed([...path, key]), duration: d });
      else targets.invalid = true;
    }
    return targets;
  }

  /**
   * `calendar:` names a calendar, or is an expression whose value names one. A declared calendar's
   * name is that calendar; so is any other plain name that is no fact (to be reported as an
   * unknown calendar); anything else is an expression.
   */
  private calendarRef(path: Path, text: string): Pick<SlaTargets, 'calendar' | 'calendarOf'> {
    const named = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text);
    const isFact = Object.hasOwn(obj(this.js.facts), text) || Object.hasOwn(obj(this.js.derived), text);
    if (Object.hasOwn(obj(this.js.calendars), text) || (named && !isFact)) return { calendar: this.named(path, text) };
    return { calendarOf: { expr: this.expr(path, text), text, span: this.at.span(path) } };
  }

  private slaTier(tier: string, t: unknown): SlaTier {
    const base: Path = ['sla', tier];
    const result: SlaTier = {
      tier: this.keyNamed(base),
      bestEffort: t === 'best-effort',
      othersBestEffort: typeof t === 'object' && t !== null && (t as Obj).others === 'best-effort',
      cells: [],
      span: this.at.span(base, true),
    };
    if (typeof t !== 'object' || t === null) return result;
    const o = t as Obj;
    if (typeof o.calendar === 'string') Object.assign(result, this.calendarRef([...base, 'calendar'], o.calendar));
    for (const [prio, c] of Object.entries(o)) {
      if (prio === 'calendar' || prio === 'note' || prio === 'others') continue;
      const path: Path = [...base, prio];
      const span = this.at.span(path);
      let cell: SlaCell;
      if (c === 'best-effort') cell = { kind: 'best-effort', span };
      else if (Array.isArray(c)) {
        cell = {
          kind: 'rules',
          rules: c.map((r, i) => {
            const rule = obj(r);
            const rulePath = [...path, i];
            return {
              ...this.targets(rulePath, rule),
              ...this.id(rule, rulePath),
              ...this.when(rule, rulePath),
              span: this.at.span(rulePath),
            };
          }),
          span,
        };
      } else cell = { kind: 'targets', targets: this.targets(path, obj(c)), span };
      result.cells.push({ priority: this.keyNamed(path), cell });
    }
    return result;
  }

  private billing(b: Obj): Billing {
    const billing: Billing = {
      currencies: Object.fromEntries(Object.entries(obj(b.currencies)).map(([k, v]) => [k, Number(v)])),
      plans: arr(b.plans).flatMap((p, i) => {
        const plan = obj(p);
        const path: Path = ['billing', 'plans', i];
        const rate = this.parse([...path, 'rate'], String(plan.rate), parseRate);
        if (!rate) return [];
        const result: BillingPlan = {
          id: String(plan.id),
          idSpan: this.at.span([...path, 'id']),
          rate,
          span: this.at.span(path),
          ...this.when(plan, path),
        };
        if (typeof plan.minimum === 'string') {
          const d = this.parse([...path, 'minimum'], plan.minimum, parseDuration);
          if (d) result.minimum = d;
        }
        if (typeof plan.increment === 'string') {
          const d = this.parse([...path, 'increment'], plan.increment, parseDuration);
          if (d) result.increment = d;
        }
        if (typeof plan.tax === 'string') {
          const t = this.parse([...path, 'tax'], plan.tax, parsePercent);
          if (t) result.tax = t;
        }
        if (typeof plan.balance === 'string') result.balance = this.named([...path, 'balance'], plan.balance);
        return [result];
      }),
      priceList: Object.entries(obj(b.priceList)).flatMap(([sku, e]) => {
        const entry = obj(e);
        const path: Path = ['billing', 'priceList', sku];
        const price = this.parse([...path, 'price'], String(entry.price), parseMoney);
        if (!price) return [];
        const result: Billing['priceList'][number] = { sku, price, span: this.at.span(path, true) };
        if (typeof entry.credits === 'string') {
          const c = this.parse([...path, 'credits'], entry.credits, parseMoney);
          if (c) result.credits = c;
        }
        if (typeof entry.tax === 'string') {
          const t = this.parse([...path, 'tax'], entry.tax, parsePercent);
          if (t) result.tax = t;
        }
        return [result];
      }),
      notices: arr(b.notices).map((n, i) => this.grant(obj(n), ['billing', 'notices', i])),
      span: this.at.span(['billing'], true),
    };
    if (typeof b.worked === 'string') billing.worked = this.named(['billing', 'worked'], b.worked);
    if (b.purchase !== undefined) {
      const p = obj(b.purchase);
      billing.purchase = { sku: this.named(['billing', 'purchase', 'sku'], p.sku) };
      if (typeof p.quantity === 'string') billing.purchase.quantity = this.named(['billing', 'purchase', 'quantity'], p.quantity);
    }
    return billing;
  }

  private grant(g: Obj, path: Path): Grant {
    const grant: Grant = {
      id: String(g.id),
      idSpan: this.at.span([...path, 'id']),
      span: this.at.span(path),
      ...this.when(g, path),
    };
    if (typeof g.message === 'string') grant.message = g.message;
    return grant;
  }

  private test(t: Obj, path: Path): PolicyTest {
    const facts = obj(t.facts);
    const expect = obj(t.expect);
    const test: PolicyTest = {
      name: String(t.name),
      idSpan: this.at.span([...path, 'name']),
      facts,
      factSpans: Object.fromEntries(
        Object.keys(facts).map((k) => [
          k,
          { key: this.at.span([...path, 'facts', k], true), value: this.at.span([...path, 'facts', k]) },
        ]),
      ),
      expect,
      expectSpans: Object.fromEntries(
        Object.keys(expect).map((k) => [
          k,
          { key: this.at.span([...path, 'expect', k], true), value: this.at.span([...path, 'expect', k]) },
        ]),
      ),
      span: this.at.span(path),
    };
    if (typeof t.now === 'string') test.now = t.now;
    return test;
  }
}
