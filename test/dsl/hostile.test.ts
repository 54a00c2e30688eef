// Hostile input into the loader and the service: alias bombs, deep nesting, prototype keys,
// huge values and expressions that try to run code. Each must end in diagnostics or a 4xx,
// quickly, and change nothing it should not. (The whole service over HTTP: hostile-http.test.ts.)
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../dsl/index.js';
import { compileSource, evaluate } from '../../engine/index.js';
import { root } from '../support/reliability.js';
import { withServer } from '../support/with-server.js';

describe('hostile policy sources', () => {
  it('keep YAML 1.1 tags from making Buffers, Sets, Maps or Dates', async () => {
    // Found by the long fuzzing run: a value tagged !!binary became a Buffer, and a diagnostic
    // listed its methods ('asciiSlice … function asciiSlice() { [native code] }').
    const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
    for (const [find, replace] of [
      ['sla:\n', 'sla: !!binary aGVsbG8=\nunused:\n'],
      ['tiers:\n', 'tiers: !!set { a, b }\nunused:\n'],
      ['priorities:', 'priorities: !!omap [{ P1: 1 }]\nunused:'],
      ['effective: 2024-01-01', 'effective: !!timestamp 2024-01-01'],
    ]) {
      const source = zmanda.replace(find!, replace!);
      expect(source, find).not.toBe(zmanda);
      const r = await compileSource(source, 'tags.yaml');
      for (const d of r.diagnostics) expect(d.message, find).not.toMatch(/\[native code\]|\[object |undefined|NaN/);
      if (find!.startsWith('effective')) expect(r.ok, find).toBe(true);
      else expect(r.ok, find).toBe(false);
    }
  });

  it('stops a YAML alias bomb with a diagnostic, fast', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const start = performance.now();
    const r = loadPolicy(levels.join('\n'), 'bomb.yaml');
    expect(performance.now() - start).toBeLessThan(2000);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.code).toBe('yaml.syntax');
  });

  it('refuses deeply nested YAML with yaml.too-deep where the 65th level starts, never a stack overflow', () => {
    const indented = Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n');
    const shapes: [what: string, source: string, at: string][] = [
      ['flow brackets', `policy: x\ntitle: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, '2:71'],
      ['indented mappings', `policy: x\ntitle:\n${indented}\n`, '66:66'],
      ['compact sequences', `policy: x\ntitle:\n  - ${'- '.repeat(5000)}x\n`, '3:129'],
      // A tag keeps the fast reader out: `yaml` reads this one, after its own depth check.
      [
        'flow brackets, read by yaml',
        `policy: x\ntitle: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\nversion: !!str 1\n`,
        '2:260',
      ],
      [
        'aliases nesting what each anchor alone does not',
        `policy: x\na0: &a0 ${'['.repeat(40)}x${']'.repeat(40)}\na1: ${'['.repeat(40)}*a0${']'.repeat(40)}\n`,
        '2:32',
      ],
    ];
    for (const [what, source, at] of shapes) {
      const r = loadPolicy(source, 'deep.yaml');
      expect(
        r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`),
        what,
      ).toEqual([`${at} yaml.too-deep`]);
      expect(r.diagnostics[0]!.message, what).toBe('lists and mappings nest deeper than 64 levels here');
    }
    // 64 levels are read (the document's mapping is the first).
    const deepest = loadPolicy(`policy: x\ntitle: ${'['.repeat(63)}${']'.repeat(63)}\n`, 'ok.yaml');
    expect(deepest.diagnostics.map((d) => d.code)).not.toContain('yaml.too-deep');
  });

  it('refuses deeply nested expressions with expr.too-deep where the 33rd level starts', () => {
    const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
    const [line, indent, condition] = /^( +when: )(.*)$/m.exec(zmanda)! as unknown as [string, string, string];
    const row = zmanda.slice(0, zmanda.indexOf(line)).split('\n').length;
    const col = indent.length + 2; // past the opening quote
    const shapes: [what: string, expression: string, column: number][] = [
      ['brackets', `${'('.repeat(5000)}${condition}${')'.repeat(5000)}`, col + 31],
      ['lists', `tier in ${'['.repeat(5000)}"x"${']'.repeat(5000)}`, col + 8 + 31],
      ['calls', `${'lower('.repeat(5000)}tier${')'.repeat(5000)}`, col + 31 * 6 + 5],
      ['negations', `${'not '.repeat(5000)}(${condition})`, col + 31 * 4],
      ['if … then … else chains', `${'if true then '.repeat(5000)}true${' else false'.repeat(5000)}`, col + 31 * 13],
    ];
    for (const [what, expression, column] of shapes) {
      const r = loadPolicy(zmanda.replace(line, `${indent}'${expression}'`), 'zmanda.yaml');
      expect(
        r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`),
        what,
      ).toEqual([`${row}:${column} expr.too-deep`]);
    }
    // 31 brackets around the condition are 32 levels: read.
    const r = loadPolicy(zmanda.replace(line, `${indent}'${'('.repeat(31)}${condition}${')'.repeat(31)}'`), 'zmanda.yaml');
    expect(r.diagnostics).toEqual([]);
  });

  it('treats __proto__, constructor and prototype keys as plain (unknown) fields', () => {
    const src = [
      'policy: x',
      'title: X',
      'version: "1"',
      'effective: 2024-01-01',
      '__proto__: { polluted: true }',
      'facts:',
      '  constructor: { type: boolean }',
      'priorities: [P1]',
      '',
    ].join('\n');
    const r = loadPolicy(src, 'proto.yaml');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(r.diagnostics.some((d) => d.code === 'schema.unknown-field' && d.message.includes('__proto__'))).toBe(true);
  });

  it('reports a huge number and a huge string without throwing', () => {
    const src = [
      'policy: x',
      'title: X',
      `version: ${'9'.repeat(400)}`,
      'effective: 2024-01-01',
      'facts: { a: { type: string } }',
      'priorities: [P1]',
      `description: ${'x'.repeat(200_000)}`,
      '',
    ].join('\n');
    expect(() => loadPolicy(src, 'big.yaml')).not.toThrow();
  });
});

describe('hostile requests', () => {
  const running = withServer({ copy: ['zmanda.yaml'], token: 'hostile-test' });
  const post = (path: string, body: string) => running.post(path, body);

  it('answers a deeply nested JSON body with a 4xx, not a 500', async () => {
    const res = await post('/v1/evaluate', `{"policy":"zmanda","facts":{"tier":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('answers prototype keys in facts as unknown facts and pollutes nothing', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const res = await post(
        '/v1/evaluate',
        `{"policy":"zmanda","facts":{"tier":"standard","impact":"low","urgency":"low","channel":"web","${key}":{"polluted":true}}}`,
      );
      expect(res.status, key).toBe(400);
      const body = (await res.json()) as { error: { details: { fact: string }[] } };
      expect(body.error.details.map((d) => d.fact)).toEqual([key]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers deep nesting in a policy source with its diagnostic and position, through the API and spe validate', async () => {
    const deepYaml = `policy: zmanda\ntitle: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
    const deepExpr = zmanda.replace(/^( +when: ).*$/m, `$1'${'('.repeat(5000)}true${')'.repeat(5000)}'`);
    const row = zmanda.slice(0, /^ +when: /m.exec(zmanda)!.index).split('\n').length;
    const col = /^( +when: )/m.exec(zmanda)![1]!.length + 2 + 31;
    for (const [source, code, line, column] of [
      [deepYaml, 'yaml.too-deep', 2, 71],
      [deepExpr, 'expr.too-deep', row, col],
    ] as const) {
      const res = await post('/v1/validate', JSON.stringify({ source }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { ok: boolean; diagnostics: { code: string; line: number; column: number }[] };
      expect(body.ok).toBe(false);
      expect(body.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual([`${line}:${column} ${code}`]);
      const revision = ((await (await fetch(`${running.url}/v1/policies/zmanda`)).json()) as { revision: string }).revision;
      const put = await fetch(`${running.url}/v1/policies/zmanda`, {
        method: 'PUT',
        headers: { authorization: 'Bearer hostile-test', 'content-type': 'application/yaml', 'if-match': `"${revision}"` },
        body: source,
      });
      expect(put.status).toBe(422);
      const error = ((await put.json()) as { error: { code: string; details: { code: string }[] } }).error;
      expect(error.code).toBe('invalid-policy');
      expect(error.details.map((d) => d.code)).toEqual([code]);
      const file = join(mkdtempSync(join(tmpdir(), 'spe-deep-')), 'deep.yaml');
      writeFileSync(file, source);
      const cli = spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'validate', '--brief', file], { encoding: 'utf8' });
      expect(cli.status).toBe(1);
      expect(cli.stdout).toContain(`${file}:${line}:${column}: error ${code}: `);
      expect(cli.stdout + cli.stderr).not.toMatch(/call stack/i);
    }
  });

  it('answers huge numbers and strings in facts with a 4xx', async () => {
    const res = await post('/v1/evaluate', `{"policy":"zmanda","facts":{"tier":"${'x'.repeat(500_000)}","impact":1e999}}`);
    expect([400, 413]).toContain(res.status);
  });
});

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };
const polluted = () => Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>).polluted !== undefined;

describe('prototype keys in policy YAML', () => {
  it('refuse __proto__ as a fact name, which a JSON object of facts cannot hold as a plain key', async () => {
    const r = await compileSource(zmanda.replace(/\btrial\b/g, '__proto__'), 'proto.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toContainEqual([
      'schema.bad-value',
      "'__proto__' is not allowed as a name in 'facts'",
    ]);
  });

  it('treat constructor, prototype and toString as plain names of facts, tiers, calendars and priorities', async () => {
    for (const name of ['constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const word of [/\btrial\b/g, /\bcommunity\b/g, /\boffice\b/g, /\bP4\b/g, /\bslaTier\b/g]) {
        const r = await compileSource(zmanda.replace(word, name), 'proto.yaml');
        expect(r.ok, `${word} → ${name}`).toBe(true);
        if (!r.ok) continue;
        // The renamed policy decides as the original: a standard P4 ticket gets 24 hours.
        const facts = { tier: 'standard', impact: 'low', urgency: 'low', channel: 'web' };
        const d = evaluate(r.compiled, String(word) === String(/\bcommunity\b/g) ? facts : facts, {
          now: '2026-03-09T09:00:00+01:00',
        });
        expect(d.ok).toBe(true);
        if (d.ok) expect(d.decision.sla?.response?.target).toBe('PT24H');
      }
    }
    expect(polluted()).toBe(false);
  });

  it('are unknown fields in the facts of a policy test and its expectations', () => {
    const src = zmanda.replace(
      'facts: { tier: premium, impact: low, urgency: low, requestedPriority: P1, channel: web }',
      'facts: { tier: premium, impact: low, urgency: low, requestedPriority: P1, channel: web, __proto__: { polluted: 1 } }',
    );
    expect(src).not.toBe(zmanda);
    expect(() => loadPolicy(src, 'proto.yaml')).not.toThrow();
    expect(polluted()).toBe(false);
  });
});

describe('expressions that try to run code', () => {
  const attempts = [
    'constructor.constructor("return process")()',
    'tier.constructor.constructor("process.exit(7)")()',
    'process.exit(1)',
    'require("child_process")',
    'eval("globalThis.pwned = 1")',
    'Function("globalThis.pwned = 1")()',
    'this.pwned',
    'globalThis.pwned == 1',
    '__proto__.polluted == 1',
    'tier.__proto__.polluted == 1',
    '`${globalThis.pwned = 1}`',
    'import("fs")',
    'tier == "x" + (globalThis.pwned = 1)',
    'tier == "\\"); globalThis.pwned = 1; (\\""',
    "tier == 'a' or (() => 1)()",
    'toString()',
    'coalesce.constructor("return 1")()',
  ];
  it('are diagnostics, or plain data, and nothing runs', async () => {
    for (const attempt of attempts) {
      const source = zmanda.replace('tier == "community" and channel == "phone"', attempt.replace(/\n/g, ' '));
      expect(source, attempt).not.toBe(zmanda);
      const r = await compileSource(source, 'attack.yaml');
      expect(r.ok, attempt).toBe(false);
      expect(
        r.diagnostics.some((d) => d.severity === 'error'),
        attempt,
      ).toBe(true);
    }
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
    expect(polluted()).toBe(false);
  });

  it('are data when hidden in names, values and texts that reach generated validators', async () => {
    // ajv turns the facts schema (made from the policy) into code: quotes, comments and template
    // syntax in values, defaults and descriptions must stay strings.
    const payloads = [
      '"]});globalThis.pwned=1;//',
      "'+(globalThis.pwned=1)+'",
      '*/globalThis.pwned=1;/*',
      '${globalThis.pwned=1}',
      '\\u0027)',
    ];
    const quoted = payloads.map((p) => JSON.stringify(p)).join(', ');
    const source = zmanda
      .replace('values: [phone, web, email, account-manager]', `values: [phone, web, email, account-manager, ${quoted}]`)
      .replace('description: The customer is evaluating Zmanda.', `description: ${JSON.stringify(payloads.join(' '))}`)
      .replace('default: Europe/Rome', 'default: Europe/Rome\n    # ${globalThis.pwned=1}');
    const r = await compileSource(source, 'attack.yaml');
    expect(r.ok, JSON.stringify(r.diagnostics.slice(0, 3))).toBe(true);
    if (!r.ok) return;
    for (const p of payloads) {
      const d = evaluate(r.compiled, { ...ticket, channel: p }, { now: '2026-03-09T09:00:00+01:00' });
      expect(d.ok, p).toBe(true);
      // An odd channel is no channel of any tier: a reason, not an error.
      if (d.ok) expect(d.decision.reasons.map((x) => x.code)).toContain('channel-not-offered');
    }
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it('have no way in: no source file passes anything to eval, Function or vm', () => {
    // The one code generator, the fast path's conditions, puts no policy text in its code: its
    // own test (test/engine/conditions-code.test.ts) holds every generated function to a fixed alphabet.
    const generators = new Set(['engine/fast/condition.ts']);
    const offenders: string[] = [];
    for (const folder of ['dsl', 'engine', 'server', 'cli']) {
      for (const f of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
        if (!f.endsWith('.ts')) continue;
        const text = readFileSync(join(root, folder, f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
        const uses = text.match(/\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|node:vm|from\s+'vm'|\bvm\.run/g) ?? [];
        // A generator may hold exactly one `new Function`.
        if (uses.length > (generators.has(`${folder}/${f}`) ? 1 : 0)) offenders.push(`${folder}/${f}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
