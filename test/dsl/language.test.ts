// The language table editors read (dsl/language.ts) against the grammar the parser reads: every
// keyword it documents is a keyword of the lexer, and every keyword of the lexer is documented.
import { describe, expect, it } from 'vitest';
import { T, lexer } from '../../dsl/grammar.js';
import { CONSTANT_WORDS, KEYWORDS, LANGUAGE_FUNCTIONS, keyDoc, keysAt } from '../../dsl/language.js';
import { FUNCTION_NAMES } from '../../dsl/functions.js';

describe('the language table', () => {
  const documented = [...KEYWORDS, ...CONSTANT_WORDS].map((k) => k.word);

  it('documents only words the lexer reads as keywords', () => {
    for (const word of documented) {
      const [token] = lexer.tokenize(word).tokens;
      expect(token?.tokenType.name, word).not.toBe('Identifier');
      expect(token?.image, word).toBe(word);
    }
  });

  it('documents every keyword of the lexer', () => {
    const keywords = Object.values(T)
      .map((t) => (typeof t.LABEL === 'string' ? /^'([a-z]+)'$/.exec(t.LABEL)?.[1] : undefined))
      .filter((w): w is string => w !== undefined);
    expect(keywords.length).toBeGreaterThan(5);
    for (const word of keywords) expect(documented, word).toContain(word);
  });

  it('lists every function of the function table, and nothing else', () => {
    expect(LANGUAGE_FUNCTIONS.map((f) => f.name)).toEqual(FUNCTION_NAMES);
  });

  it('documents sections and the keys within them from the schema', () => {
    expect(keyDoc(['priorities'])).toContain('most urgent first');
    expect(keyDoc(['tiers', 'levels'])).toBe('the tiers, lowest first');
    expect(keysAt(['tiers']).map((k) => k.word)).toEqual(['levels', 'of', 'slaOf']);
    expect(keyDoc(['nonsense'])).toBeUndefined();
  });
});
