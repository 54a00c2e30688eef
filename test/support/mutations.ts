// Mutations of policy sources for the fuzz and property tests: edits of characters, words and
// lines that keep a source close to a real policy, so most of them reach deep into the loader.
import fc from 'fast-check';

/** Words that mean something to JavaScript objects, YAML or the expression language. */
export const HOSTILE_WORDS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'null',
  'true',
  '~',
  '*a',
  '&a',
  '!!js/function',
  '!!binary',
  '<<',
  '-1',
  '1e999',
  '0x10',
  "''",
  '""',
  '24x7',
  'business',
  'decision',
  'P0',
  '9'.repeat(40),
  '\u202e',
  '\u0000',
];
const SIGNIFICANT = ':-[]{}"\'#&*!|>%@,.()=<\n\t 0123456789abcPz_'.split('');

export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 60 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(...SIGNIFICANT), maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('insertAny' as const), at: fc.nat(), text: fc.string({ unit: 'grapheme', maxLength: 6 }) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), word: fc.constantFrom(...HOSTILE_WORDS) }),
  fc.record({ kind: fc.constant('swapWords' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('deleteLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

export function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  const lines = text.split('\n');
  const line = m.at % lines.length;
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
    case 'insertAny':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'word':
    case 'swapWords': {
      // Replace a whole word: a name, a value, a keyword, a key.
      const words = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)];
      if (words.length === 0) return text;
      const w = words[m.at % words.length]!;
      const replacement = m.kind === 'word' ? m.word : words[m.other % words.length]![0];
      return text.slice(0, w.index) + replacement + text.slice(w.index + w[0].length);
    }
    case 'duplicateLine':
      lines.splice(line, 0, lines[line]!);
      return lines.join('\n');
    case 'deleteLine':
      lines.splice(line, 1);
      return lines.join('\n');
    case 'swapLines': {
      const j = m.other % lines.length;
      [lines[line], lines[j]] = [lines[j]!, lines[line]!];
      return lines.join('\n');
    }
    case 'indent':
      lines[line] = m.by > 0 ? ' '.repeat(m.by) + lines[line] : lines[line]!.slice(-m.by);
      return lines.join('\n');
  }
}
