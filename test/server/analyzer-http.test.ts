// The analyzer over HTTP, on a real server on 127.0.0.1: quick fixes in POST /v1/validate, the
// tier order judged on the clock, and GET /v1/policies/:id/table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');

describe('the analyzer over HTTP', () => {
  const server = withServer({ copy: ['zmanda.yaml', 'oto.yaml'] });

  it('carries the "did you mean" replacement as a quick fix in POST /v1/validate', async () => {
    const source = zmanda.replace('when: decision.tier == "standard"', 'when: slaTier == "standart"');
    const line = source.split('\n').findIndex((l) => l.includes('"standart"')) + 1;
    const res = await server.post('/v1/validate', { source, file: 'zmanda.yaml' });
    const body = (await res.json()) as { ok: boolean; diagnostics: { code: string; line: number; column: number; fixes?: unknown[] }[] };
    expect(body.ok).toBe(false);
    const d = body.diagnostics.find((x) => x.code === 'expr.impossible-value')!;
    // `    when: slaTier == "standart"`: the value starts at column 22, the word inside its quotes at 23.
    expect([d.line, d.column]).toEqual([line, 22]);
    expect(d.fixes).toEqual([
      { title: "Change to 'standard'", text: 'standard', range: expect.objectContaining({ line, column: 23, endLine: line, endColumn: 31 }) },
    ]);
  });

  it('judges the tier order on the business clock: 90 minutes 24x7 is slower than 1 business hour at 08:00', async () => {
    const source = zmanda.replace('P1: { response: 15 minutes }', 'P1: { response: 90 minutes }');
    const body = (await (await server.post('/v1/validate', { source })).json()) as { diagnostics: { code: string; message: string }[] };
    const slower = body.diagnostics.filter((d) => d.code === 'sla.tier-slower');
    expect(slower).toHaveLength(1);
    // The year of openings starts at the policy's effective date, 2024-01-01 (a Monday): opened at
    // 08:00 Rome time, standard's 1 business hour ends 09:00, premium's 90 minutes at 09:30.
    expect(slower[0]!.message).toContain(
      "a ticket opened 2024-01-01T08:00:00+01:00 is due 2024-01-01T09:30:00+01:00 on 'premium' (90 minutes in always) and 2024-01-01T09:00:00+01:00 on 'standard' (1 hour in office)",
    );
  });

  it('serves the decision table of a policy, with its proof', async () => {
    const res = await server.get('/v1/policies/oto/table');
    expect(res.status).toBe(200);
    const t = (await res.json()) as { complete: boolean; proof: string; combinations: number; facts: { name: string }[] };
    expect(t.complete).toBe(true);
    expect(t.proof).toMatch(/^Complete/);
    // requesterRole 3 × seat 2 × model 2 × category 5 × access failure 2 × severity 4 (with not given) × channel 2
    expect(t.combinations).toBe(3 * 2 * 2 * 5 * 2 * 4 * 2);
    expect((await server.get('/v1/policies/nope/table')).status).toBe(404);
  });
});
