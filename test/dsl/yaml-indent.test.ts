// Indentation mistakes in a policy are reported at the line that is mistaken, not as a value
// needing quotes on the line before: the Zmanda policy with one line indented a level too deep,
// and with a key dedented out of the mapping it belongs to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../dsl/index.js';

const zmanda = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'zmanda.yaml'), 'utf8');
const lineOf = (text: string, part: string) => text.split('\n').findIndex((l) => l.includes(part)) + 1;

async function firstError(text: string) {
  const r = await loadPolicy(text, 'policies/zmanda.yaml');
  expect(r.ok).toBe(false);
  return r.diagnostics.filter((d) => d.severity === 'error');
}

describe('an indentation mistake', () => {
  it('points at a line indented one level too deep under a key that has its value', async () => {
    // Under `standard:`, `calendar: office` then `P1:` two spaces deeper than its siblings.
    const text = zmanda.replace('    P1: { response: 1 hour }', '      P1: { response: 1 hour }');
    const line = lineOf(text, '      P1: { response: 1 hour }');
    const [e, ...more] = await firstError(text);
    expect(more).toEqual([]);
    expect(e!.code).toBe('yaml.syntax');
    // At P1 (column 7 after six spaces), not at 'office' on the line above.
    expect([e!.span.line, e!.span.column, e!.span.endLine, e!.span.endColumn]).toEqual([line, 7, line, 9]);
    expect(e!.message).toContain("'P1' is indented deeper than 'calendar'");
    expect(e!.hint).toBe("indent it by 4 spaces, like 'calendar'");
  });

  it('points at a key dedented out of the mapping it belongs to', async () => {
    const text = zmanda.replace('    calendar: office', '  calendar: office');
    const line = lineOf(text, '  calendar: office');
    const [e, ...more] = await firstError(text);
    expect(more).toEqual([]);
    expect([e!.span.line, e!.span.column, e!.span.endLine, e!.span.endColumn]).toEqual([line, 3, line, 11]);
    expect(e!.message).toContain("'calendar' is indented like 'standard:' above");
    expect(e!.hint).toBe("indent 'calendar' by 4 spaces, like the lines after it");
  });

  it("leaves a value holding ': ' reported as such", async () => {
    const text = zmanda.replace(/^title: .*$/m, 'title: Zmanda: support');
    const [e] = await firstError(text);
    expect(e!.span.line).toBe(lineOf(text, 'title: Zmanda: support'));
    expect(e!.hint).toBe('put the value in quotes');
  });
});
