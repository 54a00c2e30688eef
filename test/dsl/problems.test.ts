// One place makes diagnostics: dsl/problems/. Elsewhere in the front end and the CLI a problem is
// made by calling its constructor, never by writing a `{ code: '…', message: … }` object or by
// handing a code and a message to the bare `diagnostic()`/`warning()` helpers.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../dsl/index.js';

const root = join(import.meta.dirname, '..', '..');
const problems = join(root, 'dsl', 'problems');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === problems ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const codes = Object.keys(DIAGNOSTIC_CODES).map((c) => c.replace('.', '\\.'));
/** `code: 'yaml.syntax'` and `diagnostic('yaml.syntax'` / `warning("schema.missing"`, any quote, any spacing. */
const made = new RegExp(`(?:\\bcode\\s*:|\\b(?:diagnostic|warning)\\s*\\()\\s*['"\`](?:${codes.join('|')})['"\`]`, 'g');

function madeOutside(files: string[]): string[] {
  return files.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return [...text.matchAll(made)].map((m) => {
      const line = text.slice(0, m.index).split('\n').length;
      return `${relative(root, f)}:${line}: ${m[0]}`;
    });
  });
}

describe('diagnostics are made in dsl/problems only', () => {
  it('finds none made elsewhere in dsl/ and cli/', () => {
    expect(madeOutside([...sources(join(root, 'dsl')), ...sources(join(root, 'cli'))])).toEqual([]);
  });

  it('would see one made elsewhere', () => {
    // The search itself must be able to fail: each way of writing one is found.
    const lines = [
      "return { code: 'yaml.syntax', severity: 'error', message: 'x', span };",
      'out.push(diagnostic("schema.bad-value", span, "x"));',
      'warning( `diagnostics.capped`, span, "x")',
    ];
    for (const l of lines) expect(l.match(made), l).not.toBeNull();
    expect("const kind = 'unknown-zone';".match(made)).toBeNull();
  });
});
