// The README's policy example and commands stay true: the example validates cleanly and passes
// its own tests, and the set-up commands are the ones CI runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadHolidayCatalog, loadPolicy } from '../../dsl/index.js';
import { compileSource, runPolicyTests } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

it('has a policy example that validates without problems', async () => {
  const example = /```yaml\n(policy: [\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const result = loadPolicy(example!, 'README.md', { holidays: await loadHolidayCatalog() });
  expect(result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`)).toEqual([]);
});

it('has a policy example whose own tests pass', async () => {
  const example = /```yaml\n(policy: [\s\S]*?)```/.exec(readme)![1]!;
  const compiled = await compileSource(example, 'README.md');
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  const { results } = runPolicyTests(compiled.compiled);
  expect(results.length).toBeGreaterThan(1);
  expect(results.filter((r) => !r.passed).map((r) => `${r.name}: ${JSON.stringify(r.mismatches)}`)).toEqual([]);
});

it('has worked policy examples that each validate without problems', async () => {
  const holidays = await loadHolidayCatalog();
  const examples = [...readme.matchAll(/```yaml\n(policy: [\s\S]*?)```/g)].map((m) => m[1]!);
  expect(examples.length).toBeGreaterThan(3);
  for (const example of examples) {
    const result = loadPolicy(example, 'README.md', { holidays });
    expect(
      result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`),
      example.split('\n')[0],
    ).toEqual([]);
  }
});

it('opens with the two set-up commands, and CI runs the test one', () => {
  const commands = /```sh\n(.*)\n(.*)\n```/.exec(readme);
  expect(commands?.[1]).toMatch(/^npm ci && npm start\b/);
  expect(commands?.[2]).toMatch(/^npm ci && npm test\b/);
  expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toContain('npm ci && npm test');
});
