// The expression lexer looks up the tokens that can start at each character instead of trying
// every pattern in turn: it must cut any text into the same tokens, and fail at the same
// places, as the plain lexer that tries them all.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer } from 'chevrotain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allTokens, lexer } from '../../dsl/grammar.js';

const plain = new Lexer(allTokens, { positionTracking: 'full', safeMode: true, skipValidations: true });

/** Each token's type, text and place, each error's place and message. */
function cut(l: Lexer, text: string) {
  const r = l.tokenize(text);
  return {
    tokens: r.tokens.map((t) => [
      t.tokenType.name,
      t.image,
      t.startOffset,
      t.endOffset,
      t.startLine,
      t.startColumn,
      t.endLine,
      t.endColumn,
    ]),
    errors: r.errors.map((e) => [e.offset, e.length, e.line, e.column, e.message]),
  };
}

const root = join(import.meta.dirname, '..', '..');
/** Every scalar of the policies and cases: expressions, durations, hours, amounts and the rest. */
const scalars = ['policies', join('test', 'dsl', 'cases')].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => readFileSync(join(root, dir, f), 'utf8').split('\n'))
    .map((line) => line.replace(/^[\s-]*[\w.]+:\s*/, '').trim())
    .filter((s) => s.length > 0),
);

describe('the expression lexer', () => {
  it('cuts every scalar of the policies and cases as the plain lexer does', () => {
    expect(scalars.length).toBeGreaterThan(2000);
    for (const s of scalars) expect(cut(lexer, s), s).toEqual(cut(plain, s));
  });

  it('cuts any text as the plain lexer does', () => {
    const pieces = [
      ...'abcdfinotrueplsmh_AZ0123456789 \t\n\r.,;:%-+*/\\=!<>&|()[]{}"\'`#@$?^~'.split(''),
      ...['and', 'or', 'not', 'in', 'true', 'false', 'null', 'if', 'then', 'else', 'per', '24x7'],
      ...['==', '!=', '<=', '>=', '&&', '||', '2024-02-29', 'T10:30', '+02:00', 'Z', '.5', '09:00'],
      ...['\u00a0', '\u2028', '\u2029', '\ufeff', '\u3000', '\u200b', 'é', 'ß', '€', '🙂', '\u0000'],
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(cut(lexer, text)).toEqual(cut(plain, text));
      }),
      { numRuns: 5000, seed: 20240229 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(cut(lexer, text)).toEqual(cut(plain, text));
      }),
      { numRuns: 5000, seed: 20240229 },
    );
  });
});
