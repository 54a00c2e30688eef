// `spe fmt` (dsl/format.ts): the canonical layout written out by hand, comments and anchors kept,
// idempotence, and — over the four policies and layouts generated from them — that formatting
// never changes what a policy compiles to.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Node, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatPolicy } from '../../dsl/format.js';
import { compileSource, rulesJson } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const policies = readdirSync(join(root, 'policies'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: `policies/${f}`, source: readFileSync(join(root, 'policies', f), 'utf8') }));

function format(text: string): string {
  const r = formatPolicy(text, 'p.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.text;
}

/** `spe compile`'s output without what names the text rather than the rules: its hash and the lines rules sit on. */
async function compiled(source: string): Promise<unknown> {
  const r = await compileSource(source, 'p.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.span.line}: ${d.message}`).join('\n'));
  return JSON.parse(
    JSON.stringify(rulesJson(r.compiled), (key, value: unknown) =>
      key === 'revision' ? undefined : typeof value === 'string' ? value.replace(/^p\.yaml:\d+:\d+$/, 'p.yaml') : value,
    ),
  );
}

const MESSY = `# A policy written in a hurry.
title:   Example   # the title
policy: example
version: "2024.1"
priorities:
- P1
- P2
effective: 2024-01-01
facts:
  tier:
    required: true
    values:
    - basic
    - gold
    type: enum
  openedAt: {type: datetime}
tiers: {levels: [basic, gold]}
eligibility:
  - message: no
    when: not (tier in ["gold"])
    deny: not-gold
sla:
  gold: &gold
    P2: { resolution: 8  hour, response: 1 hours }
    calendar: always
    P1:
      response:   30   min
  basic: *gold
calendars:
  always: { timezone: Europe/Rome, hours: 24x7 }
`;

// Written by hand from the rules in dsl/format.ts's header and spe fmt --help.
const CANONICAL = `# A policy written in a hurry.
policy: example
title: Example # the title
version: "2024.1"
effective: 2024-01-01

facts:
  tier:
    type: enum
    values: [basic, gold]
    required: true
  openedAt: { type: datetime }

priorities: [P1, P2]
tiers: { levels: [basic, gold] }

calendars:
  always: { timezone: Europe/Rome, hours: 24x7 }

eligibility:
  - deny: not-gold
    when: not (tier in ["gold"])
    message: no

sla:
  gold: &gold
    calendar: always
    P2: { response: 1 hour, resolution: 8 hours }
    P1:
      response: 30 minutes
  basic: *gold
`;

describe('spe fmt', () => {
  it('writes the canonical layout: key order, list style, spelling; comments and anchors kept', () => {
    expect(format(MESSY)).toBe(CANONICAL);
  });

  it('leaves a formatted file as it is', () => {
    const r = formatPolicy(CANONICAL, 'p.yaml');
    expect(r).toEqual({ ok: true, text: CANONICAL, changed: false });
  });

  it('does not change what a policy decides', async () => {
    expect(await compiled(format(MESSY))).toEqual(await compiled(MESSY));
  });

  it('keeps a long list one item a line, and a list with a comment', () => {
    const items = Array.from({ length: 12 }, (_, i) => `value-number-${i}`);
    const long = `facts:\n  x:\n    type: enum\n    values: [${items.join(', ')}]\n`;
    expect(format(long)).toBe(`facts:\n  x:\n    type: enum\n    values:\n${items.map((v) => `      - ${v}\n`).join('')}`);
    const commented = 'priorities:\n  - P1 # the worst\n  - P2\n';
    expect(format(commented)).toBe(commented);
  });

  it('keeps the author order when moving a key would put an alias before its anchor', () => {
    const text = 'tests:\n  - expect: &e { a: 1 }\n    name: b\n    facts: *e\n';
    const out = format(text);
    expect(parseDocument(out, { merge: true }).toJS()).toEqual(parseDocument(text, { merge: true }).toJS());
  });

  it('reports YAML that does not parse, and changes nothing', () => {
    const r = formatPolicy('policy: x\ntitle: "oops\n', 'bad.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ code: 'yaml.syntax', span: { file: 'bad.yaml' } });
  });

  it('refuses aliases that expand without bound', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const r = formatPolicy(`${levels.join('\n')}\n`, 'bomb.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]?.code).toBe('yaml.syntax');
  });

  describe.each(policies)('$file', ({ source }) => {
    it('is formatted (spe fmt --check passes)', () => {
      expect(format(source)).toBe(source);
    });
  });
});

/** A layout of the same data: collections switched between flow and block, maps reordered, durations respelt. */
function relayout(source: string, choices: number[]): string {
  const doc = parseDocument(source, { merge: true });
  let i = 0;
  const next = () => choices[i++ % choices.length] ?? 0;
  visit(doc, {
    Map(_, map) {
      const c = next();
      if (c % 3 === 0 && !hasComments(map)) map.flow = true;
      if (c % 3 === 1) map.flow = false;
      if (c % 5 === 0 && !hasAnchors(map)) map.items.reverse();
    },
    Seq(_, seq) {
      const c = next();
      if (c % 2 === 0 && !hasComments(seq)) seq.flow = true;
      else seq.flow = false;
    },
    Scalar(key, scalar) {
      if (key !== 'value' || typeof scalar.value !== 'string') return;
      const m = /^(\d+) (business )?(minute|hour|day)s?$/.exec(scalar.value);
      if (m && next() % 2 === 0) scalar.value = `${m[1]}   ${m[2] ?? ''}${m[3] === 'minute' ? 'min' : m[3]}`;
    },
  });
  return doc.toString({ indent: 2 + ((choices[0] ?? 0) % 3), lineWidth: 0 });
}

function hasComments(node: Node): boolean {
  let found = false;
  visit(node, (_, n) => {
    if ((isMap(n) || isSeq(n) || isScalar(n)) && (n.comment || n.commentBefore)) found = true;
  });
  return found;
}

function hasAnchors(node: Node): boolean {
  let found = false;
  visit(node, (_, n) => {
    if (isAlias(n) || ((isMap(n) || isSeq(n) || isScalar(n)) && n.anchor)) found = true;
  });
  return found;
}

describe('spe fmt on generated layouts of the four policies', () => {
  it('formats to a fixed point and never changes the compiled rules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...policies),
        fc.array(fc.nat(29), { minLength: 4, maxLength: 40 }),
        async (policy, choices) => {
          const variant = relayout(policy.source, choices);
          const before = await compiled(variant).catch(() => null);
          fc.pre(before !== null);
          const once = format(variant);
          expect(format(once)).toBe(once);
          expect(await compiled(once)).toEqual(before);
        },
      ),
      { numRuns: 16 },
    );
  });
});

describe('spe fmt, the command', () => {
  const spe = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'fmt', ...args], {
      cwd,
      encoding: 'utf8',
      input: args.includes('-') ? MESSY : undefined,
    });

  it('--check lists what is not formatted and exits 1; fmt writes it; --check then exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-fmt-'));
    writeFileSync(join(dir, 'messy.yaml'), MESSY);
    writeFileSync(join(dir, 'tidy.yaml'), CANONICAL);
    const check = spe(dir, '--check', '.');
    expect(check.status).toBe(1);
    expect(check.stdout).toBe('messy.yaml\n');
    expect(readFileSync(join(dir, 'messy.yaml'), 'utf8')).toBe(MESSY);
    const write = spe(dir, '.');
    expect(write.status).toBe(0);
    expect(write.stdout).toBe('formatted messy.yaml\n');
    expect(readFileSync(join(dir, 'messy.yaml'), 'utf8')).toBe(CANONICAL);
    expect(spe(dir, '--check', '.').status).toBe(0);
  });

  it('formats standard input to standard output', () => {
    const r = spe(root, '-');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(CANONICAL);
  });

  it('exits 1 on a file that is not YAML, naming its line; 2 on a path that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-fmt-'));
    writeFileSync(join(dir, 'bad.yaml'), 'policy: x\ntitle: [a, b\n');
    const bad = spe(dir, 'bad.yaml');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:\d+:\d+: error yaml\.syntax: /);
    expect(spe(dir, 'nowhere.yaml').status).toBe(2);
  });
});
