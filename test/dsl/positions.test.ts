// Positions: an error inside an expression points at its exact column in the YAML file,
// whatever the scalar style (plain, quoted, block, folded).
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../dsl/index.js';

/** A small valid policy with one eligibility condition written as `when`. */
function policyWith(whenLines: string): string {
  return [
    'policy: demo',
    'title: Demo',
    'version: "1"',
    'effective: 2024-01-01',
    'facts:',
    '  urgency: { type: enum, values: [high, low] }',
    '  channel: { type: enum, values: [phone, web] }',
    'priorities: [P1, P2]',
    'eligibility:',
    '  - deny: no-phone',
    whenLines,
    '',
  ].join('\n');
}

function firstDiagnostic(src: string) {
  const r = loadPolicy(src, 'demo.yaml');
  expect(r.diagnostics.length).toBeGreaterThan(0);
  return r.diagnostics[0]!;
}

describe('positions inside expressions', () => {
  it('points at an unknown fact in a plain scalar', () => {
    const d = firstDiagnostic(policyWith('    when: urgncy == "high"'));
    expect(d.code).toBe('expr.unknown-fact');
    expect([d.span.line, d.span.column, d.span.length]).toEqual([11, 11, 6]);
    expect(d.message).toContain("did you mean 'urgency'");
  });

  it('points inside a double-quoted scalar, after the quote', () => {
    const d = firstDiagnostic(policyWith(`    when: "channel == 'phone' and urgncy == 'high'"`));
    expect(d.code).toBe('expr.unknown-fact');
    expect([d.span.line, d.span.column]).toEqual([11, 35]);
  });

  it('points inside a single-quoted scalar with an escaped quote before the error', () => {
    const d = firstDiagnostic(policyWith(`    when: 'channel == ''phone'' and urgncy == ''high'''`));
    expect(d.code).toBe('expr.unknown-fact');
    expect([d.span.line, d.span.column]).toEqual([11, 37]);
  });

  it('points at the right line and column of a literal block scalar', () => {
    const d = firstDiagnostic(policyWith(['    when: |', '      channel == "phone"', '        and urgency = "high"'].join('\n')));
    expect(d.code).toBe('expr.syntax');
    expect([d.span.line, d.span.column]).toEqual([13, 21]);
    expect(d.hint).toContain("'=='");
  });

  it('points at the right line of a folded plain scalar', () => {
    const d = firstDiagnostic(policyWith(['    when: channel == "phone"', '      and urgncy == "high"'].join('\n')));
    expect(d.code).toBe('expr.unknown-fact');
    expect([d.span.line, d.span.column]).toEqual([12, 11]);
  });

  it('points at an unknown enum value inside a list', () => {
    const d = firstDiagnostic(policyWith('    when: channel in ["phone", "fax"]'));
    expect(d.code).toBe('expr.unknown-value');
    expect([d.span.line, d.span.column, d.span.length]).toEqual([11, 32, 5]);
  });

  it('points at the end of an unfinished expression', () => {
    const d = firstDiagnostic(policyWith('    when: channel =='));
    expect(d.code).toBe('expr.syntax');
    expect([d.span.line, d.span.column]).toEqual([11, 21]);
    expect(d.message).toContain('found the end');
  });

  it('reports a misspelt fact once however often it is used', () => {
    const src = policyWith('    when: urgncy == "high" or urgncy == "low" or (channel == "web" and urgncy == "high")');
    const r = loadPolicy(src, 'demo.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['expr.unknown-fact']);
  });

  it('keeps every span inside the file', () => {
    const src = policyWith('    when: "');
    for (const d of loadPolicy(src, 'demo.yaml').diagnostics) {
      expect(d.span.offset).toBeGreaterThanOrEqual(0);
      expect(d.span.offset + d.span.length).toBeLessThanOrEqual(src.length);
    }
  });
});
