// The bundled policies and the examples: each validates cleanly and passes every test written in it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, runPolicyTests } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const files = ['policies', 'examples'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `${dir}/${f}`),
);

describe.each(files)('%s', (file) => {
  it('validates without problems and passes its tests', async () => {
    const result = await compileSource(readFileSync(join(root, file), 'utf8'), file);
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
