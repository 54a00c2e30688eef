// The policy language as editors present it: its keywords, constants, functions, literal words and
// sections, each with its documentation, in one table that the web editor (editor/src) and the
// language server (lsp/) both read. Browser-safe: it imports nothing but other browser-safe dsl
// modules (the function table and the JSON Schema).
import { FUNCTION_NAMES, FUNCTIONS as FUNCTION_TABLE } from './functions.js';
import { policySchema } from './schema.js';

/** A word of the language and what it means (markdown). */
export interface LanguageWord {
  word: string;
  doc: string;
}

/** The expression language's keywords. */
export const KEYWORDS: readonly LanguageWord[] = [
  { word: 'and', doc: '`a and b`: true when both are true (false if either is false, else unknown).' },
  { word: 'or', doc: '`a or b`: true when either is true (false if both are false, else unknown).' },
  { word: 'not', doc: '`not a`: true when `a` is false; also `not in`.' },
  {
    word: 'in',
    doc: '`x in ["a", "b"]`: `x` is one of the listed values; in a duration, `3 business days in office` names its calendar.',
  },
  { word: 'if', doc: '`if c then a else b`: `a` when condition `c` holds, else `b`.' },
  { word: 'then', doc: 'The value of `if … then … else …` when the condition holds.' },
  { word: 'else', doc: 'The value of `if … then … else …` when the condition does not hold.' },
  { word: 'per', doc: 'A rate: `75.00 EUR per hour`, `1 logbit per minute`.' },
];

/** The constants of expressions. */
export const CONSTANT_WORDS: readonly LanguageWord[] = [
  { word: 'true', doc: 'Boolean true.' },
  { word: 'false', doc: 'Boolean false.' },
  { word: 'null', doc: 'No value: a fact that was not given and has no default.' },
];

/** Words of durations and weekly hours. */
export const LITERAL_WORDS: readonly LanguageWord[] = [
  {
    word: 'business',
    doc: 'A duration in business time, counted in a calendar’s open hours: `8 business hours`, `3 business days`.',
  },
  { word: 'minutes', doc: 'A duration unit (also `minute`, `min`, `mins`).' },
  { word: 'hours', doc: 'A duration unit (also `hour`).' },
  { word: 'days', doc: 'A duration unit (also `day`): a calendar day, or with `business` a business day of the calendar.' },
  { word: '24x7', doc: 'Weekly hours: open around the clock, every day.' },
  {
    word: 'decision',
    doc: 'What earlier stages decided, read by later rules: `decision.tier`, `decision.priority`, `decision.channels`.',
  },
];

export const EXPRESSION_KEYWORDS: string[] = KEYWORDS.filter((k) => k.word !== 'per').map((k) => k.word);
export const CONSTANTS: string[] = CONSTANT_WORDS.map((c) => c.word);

/** The language's functions, for completion and hover: from the table the checker and engine use. */
export const LANGUAGE_FUNCTIONS: { name: string; signature: string; doc: string }[] = FUNCTION_NAMES.map((name) => ({
  name,
  signature: FUNCTION_TABLE[name].signature,
  doc: FUNCTION_TABLE[name].doc,
}));

/** What each section of a policy file is for (markdown); the keys within are documented by the schema. */
export const SECTION_DOCS: Readonly<Record<string, string>> = {
  policy: 'The policy id, like `zmanda`: how the API and `spe eval` name it.',
  title: 'The contract’s title.',
  version: 'The contract’s version, like `"2024.1"` (quote it so it stays text).',
  effective: 'The date the contract takes effect, like `2024-01-01`.',
  description: 'What the contract covers, in words.',
  zone: 'The policy’s IANA time zone, like `Europe/Rome`: where an instant becomes a date.',
  zoneFact: 'The fact of type `timezone` that holds the policy’s zone (its default applying).',
  facts:
    'The facts a ticket gives, by name: `type` (string, number, integer, boolean, date, datetime, enum, timezone, intervals), `values` of an enum, `default`, `required`, `min`/`max`. The evaluate call’s input schema is made from them.',
  assert: 'Conditions every request must meet (`code`, `check`, `message`): a request that fails one is refused, not decided.',
  derived: 'Facts computed from other facts, by name: `slaTier: if trial then "premium" else tier`.',
  priorities: 'The priority levels, most urgent first: `[P1, P2, P3, P4]`.',
  tiers:
    'The support tiers, lowest first (`levels`), the expression that gives a ticket’s tier (`of`), and optionally the tier whose SLA it gets (`slaOf`).',
  calendars:
    'Business calendars by name: `timezone`, weekly `hours` (`mon-fri 09:00-18:00`, `24x7`), `holidays` of a country and region, `closed` and `open` days.',
  eligibility: 'Deny rules, in order: a ticket is not eligible when one matches (`deny`, `when`, `message`).',
  channels:
    'Which channels a ticket may use: by tier (`byTier`) or by rules (`rules` with `allow`), and the reason given when a channel is not offered (`deny`).',
  priority:
    'How a ticket’s priority is decided: ordered `rules`, an impact × urgency `matrix`, a `lookup` table, a fact (`from`), a customer `override`, and a `default`.',
  sla: 'Response and resolution targets per tier and priority, each counted in a calendar; `best-effort` for a tier without targets.',
  billing:
    'What a ticket costs: `plans` (rate, minimum, increment, tax, a prepaid balance), a `priceList` for purchases, `notices` on the bill.',
  entitlements: 'What a ticket’s customer is entitled to, each shown when its condition holds (`id`, `when`, `message`).',
  actions: 'What to do for a ticket, each when its condition holds (`id`, `when`, `message`).',
  tests: 'The policy’s own tests: `facts` in, the `expect`ed decision fields out (`spe test` runs them).',
};

type SchemaNode = {
  description?: string;
  enum?: readonly unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
};

/** The schema of the value at a YAML path (`[]` stands for a list item), or undefined. */
export function schemaAt(path: readonly string[]): SchemaNode | undefined {
  let s: SchemaNode | undefined = policySchema as SchemaNode;
  for (const seg of path) {
    if (!s) return undefined;
    s =
      seg === '[]'
        ? s.items
        : (s.properties?.[seg] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
  }
  return s;
}

/** The documentation of the key at the end of a YAML path: a section's from SECTION_DOCS, else the schema's description. */
export function keyDoc(path: readonly string[]): string | undefined {
  if (path.length === 1 && path[0] !== undefined && Object.hasOwn(SECTION_DOCS, path[0])) return SECTION_DOCS[path[0]];
  return schemaAt(path)?.description;
}

/** The keys the schema knows at a YAML path, with their documentation. */
export function keysAt(path: readonly string[]): LanguageWord[] {
  const props = schemaAt(path)?.properties ?? {};
  return Object.keys(props).map((word) => ({ word, doc: keyDoc([...path, word]) ?? '' }));
}

/** The values the schema allows at a YAML path, when it lists them (a fact's `type`, a holiday type). */
export function valuesAt(path: readonly string[]): string[] {
  return (schemaAt(path)?.enum ?? []).map(String);
}

/** Keys whose value names a fact. */
export const FACT_VALUED_KEYS: ReadonlySet<string> = new Set([
  'of',
  'fact',
  'rows',
  'columns',
  'override',
  'from',
  'worked',
  'balance',
  'timezoneFact',
  'zoneFact',
  'sku',
  'quantity',
]);

/** Keys whose value is an expression or condition (the other values are names, numbers or prose). */
export const EXPRESSION_KEYS: ReadonlySet<string> = new Set(['when', 'check', 'of', 'slaOf']);
