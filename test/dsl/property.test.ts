// Property tests: random and mutated sources into the loader and the expression parser. Every
// input ends in a result or diagnostics, never a throw, and every position stays inside the file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Diagnostic,
  type Expr,
  exprKey,
  loadPolicy,
  parseDuration,
  parseExpression,
  parseMoney,
  parsePercent,
  parseRate,
  parseWeeklyHours,
} from '../../dsl/index.js';
import { locate } from '../support/helpers.js';
import { mutate, mutation } from '../support/mutations.js';

const root = join(import.meta.dirname, '..', '..');
const seeds = [
  readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8'),
  ...readdirSync(join(root, 'test', 'dsl', 'cases'))
    .filter((f) => f.endsWith('.pass.yaml'))
    .slice(0, 20)
    .map((f) => readFileSync(join(root, 'test', 'dsl', 'cases', f), 'utf8')),
];

function expectInside(diagnostics: Diagnostic[], text: string): void {
  const lines = text.split('\n').length;
  for (const d of diagnostics) {
    expect(d.span.offset).toBeGreaterThanOrEqual(0);
    expect(d.span.offset + d.span.length).toBeLessThanOrEqual(text.length);
    expect(d.span.line).toBeGreaterThanOrEqual(1);
    expect(d.span.line).toBeLessThanOrEqual(lines);
    expect(d.span.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

describe('the loader never throws', () => {
  it('on mutated policies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        const text = mutations.reduce(mutate, seed);
        const result = loadPolicy(text, 'mutated.yaml');
        expectInside(result.diagnostics, text);
        expect(result.ok).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = loadPolicy(text, 'random.yaml');
        expectInside(result.diagnostics, text);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JSON-like documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        expectInside(loadPolicy(text, 'json.yaml').diagnostics, text);
      }),
      { numRuns: 1000 },
    );
  });
});

const entryPoints = [parseExpression, parseDuration, parseWeeklyHours, parseMoney, parseRate, parsePercent];

describe('the expression parser never throws', () => {
  const tokenish = fc.constantFrom(
    'and',
    'or',
    'not',
    'in',
    'if',
    'then',
    'else',
    'true',
    'null',
    '==',
    '!=',
    '<=',
    '=',
    '&&',
    '(',
    ')',
    '[',
    ']',
    ',',
    ';',
    '.',
    '-',
    '%',
    'tier',
    'openedAt',
    '"premium"',
    "'x'",
    '12',
    '3.5',
    '2024-02-29',
    '2024-02-30',
    '2024-01-01T09:00:00Z',
    '09:00',
    '25:00',
    '24x7',
    'mon',
    'fri',
    'minutes',
    'business',
    'hours',
    'EUR',
    'per',
    'hour',
    'coalesce',
    ' ',
    '\n',
  );
  it('on sequences of tokens', () => {
    fc.assert(
      fc.property(fc.array(tokenish, { maxLength: 14 }), fc.nat(entryPoints.length - 1), (parts, which) => {
        const text = parts.join(' ');
        const r = entryPoints[which]!(text, locate);
        if (!r.ok) for (const d of r.diagnostics) expect(d.span.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 5000 },
    );
  });

  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.nat(entryPoints.length - 1), (text, which) => {
        const r = entryPoints[which]!(text, locate);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * An independent printer: what an admin would write for an AST, fully parenthesized. A deliberate
 * second implementation beside dsl/ast.ts `printExpr`, the oracle its round trips are held to.
 */
function print(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.type === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'fact':
      return e.path.join('.');
    case 'call':
      return `${e.name}(${e.args.map(print).join(', ')})`;
    case 'list':
      return `[${e.items.map(print).join(', ')}]`;
    case 'not':
      return `not (${print(e.operand)})`;
    case 'logical':
      return e.operands.map((o) => `(${print(o)})`).join(` ${e.op} `);
    case 'compare':
      return `${print(e.left)} ${e.op} ${print(e.right)}`;
    case 'in':
      return `${print(e.left)} ${e.negated ? 'not in' : 'in'} ${print(e.right)}`;
    case 'if':
      return `(if ${print(e.test)} then ${print(e.then)} else ${print(e.else)})`;
  }
}

const span = locate(0, 0);
const ident = fc.constantFrom('tier', 'trial', 'openedAt', 'urgency', 'cardBalance', 'x1');
const atom: fc.Arbitrary<Expr> = fc.oneof(
  fc.nat(10_000).map((n) => ({ kind: 'literal', type: 'number', value: n, span }) as Expr),
  fc
    .string({ unit: fc.constantFrom('a', 'b', ' ', '-', 'é'), maxLength: 8 })
    .map((s) => ({ kind: 'literal', type: 'string', value: s, span }) as Expr),
  fc.boolean().map((b) => ({ kind: 'literal', type: 'boolean', value: b, span }) as Expr),
  fc.constantFrom('2024-02-29', '2026-12-31').map((d) => ({ kind: 'literal', type: 'date', value: d, span }) as Expr),
  fc.array(ident, { minLength: 1, maxLength: 3 }).map((path) => ({ kind: 'fact', path, span }) as Expr),
);
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.record({ kind: fc.constant('not'), operand: tie('expr'), span: fc.constant(span) }),
    fc.record({
      kind: fc.constant('logical'),
      op: fc.constantFrom('and', 'or'),
      operands: fc.array(tie('expr'), { minLength: 2, maxLength: 3 }),
      span: fc.constant(span),
    }),
    fc.record({
      kind: fc.constant('compare'),
      op: fc.constantFrom('==', '!=', '<', '<=', '>', '>='),
      left: atom,
      right: atom,
      span: fc.constant(span),
    }),
    fc.record({
      kind: fc.constant('in'),
      negated: fc.boolean(),
      left: atom,
      right: fc.array(atom, { maxLength: 3 }).map((items) => ({ kind: 'list', items, span }) as Expr),
      span: fc.constant(span),
    }),
    fc.record({
      kind: fc.constant('call'),
      name: fc.constantFrom('coalesce', 'addMonths'),
      args: fc.array(atom, { minLength: 1, maxLength: 2 }),
      span: fc.constant(span),
      nameSpan: fc.constant(span),
    }),
    fc.record({ kind: fc.constant('if'), test: tie('expr'), then: atom, else: atom, span: fc.constant(span) }),
  ) as fc.Arbitrary<Expr>,
}));

describe('printing and parsing agree', () => {
  it('parses what an admin would write for any expression back to the same tree', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const r = parseExpression(print(e), locate);
        expect(r.ok, print(e)).toBe(true);
        if (r.ok) expect(exprKey(r.value)).toBe(exprKey(e));
      }),
      { numRuns: 2000 },
    );
  });
});
