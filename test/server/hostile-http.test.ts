// Hostile requests to the whole service over HTTP: what arrives is bounded, refused with a pointer,
// and never crashes or stalls the server; clocks it cannot read; slow clients. (Policy sources and
// expressions: hostile.test.ts.)
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../engine/index.js';
import { TIMEOUTS } from '../../server/index.js';
import { recordingFiles, root } from '../support/reliability.js';
import { serverForTest, startTestServer, withServer } from '../support/with-server.js';

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const polluted = () => Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>).polluted !== undefined;
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };


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
