// Hostile input into the loader and the service: alias bombs, deep nesting, prototype keys,
// huge values. Each must end in diagnostics or a 4xx, quickly, and change nothing it should not.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../dsl/index.js';
import { type RunningServer, startServer } from '../server/index.js';

describe('hostile policy sources', () => {
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

  it('survives deeply nested YAML', () => {
    const deep = `policy: x\ntitle: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const r = loadPolicy(deep, 'deep.yaml');
    expect(r.ok).toBe(false);
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
  let running: RunningServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-hostile-'));
    cpSync(join(import.meta.dirname, '..', 'policies', 'zmanda.yaml'), join(dir, 'zmanda.yaml'));
    running = await startServer({ host: '127.0.0.1', port: 0, policiesDir: dir, token: 'hostile-test', log: 'silent' });
  });
  afterAll(() => running.close());
  const post = (path: string, body: string) =>
    fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

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

  it('answers huge numbers and strings in facts with a 4xx', async () => {
    const res = await post('/v1/evaluate', `{"policy":"zmanda","facts":{"tier":"${'x'.repeat(500_000)}","impact":1e999}}`);
    expect([400, 413]).toContain(res.status);
  });
});
