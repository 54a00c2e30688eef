// The policy language for monaco: YAML, with the expression language coloured inside the values
// that hold expressions (conditions, derived facts, durations, weekly hours, money). Prose values
// (messages, descriptions, titles) stay plain strings.
import * as monaco from 'monaco-editor/editor/editor.api';
// Keywords, constants, functions and the keys' documentation come from the language table the
// language server shares: completion and hovers (completion.ts) read them from here.
import {
  CONSTANTS,
  CONSTANT_WORDS,
  EXPRESSION_KEYWORDS,
  FACT_VALUED_KEYS,
  KEYWORDS,
  LANGUAGE_FUNCTIONS as FUNCTIONS,
  LITERAL_WORDS,
  keyDoc,
} from '../../dsl/language.js';

export { CONSTANTS, CONSTANT_WORDS, EXPRESSION_KEYWORDS, FACT_VALUED_KEYS, FUNCTIONS, KEYWORDS, LITERAL_WORDS, keyDoc };

export const LANGUAGE_ID = 'spe-policy';

/** Keys whose values are prose, never expressions. */
const PROSE_KEYS = ['message', 'description', 'title', 'name', 'note', 'label', 'policy', 'version', 'effective'];

const conf: monaco.languages.LanguageConfiguration = {
  comments: { lineComment: '#' },
  brackets: [
    ['{', '}'],
    ['[', ']'],
    ['(', ')'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"', notIn: ['string'] },
    { open: "'", close: "'", notIn: ['string', 'comment'] },
  ],
  surroundingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"' },
    { open: "'", close: "'" },
  ],
  folding: { offSide: true },
  // Words may hold '-' (enum values like `account-manager`), never '.' (so `decision.` completes).
  wordPattern: /(-?\d*\.\d\w*)|([^`~!@#$%^&*()=+[{\]}\\|;:'",.<>/?\s]+)/g,
  onEnterRules: [{ beforeText: /:\s*$/, action: { indentAction: monaco.languages.IndentAction.Indent } }],
};

const durationUnit = /(?:business\s+)?(?:minutes?|mins?|hours?|days?|weeks?|months?|years?)\b/;

const tokens: monaco.languages.IMonarchLanguage = {
  defaultToken: '',
  tokenPostfix: '.spe',
  keywords: ['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', '~'],
  exprKeywords: EXPRESSION_KEYWORDS,
  constants: CONSTANTS,
  functions: FUNCTIONS.map((f) => f.name),
  days: /(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)/,
  numberDate: /\d{4}-\d\d-\d\d(?:[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?/,
  escapes: /\\(?:[btnfr\\"']|[0-7][0-7]?|[0-3][0-7]{2})/,
  tokenizer: {
    root: [
      { include: '@whitespace' },
      { include: '@comment' },
      [/%[^ ]+.*$/, 'meta.directive'],
      [/---/, 'operators.directivesEnd'],
      [/\.{3}/, 'operators.documentEnd'],
      [/[-?:](?= |$)/, 'operators'],
      // A prose key: its value is text.
      [new RegExp(`(${PROSE_KEYS.join('|')})([ \\t]*)(:)(?= |$)`), ['type', 'white', 'operators']],
      [/([A-Za-z_][\w.-]*)([ \t]*)(:)(?= |$)/, ['type', 'white', { token: 'operators', next: '@value' }]],
      [/(".*?"|'.*?'|[^#'"{}[\],]*?)([ \t]*)(:)( |$)/, ['type', 'white', 'operators', 'white']],
      { include: '@anchor' },
      { include: '@tagHandle' },
      { include: '@flowCollections' },
      { include: '@blockStyle' },
      [/@numberDate(?![ \t]*[^\s#])/, 'number.date'],
      [/-?\d+(?:\.\d+)?(?![ \t]*[^\s#])/, 'number'],
      { include: '@flowScalars' },
      [/.+?(?=(\s+#|$))/, { cases: { '@keywords': 'keyword', '@default': 'string' } }],
    ],
    // After a key that is not prose: an expression, unless the value is a YAML structure.
    value: [
      [/^/, { token: '', next: '@pop' }],
      [/[ \t]+(?=[{[&*!|>#'"]|$)/, { token: 'white', next: '@pop' }],
      [/[ \t]+/, { token: 'white', switchTo: '@expr' }],
      [/./, { token: '@rematch', next: '@pop' }],
    ],
    expr: [
      [/^/, { token: '', next: '@pop' }],
      [/[ \t]+/, 'white'],
      [/#.*$/, 'comment'],
      [/"([^"\\]|\\.)*"/, 'string.expr'],
      [/'[^']*'/, 'string.expr'],
      [/"([^"\\]|\\.)*$/, 'string.invalid'],
      [/@numberDate/, 'number.date'],
      [/\d\d:\d\d(?:-\d\d:\d\d)?/, 'number.time'],
      [/24x7\b/, 'keyword.hours'],
      [/@days(?:-@days)?\b/, 'keyword.hours'],
      [new RegExp(`\\d+(?:\\.\\d+)?[ \\t]+${durationUnit.source}`), 'number.duration'],
      [/\d+(?:\.\d+)?[ \t]+[A-Za-z]+[ \t]+per[ \t]+(?:minute|hour|day)\b/, 'number.money'],
      [/\d+(?:\.\d+)?[ \t]+[A-Z]{3}\b/, 'number.money'],
      [/\d+(?:\.\d+)?%/, 'number.money'],
      [/-?\d+(?:\.\d+)?/, 'number'],
      [/decision\.[A-Za-z_]\w*/, 'variable.decision'],
      [/[A-Za-z_][\w-]*(?=\s*\()/, { cases: { '@functions': 'function', '@default': 'identifier' } }],
      [/[A-Za-z_][\w-]*/, { cases: { '@exprKeywords': 'keyword.expr', '@constants': 'constant', '@default': 'identifier' } }],
      [/==|!=|<=|>=|<|>|=/, 'operator.expr'],
      [/[()[\],]/, 'delimiter'],
      [/./, 'identifier'],
    ],
    object: [
      { include: '@whitespace' },
      { include: '@comment' },
      [/\}/, '@brackets', '@pop'],
      [/,/, 'delimiter.comma'],
      [/:(?= )/, 'operators'],
      [/(?:".*?"|'.*?'|[^,{[]+?)(?=: )/, 'type'],
      { include: '@flowCollections' },
      { include: '@flowScalars' },
      { include: '@tagHandle' },
      { include: '@anchor' },
      { include: '@flowValue' },
    ],
    array: [
      { include: '@whitespace' },
      { include: '@comment' },
      [/\]/, '@brackets', '@pop'],
      [/,/, 'delimiter.comma'],
      { include: '@flowCollections' },
      { include: '@flowScalars' },
      { include: '@tagHandle' },
      { include: '@anchor' },
      { include: '@flowValue' },
    ],
    // A value inside `{ … }` or `[ … ]`: durations, dates and `decision.*` keep their colours.
    flowValue: [
      [/@numberDate(?=[ \t]*[,\]}])/, 'number.date'],
      [new RegExp(`\\d+(?:\\.\\d+)?[ \\t]+${durationUnit.source}(?=[ \\t]*[,\\]}])`), 'number.duration'],
      [/-?\d+(?:\.\d+)?(?=[ \t]*[,\]}])/, 'number'],
      [/decision\.[A-Za-z_]\w*/, 'variable.decision'],
      [/[^\]},]+/, { cases: { '@keywords': 'keyword', '@default': 'string' } }],
    ],
    multiString: [[/^( +).+$/, 'string', '@multiStringContinued.$1']],
    multiStringContinued: [[/^( *).+$/, { cases: { '$1==$S2': 'string', '@default': { token: '@rematch', next: '@popall' } } }]],
    whitespace: [[/[ \t\r\n]+/, 'white']],
    comment: [[/#.*$/, 'comment']],
    flowCollections: [
      [/\[/, '@brackets', '@array'],
      [/\{/, '@brackets', '@object'],
    ],
    flowScalars: [
      [/"([^"\\]|\\.)*$/, 'string.invalid'],
      [/'([^'\\]|\\.)*$/, 'string.invalid'],
      [/'[^']*'/, 'string'],
      [/"/, 'string', '@doubleQuotedString'],
    ],
    doubleQuotedString: [
      [/[^\\"]+/, 'string'],
      [/@escapes/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/"/, 'string', '@pop'],
    ],
    blockStyle: [[/[>|][0-9]*[+-]?$/, 'operators', '@multiString']],
    tagHandle: [[/![^ ]*/, 'tag']],
    anchor: [[/[&*][^ ]+/, 'namespace']],
  },
};

export const THEME = 'spe-light';

export function registerLanguage(): void {
  monaco.languages.register({ id: LANGUAGE_ID, extensions: ['.yaml', '.yml'], aliases: ['spe policy'] });
  monaco.languages.setLanguageConfiguration(LANGUAGE_ID, conf);
  monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, tokens);
  monaco.editor.defineTheme(THEME, {
    base: 'vs',
    inherit: true,
    rules: [
      { token: 'type', foreground: '1e40af' },
      { token: 'comment', foreground: '6b7280', fontStyle: 'italic' },
      { token: 'string', foreground: '374151' },
      { token: 'keyword.expr', foreground: '7c3aed', fontStyle: 'bold' },
      { token: 'keyword.hours', foreground: '0e7490' },
      { token: 'keyword', foreground: 'b45309' },
      { token: 'constant', foreground: 'b45309' },
      { token: 'operator.expr', foreground: 'c2410c', fontStyle: 'bold' },
      { token: 'number.duration', foreground: '047857', fontStyle: 'bold' },
      { token: 'number.money', foreground: '047857' },
      { token: 'number.date', foreground: '9d174d' },
      { token: 'number.time', foreground: '0e7490' },
      { token: 'number', foreground: '047857' },
      { token: 'variable.decision', foreground: 'be185d', fontStyle: 'bold' },
      { token: 'function', foreground: '1d4ed8' },
      { token: 'identifier', foreground: '111827' },
      { token: 'string.expr', foreground: '15803d' },
      { token: 'namespace', foreground: '0369a1' },
    ],
    colors: {
      'editor.background': '#ffffff',
      'editorLineNumber.foreground': '#9ca3af',
      'editor.lineHighlightBackground': '#f3f4f6',
    },
  });
}
