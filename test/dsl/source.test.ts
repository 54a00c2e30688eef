// SourceFile remembers the line of the last position it found: any order of questions must get
// the lines and columns that counting the newlines before the offset gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../dsl/source.js';

/** Line and column by counting, with nothing remembered. */
function counted(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: at - lastNewline };
}

describe('SourceFile', () => {
  it('gives every span the lines and columns that counting gives, in any order', () => {
    const text = fc.stringMatching(/^[a-z \n\r]{0,60}$/);
    const question = fc.tuple(fc.integer({ min: -5, max: 70 }), fc.integer({ min: -3, max: 70 }));
    fc.assert(
      fc.property(text, fc.array(question, { maxLength: 30 }), (t, questions) => {
        const file = new SourceFile('f.yaml', t);
        for (const [offset, length] of questions) {
          const at = Math.max(0, Math.min(offset, t.length));
          const len = Math.max(0, Math.min(length, t.length - at));
          const start = counted(t, at);
          const end = counted(t, at + len);
          expect(file.span(offset, length)).toEqual({
            file: 'f.yaml',
            line: start.line,
            column: start.column,
            offset: at,
            length: len,
            endLine: end.line,
            endColumn: end.column,
          });
          expect(file.position(at)).toEqual(start);
        }
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('finds the lines of a file with no newline, one at the start and one at the end', () => {
    for (const t of ['', 'abc', '\nabc', 'abc\n', '\n\n\n']) {
      const file = new SourceFile('f.yaml', t);
      for (let at = t.length; at >= 0; at--) expect(file.position(at), `${JSON.stringify(t)} at ${at}`).toEqual(counted(t, at));
    }
  });
});
