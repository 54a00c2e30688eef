// The diagnostic helpers: "did you mean" suggestions and the sorted, deduplicated, capped list.
import { describe, expect, it } from 'vitest';
import { closest, diagnostic } from '../../dsl/diagnostics.js';
import { DIAGNOSTIC_CAP, finishDiagnostics } from '../../dsl/problems/index.js';
import { SourceFile } from '../../dsl/source.js';

describe('closest', () => {
  it.each([
    ['urgncy', ['urgency', 'impact'], 'urgency'],
    ['teir', ['tier', 'trial'], 'tier'],
    ['hourz', ['hour', 'hours'], 'hours'],
    ['Europe/Rom', ['Europe/Rome', 'Europe/Riga'], 'Europe/Rome'],
    ['sp', ['SP', 'RJ'], 'SP'],
  ])('suggests %s → %s', (word, candidates, want) => {
    expect(closest(word, candidates)).toBe(want);
  });

  it.each([
    ['priority_levels', ['description', 'priorities']],
    ['2 business days', ['best-effort']],
    ['UK', ['CK', 'GB']],
    ['xyz', ['tier', 'impact']],
  ])('suggests nothing unrelated for %s', (word, candidates) => {
    expect(closest(word, candidates)).toBeUndefined();
  });
});

describe('finishDiagnostics', () => {
  const file = new SourceFile('p.yaml', 'a\nb\nc\nd\n'.repeat(20));
  const at = (offset: number, code: 'expr.syntax' | 'expr.unknown-fact' = 'expr.syntax') =>
    diagnostic(code, file.span(offset), `problem at ${offset}`);

  it('sorts by position and drops exact repeats', () => {
    const list = finishDiagnostics([at(6), at(2), at(6), at(4, 'expr.unknown-fact')]);
    expect(list.map((d) => [d.span.line, d.code])).toEqual([
      [2, 'expr.syntax'],
      [3, 'expr.unknown-fact'],
      [4, 'expr.syntax'],
    ]);
  });

  it('caps the list and says how many were left out', () => {
    const list = finishDiagnostics(Array.from({ length: DIAGNOSTIC_CAP + 7 }, (_, i) => at(i * 2)));
    expect(list).toHaveLength(DIAGNOSTIC_CAP + 1);
    expect(list[DIAGNOSTIC_CAP]!.code).toBe('diagnostics.capped');
    expect(list[DIAGNOSTIC_CAP]!.message).toContain('7 more problems');
  });
});

describe('SourceFile.span', () => {
  it('gives 1-based lines and columns, and the end position', () => {
    const f = new SourceFile('p.yaml', 'ab\ncdef\n');
    expect(f.span(4, 3)).toMatchObject({ line: 2, column: 2, endLine: 2, endColumn: 5 });
  });

  it('clamps offsets into the file', () => {
    const f = new SourceFile('p.yaml', 'ab');
    expect(f.span(99, 5)).toMatchObject({ offset: 2, length: 0, line: 1, column: 3 });
    expect(f.span(-3)).toMatchObject({ offset: 0, line: 1, column: 1 });
  });
});
