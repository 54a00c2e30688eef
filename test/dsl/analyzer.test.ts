// The analyzer on one-mistake copies of the four contracts: each mistake reported at its own
// line and column, with the words a newcomer needs (and the quick fix, where there is one).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Diagnostic, type HolidayCatalog, loadHolidayCatalog } from '../../dsl/index.js';
import { validatePolicy } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const policy = (id: string) => readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8');

let holidays: HolidayCatalog;
beforeAll(async () => {
  holidays = await loadHolidayCatalog();
});

/** The policy with `from` replaced by `to` (once, and it must be there), and the line of the change. */
function mutated(id: string, from: string, to: string): { source: string; line: number } {
  const source = policy(id);
  expect(source, `${id} holds ${from}`).toContain(from);
  const changed = source.replace(from, to);
  const line = changed.slice(0, changed.indexOf(to)).split('\n').length;
  return { source: changed, line };
}

function problems(source: string, id: string): Diagnostic[] {
  return validatePolicy(source, `${id}.yaml`, { holidays }).diagnostics;
}

const at = (d: Diagnostic) => `${d.span.line}:${d.span.column} ${d.severity} ${d.code}`;

interface Case {
  name: string;
  id: string;
  from: string;
  to: string;
  /** The line of the change plus this many lines (a mistake reported on a line below the edit). */
  below?: number;
  column: number;
  expect: string;
  text: string;
}

const CASES: Case[] = [
  {
    name: 'a deny that refuses everyone (or of two !=)',
    id: 'oto',
    from: 'when: requesterRole != "gestor"',
    to: 'when: requesterRole != "vendedor" or requesterRole != "gerente-loja"',
    column: 11,
    expect: 'error condition.always-true',
    text: "to match neither, write 'requesterRole not in [\"vendedor\", \"gerente-loja\"]'",
  },
  {
    name: 'one fact equal to two values (and of two ==)',
    id: 'imagicle',
    from: 'when: isSet(alarm) and tier == "basic"',
    to: 'when: isSet(alarm) and tier == "basic" and tier == "gold"',
    column: 11,
    expect: 'warning condition.never-true',
    text: "'tier' holds one value at a time",
  },
  {
    name: 'a value a derived fact never takes',
    id: 'zmanda',
    from: 'when: decision.tier == "standard"',
    to: 'when: slaTier == "standart"',
    column: 22,
    expect: 'error expr.impossible-value',
    text: "derived fact 'slaTier' is never 'standart' — did you mean 'standard'?",
  },
  {
    name: 'a target of no time',
    id: 'zmanda',
    from: 'P1: { response: 15 minutes }',
    to: 'P1: { response: 0 minutes }',
    column: 21,
    expect: 'error duration.not-positive',
    text: "the P1 response target of tier 'premium' is '0 minutes'",
  },
  {
    name: 'a negative target',
    id: 'zmanda',
    from: 'P1: { response: 15 minutes }',
    to: 'P1: { response: -2 hours }',
    column: 21,
    expect: 'error expr.syntax',
    text: "a duration cannot be negative: remove the '-'",
  },
  {
    name: 'a rate finer than the euro',
    id: 'logbot',
    from: 'rate: 75.00 EUR per hour',
    to: 'rate: 75.005 EUR per hour',
    column: 13,
    expect: 'error money.too-many-digits',
    text: 'it would silently become 75.01',
  },
  {
    name: 'a price finer than the euro',
    id: 'logbot',
    from: 'price: 112.00 EUR',
    to: 'price: 112.005 EUR',
    // `    LOGBOT-CREDIT-100: { credits: 100 logbit, price: 112.005 EUR, tax: 22% }`
    column: 54,
    expect: 'error money.too-many-digits',
    text: 'it would silently become 112.01',
  },
  {
    name: 'VAT over 100%',
    id: 'logbot',
    from: '      tax: 22%',
    to: '      tax: 122%',
    column: 12,
    expect: 'error billing.tax-out-of-range',
    text: 'a tax rate of 122% is outside 0–100%',
  },
  {
    name: 'a P3 answered after it is solved',
    id: 'oto',
    from: 'P3: { response: 2 business days, resolution: 4 business days }',
    to: 'P3: { response: 5 business days, resolution: 4 business days }',
    column: 21,
    expect: 'error sla.response-after-resolution',
    text: '(5 business days) is later than its resolution target (4 business days',
  },
  {
    name: 'a better tier slower on another calendar',
    id: 'zmanda',
    from: 'P1: { response: 15 minutes }',
    to: 'P1: { response: 90 minutes }',
    column: 21,
    expect: 'error sla.tier-slower',
    text: "tier 'premium' is above 'standard' but its P1 response can be due later",
  },
  {
    name: 'a bracket never closed',
    id: 'oto',
    from: 'when: category == "access" and not accessTechnicalFailure',
    to: 'when: category == "access" and (not accessTechnicalFailure',
    column: 36,
    expect: 'error expr.syntax',
    text: "this '(' is never closed",
  },
  {
    name: 'an alias to an anchor never defined',
    id: 'oto',
    from: 'facts: { <<: *ticket, requesterRole: vendedor }',
    to: 'facts: { <<: *tickt, requesterRole: vendedor }',
    column: 18,
    expect: 'error yaml.syntax',
    text: "alias '*tickt' refers to no anchor",
  },
  {
    name: 'a matrix row missing a cell',
    id: 'zmanda',
    from: 'medium: { high: P2, medium: P3, low: P4 }',
    to: 'medium: { high: P2, medium: P3 }',
    column: 7,
    expect: 'error table.incomplete',
    text: 'urgency medium × impact low',
  },
  {
    name: "a test's expected field misspelt",
    id: 'zmanda',
    from: 'sla.response.target: PT3H',
    to: 'sla.response.targt: PT3H',
    column: 7,
    expect: 'error schema.unknown-field',
    text: "did you mean 'sla.response.target'?",
  },
];

describe('one-mistake copies of the contracts', () => {
  it('start from four clean contracts', () => {
    for (const id of ['zmanda', 'oto', 'imagicle', 'logbot']) expect(problems(policy(id), id).map(at), id).toEqual([]);
  });

  for (const c of CASES) {
    it(`reports ${c.name} at its line and column`, () => {
      const { source, line } = mutated(c.id, c.from, c.to);
      const found = problems(source, c.id).filter((d) => `${d.severity} ${d.code}` === c.expect);
      expect(found.length, problems(source, c.id).map(at).join('\n')).toBeGreaterThan(0);
      expect(at(found[0]!)).toBe(`${line + (c.below ?? 0)}:${c.column} ${c.expect}`);
      expect(`${found[0]!.message} (${found[0]!.hint ?? ''})`).toContain(c.text);
    });
  }

  it('offers the "did you mean" of an impossible value and of an alias as quick fixes', () => {
    const impossible = mutated('zmanda', 'when: decision.tier == "standard"', 'when: slaTier == "standart"');
    const d = problems(impossible.source, 'zmanda').find((x) => x.code === 'expr.impossible-value')!;
    expect(d.fixes?.map((f) => [f.text, f.range.line, f.range.column, f.range.length])).toEqual([['standard', impossible.line, 23, 8]]);
    const alias = mutated('oto', 'facts: { <<: *ticket, requesterRole: vendedor }', 'facts: { <<: *tickt, requesterRole: vendedor }');
    const a = problems(alias.source, 'oto').find((x) => x.code === 'yaml.syntax')!;
    // `*tickt` at column 18: the name after the star, 5 characters from column 19.
    expect(a.fixes?.map((f) => [f.text, f.range.line, f.range.column, f.range.length])).toEqual([['ticket', alias.line, 19, 5]]);
  });

  it('prints the quick fixes in spe validate --format json', () => {
    const { source, line } = mutated('zmanda', 'when: decision.tier == "standard"', 'when: slaTier == "standart"');
    const file = join(mkdtempSync(join(tmpdir(), 'spe-fixes-')), 'zmanda.yaml');
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'validate', '--format', 'json', file], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { files: { diagnostics: { code: string; fixes?: unknown }[] }[] };
    const d = out.files[0]!.diagnostics.find((x) => x.code === 'expr.impossible-value')!;
    expect(d.fixes).toEqual([
      { title: "Change to 'standard'", text: 'standard', range: { line, column: 23, endLine: line, endColumn: 31, offset: expect.any(Number), length: 8 } },
    ]);
    expect(source.slice((d.fixes as { range: { offset: number } }[])[0]!.range.offset).startsWith('standart"')).toBe(true);
  });
});
