// Diagnostics of parsing the expression language and its literals (durations, hours, money,
// rates, percentages): what cannot be read, and a value that reads but means nothing.
import { type Diagnostic, type Span, diagnostic } from '../diagnostics.js';
import { meant } from './words.js';

/** What is being parsed: an entry point of the grammar. */
export type EntryRule = 'expression' | 'duration' | 'weeklyHours' | 'timeRanges' | 'money' | 'rate' | 'percent';

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

/** Where the grammar stopped, and what it found there (`''`: the end of the text). */
export type GrammarMistake =
  /** `expected`: the label of the token it expected. */
  | { kind: 'mismatch'; expected: string; found: string }
  /** A complete expression, then more. */
  | { kind: 'left-over'; found: string }
  /** None of the ways `rule` can go fits. */
  | { kind: 'no-alternative'; rule: string; found: string }
  /** `rule` needs at least one more of something. */
  | { kind: 'too-few'; rule: string; found: string };

/** `expr.syntax`: the text cannot be parsed as what `rule` expects, or a part of it means nothing. */
export type ExprSyntax = { span: Span } & (
  | { kind: 'character'; rule: EntryRule; char: string }
  | { kind: 'empty'; rule: EntryRule }
  /** The grammar stopped at `token` (its token type's name and text). */
  | { kind: 'grammar'; rule: EntryRule; mistake: GrammarMistake; token: { type: string; image: string } }
  | { kind: 'date'; text: string }
  | { kind: 'datetime'; text: string }
  /** A word before a duration's unit that is not `business`. */
  | { kind: 'duration-word'; word: string; near?: string }
  | { kind: 'time-unit'; word: string; near?: string }
  | { kind: 'days-backwards'; from: string; to: string }
  | { kind: 'weekday'; word: string; near?: string }
  | { kind: 'time-of-day'; text: string; end: boolean }
  | { kind: 'rate-unit'; word: string }
  /** A leading minus sign on what is never negative (`what`: 'a duration', 'an amount', …). */
  | { kind: 'negative'; rule: EntryRule; what: string }
  /** A bracket never closed, reported where it opens. */
  | { kind: 'unclosed'; open: '(' | '[' }
);

export function exprSyntax(p: ExprSyntax): Diagnostic {
  const say = (message: string, hint?: string) => diagnostic('expr.syntax', p.span, message, hint);
  switch (p.kind) {
    case 'character':
      return say(`unexpected character '${p.char}'`, EXAMPLES[p.rule]);
    case 'empty':
      return say('this is empty', EXAMPLES[p.rule]);
    case 'grammar':
      return say(grammarWords(p.mistake), grammarHint(p.token, p.rule) ?? EXAMPLES[p.rule]);
    case 'date':
      return say(`'${p.text}' is not a date on the calendar`);
    case 'datetime':
      return say(`'${p.text}' is not a real date and time with its offset, like 2026-03-10T09:00:00+01:00`);
    case 'duration-word':
      return say(`'${p.word}' is not allowed here`, meant(p.near) ?? "write e.g. '8 business hours'");
    case 'time-unit':
      return say(`'${p.word}' is not a unit of time`, meant(p.near) ?? 'use minutes, hours or days');
    case 'days-backwards':
      return say(`'${p.from}-${p.to}' runs backwards`, 'days run from mon to sun, e.g. mon-fri');
    case 'weekday':
      return say(`'${p.word}' is not a day of the week`, meant(p.near) ?? 'use mon, tue, wed, thu, fri, sat, sun');
    case 'time-of-day':
      return say(`'${p.text}' is not a time of day`, p.end ? 'use 00:00 to 24:00' : 'use 00:00 to 23:59');
    case 'rate-unit':
      return say(`a rate is charged per minute or per hour, not per '${p.word}'`);
    case 'negative':
      return say(`${p.what} cannot be negative: remove the '-'`, EXAMPLES[p.rule]);
    case 'unclosed':
      return p.open === '('
        ? say("this '(' is never closed", "add ')' where the group ends")
        : say("this '[' is never closed", "add ']' where the list ends");
    default: {
      const never: never = p;
      return never;
    }
  }
}

const quote = (image: string) => (image === '' ? 'the end' : `'${image}'`);

/** What the grammar's rules expect, where a rule stopped. */
const RULE_WORDS: Partial<Record<string, string>> = {
  primary: 'a value, a fact or a function call',
  literal: 'a value',
  comparisonOperator: 'a comparison',
  weeklyHours: "days and hours like 'mon-fri 09:00-18:00' or '24x7'",
  dayHours: "days and hours like 'mon-fri 09:00-18:00'",
};

/** A grammar mistake in the words of someone writing a policy, not of a parser generator. */
function grammarWords(m: GrammarMistake): string {
  switch (m.kind) {
    case 'mismatch':
      return `expected ${m.expected} but found ${quote(m.found)}`;
    case 'left-over':
      return `unexpected ${quote(m.found)} after a complete expression`;
    case 'no-alternative':
      return `expected ${RULE_WORDS[m.rule] ?? 'a value'} but found ${quote(m.found)}`;
    case 'too-few':
      return `expected ${RULE_WORDS[m.rule] ?? 'more'} but found ${quote(m.found)}`;
    default: {
      const never: never = m;
      return never;
    }
  }
}

/** What the author probably meant by the token the grammar stopped at. */
function grammarHint(t: { type: string; image: string }, rule: EntryRule): string | undefined {
  if (t.type === 'Comma' && (rule === 'money' || rule === 'rate' || rule === 'percent'))
    return 'write decimals with a point, e.g. 112.00';
  if (t.type === 'SingleEq') return "'=' is not an operator here — write '==' to compare";
  if (t.type === 'SymbolicLogic') {
    const word = t.image === '&&' ? 'and' : t.image === '||' ? 'or' : 'not';
    return `write '${word}' instead of '${t.image}'`;
  }
  if (t.type === 'Identifier' && ['AND', 'OR', 'NOT', 'And', 'Or', 'Not'].includes(t.image)) {
    return `keywords are lower case: write '${t.image.toLowerCase()}'`;
  }
  return undefined;
}
