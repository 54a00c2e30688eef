// The bundled policies: each validates cleanly and passes every test written in it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, runPolicyTests } from '../engine/index.js';

const dir = join(import.meta.dirname, '..', 'policies');

describe.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('policies/%s', (file) => {
  it('validates without problems and passes its tests', async () => {
    const result = await compileSource(readFileSync(join(dir, file), 'utf8'), `policies/${file}`);
    expect(result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`)).toEqual([]);
    if (!result.ok) return;
    const { results } = runPolicyTests(result.compiled);
    expect(results.length).toBeGreaterThan(0);
    const failures = results
      .filter((r) => !r.passed)
      .map((r) => ({ name: r.name, mismatches: r.mismatches, problems: r.problems }));
    expect(failures).toEqual([]);
  });
});
