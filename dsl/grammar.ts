// The expression language's tokens and grammar (chevrotain). The grammar is pure: it builds a CST
// and nothing else; all meaning lives in the visitor of `expr.ts`. One parser instance is reused.
import { CstParser, Lexer, createToken, type IParserErrorMessageProvider, type TokenType } from 'chevrotain';
import type { GrammarMistake } from './problems/index.js';

const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });
const keyword = (name: string, word: string) =>
  createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });

export const T = {
  WhiteSpace: createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED }),
  DateTime: createToken({
    name: 'DateTime',
    pattern: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?/,
    label: 'a date and time',
  }),
  Date: createToken({ name: 'Date', pattern: /\d{4}-\d{2}-\d{2}/, label: 'a date' }),
  Time: createToken({ name: 'Time', pattern: /\d{1,2}:\d{2}/, label: 'a time like 09:00' }),
  Always: createToken({ name: 'Always', pattern: /24x7/, label: "'24x7'" }),
  Number: createToken({ name: 'Number', pattern: /\d+(?:\.\d+)?/, label: 'a number' }),
  String: createToken({ name: 'String', pattern: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/, label: 'a string' }),
  Eq: createToken({ name: 'Eq', pattern: /==/, label: "'=='" }),
  NotEq: createToken({ name: 'NotEq', pattern: /!=/, label: "'!='" }),
  LtEq: createToken({ name: 'LtEq', pattern: /<=/, label: "'<='" }),
  GtEq: createToken({ name: 'GtEq', pattern: />=/, label: "'>='" }),
  Lt: createToken({ name: 'Lt', pattern: /</, label: "'<'" }),
  Gt: createToken({ name: 'Gt', pattern: />/, label: "'>'" }),
  /** Not part of the language: lexed so the error can say what to write instead. */
  SingleEq: createToken({ name: 'SingleEq', pattern: /=/, label: "'='" }),
  SymbolicLogic: createToken({ name: 'SymbolicLogic', pattern: /&&|\|\||!/, label: 'a symbol' }),
  Percent: createToken({ name: 'Percent', pattern: /%/, label: "'%'" }),
  LParen: createToken({ name: 'LParen', pattern: /\(/, label: "'('" }),
  RParen: createToken({ name: 'RParen', pattern: /\)/, label: "')'" }),
  LBracket: createToken({ name: 'LBracket', pattern: /\[/, label: "'['" }),
  RBracket: createToken({ name: 'RBracket', pattern: /]/, label: "']'" }),
  Comma: createToken({ name: 'Comma', pattern: /,/, label: "','" }),
  Semicolon: createToken({ name: 'Semicolon', pattern: /;/, label: "';'" }),
  Dot: createToken({ name: 'Dot', pattern: /\./, label: "'.'" }),
  Minus: createToken({ name: 'Minus', pattern: /-/, label: "'-'" }),
  And: keyword('And', 'and'),
  Or: keyword('Or', 'or'),
  Not: keyword('Not', 'not'),
  In: keyword('In', 'in'),
  True: keyword('True', 'true'),
  False: keyword('False', 'false'),
  Null: keyword('Null', 'null'),
  If: keyword('If', 'if'),
  Then: keyword('Then', 'then'),
  Else: keyword('Else', 'else'),
  Per: keyword('Per', 'per'),
  Identifier,
};

// Order matters: longer and more specific patterns first (a date before a number, `==` before `=`).
export const allTokens: TokenType[] = [
  T.WhiteSpace,
  T.DateTime,
  T.Date,
  T.Time,
  T.Always,
  T.Number,
  T.String,
  T.Eq,
  T.NotEq,
  T.LtEq,
  T.GtEq,
  T.Lt,
  T.Gt,
  T.SingleEq,
  T.SymbolicLogic,
  T.Percent,
  T.LParen,
  T.RParen,
  T.LBracket,
  T.RBracket,
  T.Comma,
  T.Semicolon,
  T.Dot,
  T.Minus,
  T.And,
  T.Or,
  T.Not,
  T.In,
  T.True,
  T.False,
  T.Null,
  T.If,
  T.Then,
  T.Else,
  T.Per,
  T.Identifier,
];

/**
 * Grammar validations cost ~35 ms at every start; they are skipped in the shared instances and
 * run by the grammar's own test, which builds a validating lexer and parser (`validate: true`).
 * The lexer tries only the tokens that can start with the character at hand (chevrotain works
 * them out from the patterns once, at no measurable cost at start) instead of every pattern in
 * turn: a quarter of the time per expression. The validating lexer insists on it, so a pattern
 * that defeats it fails the grammar's test.
 */
export function createLexer(validate = false): Lexer {
  return new Lexer(allTokens, {
    positionTracking: 'full',
    skipValidations: !validate,
    ensureOptimizations: validate,
  });
}

export const lexer = createLexer();

/**
 * The parser's errors as facts, not words: each message is a `GrammarMistake` as JSON, which
 * `readGrammarMistake` gives back and dsl/problems words for someone writing a policy.
 */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) =>
    mistake({ kind: 'mismatch', expected: expected.LABEL ?? expected.name, found: actual.image }),
  buildNotAllInputParsedMessage: ({ firstRedundant }) => mistake({ kind: 'left-over', found: firstRedundant.image }),
  buildNoViableAltMessage: ({ actual, ruleName }) =>
    mistake({ kind: 'no-alternative', rule: ruleName, found: actual[0]?.image ?? '' }),
  buildEarlyExitMessage: ({ actual, ruleName }) => mistake({ kind: 'too-few', rule: ruleName, found: actual[0]?.image ?? '' }),
};

const mistake = (m: GrammarMistake) => JSON.stringify(m);

/** The mistake behind a parser error's message. */
export const readGrammarMistake = (message: string) => JSON.parse(message) as GrammarMistake;

export class PolicyExpressionParser extends CstParser {
  constructor(validate = false) {
    super(allTokens, {
      skipValidations: !validate,
      recoveryEnabled: false,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  expression = this.RULE('expression', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.ifExpression) }, { ALT: () => this.SUBRULE(this.orExpression) }]);
  });

  ifExpression = this.RULE('ifExpression', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: 'test' });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression, { LABEL: 'then' });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expression, { LABEL: 'else' });
  });

  orExpression = this.RULE('orExpression', () => {
    this.SUBRULE(this.andExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpression, { LABEL: 'operands' });
    });
  });

  andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpression, { LABEL: 'operands' });
    });
  });

  notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.primary, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.SUBRULE(this.comparisonOperator);
            this.SUBRULE2(this.primary, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'negated' }));
            this.CONSUME(T.In);
            this.SUBRULE3(this.primary, { LABEL: 'right' });
          },
        },
      ]);
    });
  });

  comparisonOperator = this.RULE('comparisonOperator', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Eq) },
      { ALT: () => this.CONSUME(T.NotEq) },
      { ALT: () => this.CONSUME(T.LtEq) },
      { ALT: () => this.CONSUME(T.GtEq) },
      { ALT: () => this.CONSUME(T.Lt) },
      { ALT: () => this.CONSUME(T.Gt) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.literal) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.reference) },
    ]);
  });

  literal = this.RULE('literal', () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.Number);
        },
      },
      { ALT: () => this.CONSUME(T.String) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      { ALT: () => this.CONSUME(T.DateTime) },
      { ALT: () => this.CONSUME(T.Date) },
    ]);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'items' }) });
    this.CONSUME(T.RBracket);
  });

  parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** A fact path `a.b.c` or a call `f(x, y)`. */
  reference = this.RULE('reference', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'args' }) });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () =>
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.CONSUME2(T.Identifier, { LABEL: 'path' });
          }),
      },
    ]);
  });

  /** `15 minutes`, `8 business hours`, `3 business days in office`. */
  duration = this.RULE('duration', () => {
    this.CONSUME(T.Number);
    this.CONSUME(T.Identifier, { LABEL: 'words' });
    this.OPTION(() => this.CONSUME2(T.Identifier, { LABEL: 'words' }));
    this.OPTION2(() => {
      this.CONSUME(T.In);
      this.CONSUME3(T.Identifier, { LABEL: 'calendar' });
    });
  });

  /** `mon-fri 09:00-13:00, 14:00-18:00; sat 09:00-13:00`, or `24x7`. */
  weeklyHours = this.RULE('weeklyHours', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Always) },
      {
        ALT: () => {
          this.SUBRULE(this.dayHours);
          this.MANY(() => {
            this.OPTION(() => this.OR2([{ ALT: () => this.CONSUME(T.Comma) }, { ALT: () => this.CONSUME(T.Semicolon) }]));
            this.SUBRULE2(this.dayHours);
          });
        },
      },
    ]);
  });

  dayHours = this.RULE('dayHours', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.daySpan) });
    this.SUBRULE(this.timeRanges);
  });

  daySpan = this.RULE('daySpan', () => {
    this.CONSUME(T.Identifier, { LABEL: 'from' });
    this.OPTION(() => {
      this.CONSUME(T.Minus);
      this.CONSUME2(T.Identifier, { LABEL: 'to' });
    });
  });

  /** `09:00-13:00, 14:00-18:00` */
  timeRanges = this.RULE('timeRanges', () => {
    this.SUBRULE(this.timeRange);
    this.MANY({
      GATE: () => this.LA(1).tokenType === T.Comma && this.LA(2).tokenType === T.Time,
      DEF: () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.timeRange);
      },
    });
  });

  timeRange = this.RULE('timeRange', () => {
    this.CONSUME(T.Time, { LABEL: 'from' });
    this.CONSUME(T.Minus);
    this.CONSUME2(T.Time, { LABEL: 'to' });
  });

  /** `112.00 EUR` */
  money = this.RULE('money', () => {
    this.CONSUME(T.Number);
    this.CONSUME(T.Identifier, { LABEL: 'currency' });
  });

  /** `75.00 EUR per hour` */
  rate = this.RULE('rate', () => {
    this.SUBRULE(this.money);
    this.CONSUME(T.Per);
    this.CONSUME(T.Identifier, { LABEL: 'unit' });
  });

  /** `22%` */
  percent = this.RULE('percent', () => {
    this.CONSUME(T.Number);
    this.CONSUME(T.Percent);
  });
}

/** The single parser instance: chevrotain parsers are costly to build and meant to be reused. */
export const parser = new PolicyExpressionParser();
