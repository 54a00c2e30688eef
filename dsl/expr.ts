// Parses the expression language: text → tokens → CST (grammar.ts) → AST (the visitor below).
// Each entry point returns a value or diagnostics and never throws on user input.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type {
  CompareOp,
  DayHours,
  Duration,
  DurationUnit,
  Expr,
  MoneyLiteral,
  PercentLiteral,
  RateLiteral,
  TimeRange,
  Weekday,
  WeeklyHours,
} from './ast.js';
import { WEEKDAYS } from './ast.js';
import { type Diagnostic, MAX_NESTING, type Span, diagnostic, didYouMean, tooDeep } from './diagnostics.js';
import { isDateTime, isRealDate } from './datetime.js';
import { T, lexer, parser } from './grammar.js';

/** Turns an offset range inside the expression text into a file span. */
export type Locate = (start: number, end: number) => Span;

export type ParseResult<V> = { ok: true; value: V; diagnostics: [] } | { ok: false; diagnostics: Diagnostic[] };

type Children = Record<string, CstElement[] | undefined>;

const isToken = (e: CstElement | undefined): e is IToken => e !== undefined && 'image' in e;
const tokenOf = (c: Children, key: string, i = 0): IToken | undefined => {
  const e = c[key]?.[i];
  return isToken(e) ? e : undefined;
};
const nodeOf = (c: Children, key: string, i = 0): CstNode | undefined => {
  const e = c[key]?.[i];
  return e !== undefined && !isToken(e) ? e : undefined;
};
const nodesOf = (c: Children, key: string): CstNode[] => (c[key] ?? []).filter((e): e is CstNode => !isToken(e));
const tokensOf = (c: Children, key: string): IToken[] => (c[key] ?? []).filter(isToken);

const UNITS: Record<string, DurationUnit> = {
  minute: 'minute',
  minutes: 'minute',
  min: 'minute',
  mins: 'minute',
  hour: 'hour',
  hours: 'hour',
  day: 'day',
  days: 'day',
};

const COMPARE: Record<string, CompareOp> = { Eq: '==', NotEq: '!=', Lt: '<', LtEq: '<=', Gt: '>', GtEq: '>=' };

/** The visitor: all meaning of the grammar. Problems found here (a bad unit, a 25:00) are collected. */
class AstBuilder extends parser.getBaseCstVisitorConstructor() {
  locate: Locate = () => {
    throw new Error('locate not set');
  };
  problems: Diagnostic[] = [];

  constructor() {
    super();
    this.validateVisitor();
  }

  /** Visits a child, handing it its own node so its method can compute its span. */
  v(node: CstNode): any {
    return this.visit(node, node);
  }

  private span(node: CstNode): Span {
    const loc = node.location;
    const start = loc?.startOffset ?? 0;
    const end = loc?.endOffset !== undefined && !Number.isNaN(loc.endOffset) ? loc.endOffset + 1 : start;
    return this.locate(start, end);
  }

  private tokenSpan(t: IToken): Span {
    return this.locate(t.startOffset, t.startOffset + t.image.length);
  }

  private problem(t: IToken | CstNode, message: string, hint?: string): void {
    const span = 'image' in t ? this.tokenSpan(t) : this.span(t);
    this.problems.push(diagnostic('expr.syntax', span, message, hint));
  }

  expression(ctx: Children): Expr {
    return this.v(nodeOf(ctx, 'ifExpression') ?? nodeOf(ctx, 'orExpression')!);
  }

  ifExpression(ctx: Children, self: CstNode): Expr {
    return {
      kind: 'if',
      test: this.v(nodeOf(ctx, 'test')!),
      then: this.v(nodeOf(ctx, 'then')!),
      else: this.v(nodeOf(ctx, 'else')!),
      span: this.span(self),
    };
  }

  orExpression(ctx: Children, self: CstNode): Expr {
    return this.logical('or', ctx, self);
  }

  andExpression(ctx: Children, self: CstNode): Expr {
    return this.logical('and', ctx, self);
  }

  private logical(op: 'and' | 'or', ctx: Children, self: CstNode): Expr {
    const operands = nodesOf(ctx, 'operands').map((n) => this.v(n) as Expr);
    return operands.length === 1 ? operands[0]! : { kind: 'logical', op, operands, span: this.span(self) };
  }

  notExpression(ctx: Children, self: CstNode): Expr {
    const inner = nodeOf(ctx, 'notExpression');
    if (inner) return { kind: 'not', operand: this.v(inner), span: this.span(self) };
    return this.v(nodeOf(ctx, 'comparison')!);
  }

  comparison(ctx: Children, self: CstNode): Expr {
    const left: Expr = this.v(nodeOf(ctx, 'left')!);
    const rightNode = nodeOf(ctx, 'right');
    if (!rightNode) return left;
    const right: Expr = this.v(rightNode);
    const operator = nodeOf(ctx, 'comparisonOperator');
    if (operator) {
      return { kind: 'compare', op: this.v(operator), left, right, span: this.span(self) };
    }
    return { kind: 'in', negated: tokenOf(ctx, 'negated') !== undefined, left, right, span: this.span(self) };
  }

  comparisonOperator(ctx: Children): CompareOp {
    const name = Object.keys(ctx).find((k) => ctx[k]?.length);
    return COMPARE[name ?? 'Eq'] ?? '==';
  }

  primary(ctx: Children): Expr {
    const child = nodeOf(ctx, 'literal') ?? nodeOf(ctx, 'list') ?? nodeOf(ctx, 'parenthesized') ?? nodeOf(ctx, 'reference');
    return this.v(child!);
  }

  literal(ctx: Children, self: CstNode): Expr {
    const span = this.span(self);
    const number = tokenOf(ctx, 'Number');
    if (number) {
      const value = Number(number.image) * (tokenOf(ctx, 'Minus') ? -1 : 1);
      return { kind: 'literal', type: 'number', value, span };
    }
    const string = tokenOf(ctx, 'String');
    if (string) return { kind: 'literal', type: 'string', value: unquote(string.image), span };
    if (tokenOf(ctx, 'True')) return { kind: 'literal', type: 'boolean', value: true, span };
    if (tokenOf(ctx, 'False')) return { kind: 'literal', type: 'boolean', value: false, span };
    const date = tokenOf(ctx, 'Date');
    if (date) {
      if (!isRealDate(date.image)) this.problem(date, `'${date.image}' is not a date on the calendar`);
      return { kind: 'literal', type: 'date', value: date.image, span };
    }
    const dateTime = tokenOf(ctx, 'DateTime');
    if (dateTime) {
      if (!isDateTime(dateTime.image)) {
        this.problem(dateTime, `'${dateTime.image}' is not a real date and time with its offset, like 2026-03-10T09:00:00+01:00`);
      }
      return { kind: 'literal', type: 'datetime', value: dateTime.image, span };
    }
    return { kind: 'literal', type: 'null', value: null, span };
  }

  list(ctx: Children, self: CstNode): Expr {
    return { kind: 'list', items: nodesOf(ctx, 'items').map((n) => this.v(n) as Expr), span: this.span(self) };
  }

  parenthesized(ctx: Children): Expr {
    return this.v(nodeOf(ctx, 'expression')!);
  }

  reference(ctx: Children, self: CstNode): Expr {
    const name = tokenOf(ctx, 'name')!;
    if (tokenOf(ctx, 'LParen')) {
      return {
        kind: 'call',
        name: name.image,
        args: nodesOf(ctx, 'args').map((n) => this.v(n) as Expr),
        span: this.span(self),
        nameSpan: this.tokenSpan(name),
      };
    }
    return { kind: 'fact', path: [name.image, ...tokensOf(ctx, 'path').map((t) => t.image)], span: this.span(self) };
  }

  duration(ctx: Children, self: CstNode): Duration {
    const number = tokenOf(ctx, 'Number')!;
    const words = tokensOf(ctx, 'words');
    let business = false;
    let unitToken = words[0]!;
    if (words.length === 2) {
      if (words[0]!.image === 'business') business = true;
      else
        this.problem(
          words[0]!,
          `'${words[0]!.image}' is not allowed here`,
          didYouMean(words[0]!.image, ['business']) ?? "write e.g. '8 business hours'",
        );
      unitToken = words[1]!;
    }
    // Own names only: '15 constructor' is no duration.
    const unit = Object.hasOwn(UNITS, unitToken.image) ? UNITS[unitToken.image] : undefined;
    if (!unit) {
      this.problem(
        unitToken,
        `'${unitToken.image}' is not a unit of time`,
        didYouMean(unitToken.image, Object.keys(UNITS)) ?? 'use minutes, hours or days',
      );
    }
    const amount = Number(number.image);
    const calendarToken = tokenOf(ctx, 'calendar');
    const result: Duration = { kind: 'duration', amount, unit: unit ?? 'minute', business, span: this.span(self) };
    if (calendarToken) result.calendar = { name: calendarToken.image, span: this.tokenSpan(calendarToken) };
    return result;
  }

  weeklyHours(ctx: Children, self: CstNode): WeeklyHours {
    if (tokenOf(ctx, 'Always')) return { kind: 'always', span: this.span(self) };
    return { kind: 'weekly', groups: nodesOf(ctx, 'dayHours').map((n) => this.v(n) as DayHours), span: this.span(self) };
  }

  dayHours(ctx: Children, self: CstNode): DayHours {
    const days = nodesOf(ctx, 'daySpan').flatMap((n) => this.v(n) as Weekday[]);
    return { days, ranges: this.v(nodeOf(ctx, 'timeRanges')!), span: this.span(self) };
  }

  daySpan(ctx: Children): Weekday[] {
    const from = this.weekday(tokenOf(ctx, 'from')!);
    const toToken = tokenOf(ctx, 'to');
    if (!toToken) return from ? [from] : [];
    const to = this.weekday(toToken);
    if (!from || !to) return [];
    const a = WEEKDAYS.indexOf(from);
    const b = WEEKDAYS.indexOf(to);
    if (b < a) {
      this.problem(toToken, `'${from}-${to}' runs backwards`, 'days run from mon to sun, e.g. mon-fri');
      return [];
    }
    return WEEKDAYS.slice(a, b + 1);
  }

  private weekday(t: IToken): Weekday | undefined {
    const day = t.image.toLowerCase().slice(0, 3) as Weekday;
    if (WEEKDAYS.includes(day) && FULL_DAY_NAMES.includes(t.image.toLowerCase())) return day;
    this.problem(
      t,
      `'${t.image}' is not a day of the week`,
      didYouMean(t.image, WEEKDAYS) ?? 'use mon, tue, wed, thu, fri, sat, sun',
    );
    return undefined;
  }

  timeRanges(ctx: Children): TimeRange[] {
    return nodesOf(ctx, 'timeRange').map((n) => this.v(n) as TimeRange);
  }

  timeRange(ctx: Children, self: CstNode): TimeRange {
    const from = tokenOf(ctx, 'from')!;
    const to = tokenOf(ctx, 'to')!;
    return { start: this.clockTime(from, false), end: this.clockTime(to, true), span: this.span(self) };
  }

  private clockTime(t: IToken, isEnd: boolean): number {
    const [h, m] = t.image.split(':').map(Number) as [number, number];
    const minutes = h * 60 + m;
    if (m > 59 || h > 24 || (h === 24 && m > 0) || (h === 24 && !isEnd)) {
      this.problem(t, `'${t.image}' is not a time of day`, isEnd ? 'use 00:00 to 24:00' : 'use 00:00 to 23:59');
    }
    return minutes;
  }

  money(ctx: Children, self: CstNode): MoneyLiteral {
    const currency = tokenOf(ctx, 'currency')!;
    return {
      kind: 'money',
      amount: tokenOf(ctx, 'Number')!.image,
      currency: currency.image,
      currencySpan: this.tokenSpan(currency),
      span: this.span(self),
    };
  }

  rate(ctx: Children, self: CstNode): RateLiteral {
    const unit = tokenOf(ctx, 'unit')!;
    const per = Object.hasOwn(UNITS, unit.image) ? UNITS[unit.image] : undefined;
    if (per !== 'minute' && per !== 'hour') {
      this.problem(unit, `a rate is charged per minute or per hour, not per '${unit.image}'`);
    }
    return { kind: 'rate', money: this.v(nodeOf(ctx, 'money')!), per: per === 'hour' ? 'hour' : 'minute', span: this.span(self) };
  }

  percent(ctx: Children, self: CstNode): PercentLiteral {
    return { kind: 'percent', value: tokenOf(ctx, 'Number')!.image, span: this.span(self) };
  }
}

const FULL_DAY_NAMES = [...WEEKDAYS, 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

const builder = new AstBuilder();

type EntryRule = 'expression' | 'duration' | 'weeklyHours' | 'timeRanges' | 'money' | 'rate' | 'percent';

/** What each entry point expects, in words, for the "write e.g." hint. */
const EXAMPLES: Record<EntryRule, string> = {
  expression: `e.g. tier == "premium" or trial`,
  duration: "e.g. '15 minutes', '8 business hours', '3 business days'",
  weeklyHours: "e.g. 'mon-fri 09:00-13:00, 14:00-18:00' or '24x7'",
  timeRanges: "e.g. '09:00-13:00, 14:00-18:00'",
  money: "e.g. '112.00 EUR'",
  rate: "e.g. '75.00 EUR per hour' or '1 logbit per minute'",
  percent: "e.g. '22%'",
};

function run<V>(rule: EntryRule, text: string, locate: Locate): ParseResult<V> {
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    const ch = text.slice(e.offset, e.offset + 1);
    return {
      ok: false,
      diagnostics: [
        diagnostic('expr.syntax', locate(e.offset, e.offset + (e.length || 1)), `unexpected character '${ch}'`, EXAMPLES[rule]),
      ],
    };
  }
  if (lexed.tokens.length === 0) {
    return { ok: false, diagnostics: [diagnostic('expr.syntax', locate(0, 0), 'this is empty', EXAMPLES[rule])] };
  }
  const deep = deeperThanAllowed(lexed.tokens);
  if (deep) return { ok: false, diagnostics: [tooDeep('expr', locate(deep.startOffset, deep.startOffset + deep.image.length))] };
  parser.input = lexed.tokens;
  const cst = parser[rule]();
  if (parser.errors.length > 0) {
    const e = parser.errors[0]!;
    const t = e.token;
    const atEnd = t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset);
    const start = atEnd ? text.trimEnd().length : t.startOffset;
    const span = locate(start, atEnd ? start : start + t.image.length);
    const slip = knownSlip(rule, lexed.tokens, atEnd, locate);
    return { ok: false, diagnostics: [slip ?? diagnostic('expr.syntax', span, e.message, hintFor(t, rule) ?? EXAMPLES[rule])] };
  }
  builder.locate = locate;
  builder.problems = [];
  const value = builder.v(cst) as V;
  if (builder.problems.length > 0) return { ok: false, diagnostics: builder.problems };
  return { ok: true, value, diagnostics: [] };
}

/**
 * The token where the expression nests deeper than it may, found from the tokens alone: the
 * parser, the checks and the evaluator recurse once per level, and a few thousand levels would
 * exhaust the stack. Each bracket or call is a level until it closes, each `if` until the
 * bracket around it closes, each `not` until the `and`, `or`, `then`, `else` or `,` that ends
 * its operand: never fewer levels than the tree has.
 */
function deeperThanAllowed(tokens: IToken[]): IToken | undefined {
  const frames = [{ ifs: 0, nots: 0 }];
  let depth = 1;
  for (const t of tokens) {
    const frame = frames[frames.length - 1]!;
    switch (t.tokenType) {
      case T.LParen:
      case T.LBracket:
        frames.push({ ifs: 0, nots: 0 });
        depth++;
        break;
      case T.RParen:
      case T.RBracket:
        if (frames.length > 1) {
          frames.pop();
          depth -= 1 + frame.ifs + frame.nots;
        }
        break;
      case T.If:
        frame.ifs++;
        depth++;
        break;
      case T.Not:
        frame.nots++;
        depth++;
        break;
      case T.And:
      case T.Or:
      case T.Then:
      case T.Else:
      case T.Comma:
        depth -= frame.nots;
        frame.nots = 0;
        break;
    }
    if (depth > MAX_NESTING.expr) return t;
  }
  return undefined;
}

const NEGATIVE: Partial<Record<EntryRule, string>> = {
  duration: 'a duration',
  money: 'an amount',
  rate: 'a rate',
  percent: 'a tax rate',
};

/**
 * Parse errors whose cause is not where the parser stopped, reported at the cause: a leading
 * minus sign (a duration or an amount is never negative), and a bracket never closed (the parser
 * only notices at the end of the text).
 */
function knownSlip(rule: EntryRule, tokens: IToken[], atEnd: boolean, locate: Locate): Diagnostic | undefined {
  const first = tokens[0];
  const what = NEGATIVE[rule];
  if (what && first?.tokenType === T.Minus)
    return diagnostic(
      'expr.syntax',
      locate(first.startOffset, first.startOffset + 1),
      `${what} cannot be negative: remove the '-'`,
      EXAMPLES[rule],
    );
  if (!atEnd) return undefined;
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === T.LParen || t.tokenType === T.LBracket) open.push(t);
    else if (t.tokenType === T.RParen || t.tokenType === T.RBracket) {
      const want = t.tokenType === T.RParen ? T.LParen : T.LBracket;
      if (open[open.length - 1]?.tokenType !== want) return undefined;
      open.pop();
    }
  }
  const unclosed = open[open.length - 1];
  if (!unclosed) return undefined;
  const close = unclosed.tokenType === T.LParen ? ')' : ']';
  return diagnostic(
    'expr.syntax',
    locate(unclosed.startOffset, unclosed.startOffset + 1),
    `this '${unclosed.image}' is never closed`,
    `add '${close}' where the ${close === ')' ? 'group' : 'list'} ends`,
  );
}

function hintFor(t: IToken, rule: EntryRule): string | undefined {
  if (t.tokenType === T.Comma && (rule === 'money' || rule === 'rate' || rule === 'percent'))
    return 'write decimals with a point, e.g. 112.00';
  if (t.tokenType === T.SingleEq) return "'=' is not an operator here — write '==' to compare";
  if (t.tokenType === T.SymbolicLogic) {
    const word = t.image === '&&' ? 'and' : t.image === '||' ? 'or' : 'not';
    return `write '${word}' instead of '${t.image}'`;
  }
  if (t.tokenType === T.Identifier && ['AND', 'OR', 'NOT', 'And', 'Or', 'Not'].includes(t.image)) {
    return `keywords are lower case: write '${t.image.toLowerCase()}'`;
  }
  return undefined;
}

export const parseExpression = (text: string, locate: Locate) => run<Expr>('expression', text, locate);
export const parseDuration = (text: string, locate: Locate) => run<Duration>('duration', text, locate);
export const parseWeeklyHours = (text: string, locate: Locate) => run<WeeklyHours>('weeklyHours', text, locate);
export const parseTimeRanges = (text: string, locate: Locate) => run<TimeRange[]>('timeRanges', text, locate);
export const parseMoney = (text: string, locate: Locate) => run<MoneyLiteral>('money', text, locate);
export const parseRate = (text: string, locate: Locate) => run<RateLiteral>('rate', text, locate);
export const parsePercent = (text: string, locate: Locate) => run<PercentLiteral>('percent', text, locate);

function unquote(image: string): string {
  const body = image.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c;
  });
}
