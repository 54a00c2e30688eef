// Hostile input into the loader and the service: alias bombs, deep nesting, prototype keys,
// huge values, ids that try to leave the policies folder, wrong content types, compressed bombs,
// slow clients and expressions that try to run code. Each must end in diagnostics or a 4xx,
// quickly, and change nothing it should not.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../dsl/index.js';
import { compileSource, evaluate } from '../engine/index.js';
import { TIMEOUTS } from '../server/index.js';
import { recordingFiles, root } from './reliability.js';
import { serverForTest, startTestServer, withServer } from './with-server.js';

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
    // own test (test/conditions-code.test.ts) holds every generated function to a fixed alphabet.
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

describe('hostile requests to the whole service', () => {
  const base = mkdtempSync(join(tmpdir(), 'spe-hostile-tree-'));
  const dir = join(base, 'policies');
  mkdirSync(dir);
  cpSync(join(root, 'policies', 'zmanda.yaml'), join(dir, 'zmanda.yaml'));
  // Bait beside and above the folder: a valid policy no id may ever reach.
  writeFileSync(join(base, 'secret.yaml'), zmanda.replace('policy: zmanda', 'policy: secret'));
  mkdirSync(join(base, 'secret'));
  writeFileSync(join(base, 'secret', 'x.yaml'), 'policy: x');
  const TOKEN = 'hostile-tree-token-0123456789';
  const recorder = recordingFiles();
  const running = withServer({
    dir,
    token: TOKEN,
    files: recorder.files,
    editorDir: mkdtempSync(join(tmpdir(), 'spe-hostile-editor-')),
  });
  /** The path is sent as given, not normalized the way fetch would (`/a/../b` stays so). */
  const send = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<Response>((done, fail) => {
      const req = request(
        `${running.url}/`,
        { method, path, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done(
              new Response(new Uint8Array(Buffer.concat(chunks)), {
                status: res.statusCode!,
                headers: res.headers as Record<string, string>,
              }),
            ),
          );
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  const expectError = async (res: Response, status: number | number[], what: string) => {
    expect(([] as number[]).concat(status), `${what}: ${res.status}`).toContain(res.status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code, what).toMatch(/^[a-z][a-z-]+$/);
    expect(body.error.message.length, what).toBeGreaterThan(5);
  };
  const listing = (d: string) => readdirSync(d, { recursive: true, encoding: 'utf8' }).sort();

  it('never reads or writes outside the policies folder, whatever the id', async () => {
    const before = listing(base).filter((f) => !f.startsWith('policies'));
    const ids = [
      '..',
      '.',
      '...',
      '..%2Fsecret',
      '..%252Fsecret',
      '%2E%2E%2Fsecret',
      '..%5Csecret',
      '%2Fetc%2Fpasswd',
      '%2F..%2F..%2Fetc%2Fpasswd',
      'secret%00',
      'zmanda%00.yaml',
      'zmanda.yaml',
      '.history',
      '.locks',
      'z%E2%80%AEadnamz', // right-to-left override
      'zm%D0%B0nda', // Cyrillic a
      '%EF%BD%9Amanda', // fullwidth z
      'zmanda%E2%80%8B', // zero-width space
      'zman%CC%81da', // combining accent
      '%F0%9F%92%A5',
      'a'.repeat(65),
      'CON',
      '~',
      '-rf',
    ];
    const revision = ((await (await fetch(`${running.url}/v1/policies/zmanda`)).json()) as { revision: string }).revision;
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const id of ids) {
      for (const path of [
        `/v1/policies/${id}`,
        `/v1/policies/${id}/rules`,
        `/v1/policies/${id}/history`,
        `/v1/policies/zmanda/history/${id}`,
      ]) {
        await expectError(await send('GET', path), 404, path);
      }
      await expectError(
        await send(
          'POST',
          '/v1/evaluate',
          JSON.stringify({ policy: decodeURIComponent(id.replace(/%(?![0-9A-F]{2})/g, '%25')), facts: ticket }),
        ),
        [400, 404],
        id,
      );
      const put = await send(
        'PUT',
        `/v1/policies/${id}`,
        JSON.stringify({ source: zmanda.replace('policy: zmanda', 'policy: secret') }),
        {
          ...auth,
          'if-match': revision,
        },
      );
      await expectError(put, [400, 404, 422], `PUT ${id}`);
      await expectError(
        await send('POST', `/v1/policies/${id}/rollback`, JSON.stringify({ revision }), auth),
        [400, 404],
        `rollback ${id}`,
      );
    }
    await expectError(await send('GET', `/v1/policies/zmanda/history/sha256:..%2F..%2F..%2Fsecret`), 404, 'revision path');
    await expectError(await send('GET', `/editor/..%2F..%2Fsecret.yaml`), 404, 'editor path');
    await expectError(await send('GET', `/editor/%2E%2E/%2E%2E/secret.yaml`), 404, 'editor path');
    // Nothing appeared or changed outside the folder, and the store never asked for a path outside it.
    expect(listing(base).filter((f) => !f.startsWith('policies'))).toEqual(before);
    expect(readFileSync(join(base, 'secret.yaml'), 'utf8')).toBe(zmanda.replace('policy: zmanda', 'policy: secret'));
    const outside = recorder.paths.filter((p) => !resolve(p).startsWith(`${resolve(dir)}/`) && resolve(p) !== resolve(dir));
    expect(outside).toEqual([]);
    expect(recorder.paths.length).toBeGreaterThan(0);
  });

  it('answers wrong content types with 415 and says what to send', async () => {
    const body = JSON.stringify({ policy: 'zmanda', facts: ticket });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/merge-patch+json',
      'text/html',
    ]) {
      for (const path of ['/v1/evaluate', '/v1/evaluate/batch', '/v1/validate', '/v1/try']) {
        const res = await send('POST', path, body, { 'content-type': type });
        await expectError(res, 415, `${path} ${type}`);
      }
    }
    const none = await fetch(`${running.url}/v1/evaluate`, { method: 'POST', body: new Uint8Array(Buffer.from(body)) });
    await expectError(none, 415, 'no content type');
    // JSON in a charset other than UTF-8, and a body that claims JSON but is not.
    await expectError(
      await send('POST', '/v1/evaluate', body, { 'content-type': 'application/json; charset=utf-16' }),
      [400, 415],
      'utf-16',
    );
    await expectError(await send('POST', '/v1/evaluate', '\u0000\u00ff', {}), 400, 'binary');
    const put = await send('PUT', '/v1/policies/zmanda', zmanda, {
      'content-type': 'text/html',
      authorization: `Bearer ${TOKEN}`,
    });
    await expectError(put, 415, 'PUT text/html');
  });

  it('refuses a compressed bomb by its inflated size, and unknown encodings', async () => {
    const bomb = gzipSync(Buffer.from(`{"policy":"zmanda","facts":{"tier":"${' '.repeat(60_000_000)}"}}`));
    expect(bomb.length).toBeLessThan(100_000);
    const start = performance.now();
    await expectError(await send('POST', '/v1/evaluate', bomb, { 'content-encoding': 'gzip' }), 413, 'gzip bomb');
    expect(performance.now() - start).toBeLessThan(3000);
    await expectError(await send('POST', '/v1/evaluate', '{}', { 'content-encoding': 'zstd-nope' }), 415, 'unknown encoding');
  });

  it('answers prototype keys anywhere in a request body as fields it does not know', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const single = await send(
        'POST',
        '/v1/evaluate',
        `{"policy":"zmanda","facts":${JSON.stringify(ticket)},"${key}":{"trace":false,"policy":"x"}}`,
      );
      await expectError(single, 400, key);
      const batch = await send(
        'POST',
        '/v1/evaluate/batch',
        `{"requests":[{"policy":"zmanda","facts":${JSON.stringify(ticket)},"${key}":{"polluted":1}}],"${key}":{"now":"x"}}`,
      );
      await expectError(batch, 400, key);
      const item = await send(
        'POST',
        '/v1/evaluate/batch',
        `{"requests":[{"policy":"zmanda","facts":${JSON.stringify(ticket)},"${key}":{"polluted":1}}]}`,
      );
      expect(item.status).toBe(200);
      const { results } = (await item.json()) as { results: { error?: { code: string; details: { pointer: string }[] } }[] };
      expect(results[0]!.error!.code).toBe('invalid-request');
      expect(results[0]!.error!.details.map((d) => d.pointer)).toEqual([`/requests/0/${key}`]);
      // A save whose source hides behind a prototype key has no source at all.
      const put = await send('PUT', '/v1/policies/zmanda', `{"${key}":{"source":${JSON.stringify(zmanda)}}}`, {
        authorization: `Bearer ${TOKEN}`,
      });
      await expectError(put, 400, `PUT ${key}`);
    }
    expect(polluted()).toBe(false);
  });

  it('bounds the answer to facts with very many entries, alone and in a batch', async () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 0]));
    const res = await send('POST', '/v1/evaluate', JSON.stringify({ policy: 'zmanda', facts: many }));
    await expectError(res.clone(), 400, 'many facts');
    const e = ((await res.json()) as { error: { details: { pointer: string; message: string }[] } }).error;
    expect(e.details).toEqual([{ pointer: '/facts', message: 'must NOT have more than 256 properties' }]);
    // 500 requests of 200 unknown facts each: every one answered, with at most 20 problems listed.
    const some = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 0]));
    const body = JSON.stringify({ requests: Array.from({ length: 500 }, () => ({ policy: 'zmanda', facts: some })) });
    expect(body.length).toBeLessThan(1_000_000);
    const start = performance.now();
    const batch = await send('POST', '/v1/evaluate/batch', body);
    const text = await batch.text();
    expect(batch.status).toBe(200);
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(text.length).toBeLessThan(4 * body.length);
    const { results } = JSON.parse(text) as { results: { error: { code: string; message: string; details: unknown[] } }[] };
    expect(results).toHaveLength(500);
    for (const r of results) {
      expect(r.error.code).toBe('invalid-facts');
      expect(r.error.details).toHaveLength(20);
      expect(r.error.message).toBe('the facts do not fit the policy (the first 20 of 204 problems)');
    }
  });

  it('answers huge numbers, long strings, long arrays and big batches with a decision or a 4xx', async () => {
    const cases: [string, unknown][] = [
      ['1e308', { ...ticket, trial: 1e308 }],
      ['-0', { ...ticket, trial: -0 }],
      [
        'a 10^400 literal',
        `{"policy":"zmanda","facts":{"tier":"standard","impact":"low","urgency":"low","channel":"web","trial":1${'0'.repeat(400)}}}`,
      ],
      ['a long enum value', { ...ticket, tier: 'p'.repeat(500_000) }],
      ['a long time zone', { ...ticket, timezone: `Europe/${'R'.repeat(500_000)}` }],
      [
        '10^5 pauses',
        {
          ...ticket,
          pauses: Array.from({ length: 10_000 }, (_, i) => ({
            from: `2026-03-06T16:${String(i % 60).padStart(2, '0')}:00+01:00`,
            to: '2026-03-06T17:00:00+01:00',
          })),
        },
      ],
      ['a far-future openedAt', { ...ticket, openedAt: '9999-12-31T23:59:59+14:00' }],
      ['a far-past openedAt', { ...ticket, openedAt: '0001-01-01T00:00:00-12:00' }],
      ['a long array as a value', { ...ticket, tier: Array(100_000).fill('standard') }],
    ];
    for (const [what, facts] of cases) {
      const body =
        typeof facts === 'string' ? facts : JSON.stringify({ policy: 'zmanda', facts, now: '2026-03-09T09:00:00+01:00' });
      const start = performance.now();
      const res = await send('POST', '/v1/evaluate', body);
      expect(performance.now() - start, what).toBeLessThan(5000);
      if (res.status === 200) expect(((await res.json()) as { policy: { id: string } }).policy.id, what).toBe('zmanda');
      else await expectError(res, [400, 413], what);
    }
    await expectError(
      await send(
        'POST',
        '/v1/evaluate/batch',
        JSON.stringify({ requests: Array(1001).fill({ policy: 'zmanda', facts: ticket }) }),
      ),
      413,
      'batch',
    );
    await expectError(
      await send('POST', '/v1/evaluate/batch', JSON.stringify({ requests: Array(200_000).fill(0) })),
      413,
      'a long array',
    );
  });
});

describe('times the clock cannot read', () => {
  it('are a diagnostic in a policy test, not a crash when its tests run', async () => {
    const source = zmanda.replace(
      '    facts: { tier: premium, impact: low, urgency: low, requestedPriority: P1, channel: web }',
      '    facts: { tier: premium, impact: low, urgency: low, requestedPriority: P1, channel: web }\n    now: "2026-03-09T25:00:00+01:00"',
    );
    expect(source).not.toBe(zmanda);
    const r = await compileSource(source, 'now.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['schema.bad-value']);
  });

  it('are a 400 for the now of an evaluation or a batch, not a 500', async () => {
    const s = await serverForTest({ copy: ['zmanda.yaml'] });
    for (const now of [
      '2026-03-09T25:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-03-09T09:60:00+01:00',
      '2026-03-09T09:00:00+24:00',
    ]) {
      for (const [path, body] of [
        ['/v1/evaluate', { policy: 'zmanda', facts: ticket, now }],
        ['/v1/evaluate/batch', { requests: [{ policy: 'zmanda', facts: ticket }], now }],
      ] as const) {
        const res = await s.post(path, body);
        expect(res.status, `${path} ${now}`).toBe(400);
        const e = ((await res.json()) as { error: { details: { pointer: string; message: string }[] } }).error;
        expect(e.details.map((d) => d.pointer)).toEqual(['/now']);
        // In words, not as the pattern that refused it.
        expect(e.details[0]!.message).toContain('date and time with its offset');
      }
    }
  });
});

describe('slow clients', () => {
  it('the service sets header, request, keep-alive and idle timeouts', async () => {
    const s = await serverForTest({ copy: [] });
    expect(s.server.headersTimeout).toBe(TIMEOUTS.headers);
    expect(s.server.requestTimeout).toBe(TIMEOUTS.request);
    expect(s.server.keepAliveTimeout).toBe(TIMEOUTS.keepAlive);
    expect(s.server.timeout).toBe(TIMEOUTS.idle);
    expect(TIMEOUTS.headers).toBeLessThanOrEqual(TIMEOUTS.request);
  });

  it('are cut off when they send their headers or body too slowly', async () => {
    const s = await startTestServer({
      copy: ['zmanda.yaml'],
      timeouts: { headers: 600, request: 1200, keepAlive: 500, idle: 5000 },
    });
    const port = Number(new URL(s.url).port);
    /** Sends `parts` one every `gap` ms; resolves with what the server said and when it closed. */
    const trickle = (parts: string[], gap: number) =>
      new Promise<{ ms: number; reply: string }>((done) => {
        const start = performance.now();
        const socket = connect(port, '127.0.0.1');
        let reply = '';
        let i = 0;
        const timer = setInterval(() => {
          if (i < parts.length && !socket.destroyed) socket.write(parts[i++]!);
        }, gap);
        socket.on('data', (b) => (reply += b.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          done({ ms: performance.now() - start, reply });
        });
      });
    try {
      // A header line every 200 ms, forever (slowloris).
      const headers = await trickle(
        ['POST /v1/evaluate HTTP/1.1\r\n', ...Array.from({ length: 100 }, (_, i) => `x-slow-${i}: 1\r\n`)],
        200,
      );
      expect(headers.ms).toBeLessThan(3000);
      expect(headers.reply).toMatch(/^HTTP\/1\.1 408/);
      // Headers on time, then the body a byte every 100 ms.
      const body = JSON.stringify({ policy: 'zmanda', facts: ticket });
      const head = `POST /v1/evaluate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
      const slowBody = await trickle([head, ...body.split('')], 100);
      expect(slowBody.ms).toBeLessThan(4000);
      expect(slowBody.reply).not.toMatch(/^HTTP\/1\.1 200/);
      // A connection left idle after its answer is closed by the keep-alive timeout.
      const idle = await trickle([`GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`], 10);
      expect(idle.reply).toMatch(/^HTTP\/1\.1 200/);
      expect(idle.ms).toBeLessThan(3000);
    } finally {
      await s.close();
    }
  });
});
