// The service over real HTTP on 127.0.0.1: listing, reading and validating policies, and the
// error format for every way a request can be wrong.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/index.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'spe-server-'));
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
writeFileSync(join(dir, 'zmanda.yaml'), zmanda);
writeFileSync(
  join(dir, 'broken.yaml'),
  zmanda.replace('policy: zmanda', 'policy: broken').replace('rows: urgency', 'rows: urgncy'),
);
writeFileSync(join(dir, 'notes.txt'), 'not a policy');

let server: Server;
let base: string;
beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = createApp({ policiesDir: dir, bodyLimit: '64kb' }).listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('reading policies', () => {
  it('lists the policies with their validity', async () => {
    const res = await fetch(`${base}/v1/policies`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { policies: { id: string; valid: boolean; errors: number }[] };
    expect(body.policies.map((p) => [p.id, p.valid, p.errors])).toEqual([
      ['broken', false, 1],
      ['zmanda', true, 0],
    ]);
  });

  it('gives a policy source with its revision as ETag', async () => {
    const res = await fetch(`${base}/v1/policies/zmanda`);
    expect(res.status).toBe(200);
    const revision = `sha256:${createHash('sha256').update(zmanda).digest('hex')}`;
    expect(res.headers.get('etag')).toBe(`"${revision}"`);
    const body = (await res.json()) as { source: string; revision: string; valid: boolean };
    expect(body).toMatchObject({ source: zmanda, revision, valid: true });
  });

  it('answers 404 for an unknown policy and for ids that try to leave the folder', async () => {
    for (const id of ['nope', '..%2Fpackage', '%2E%2E', 'ZMANDA', '.hidden']) {
      const res = await fetch(`${base}/v1/policies/${id}`);
      expect(res.status, id).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/unknown-policy|not-found/);
    }
  });

  it('sets security headers', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('POST /v1/validate', () => {
  it('returns the diagnostics of a source with positions', async () => {
    const res = await post(
      '/v1/validate',
      JSON.stringify({ source: zmanda.replace('rows: urgency', 'rows: urgncy'), file: 'z.yaml' }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      ok: boolean;
      diagnostics: { code: string; line: number; column: number; file: string }[];
    };
    const line = zmanda.split('\n').findIndex((l) => l.includes('rows: urgency')) + 1;
    expect(body.ok).toBe(false);
    expect(body.diagnostics).toEqual([expect.objectContaining({ code: 'expr.unknown-fact', line, column: 11, file: 'z.yaml' })]);
  });

  it('says ok for a valid source', async () => {
    const body = (await (await post('/v1/validate', JSON.stringify({ source: zmanda }))).json()) as {
      ok: boolean;
      diagnostics: unknown[];
    };
    expect(body).toEqual({ ok: true, diagnostics: [] });
  });

  it('answers 400 with a JSON pointer for a missing source', async () => {
    const res = await post('/v1/validate', JSON.stringify({ src: 'x' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid-request',
        message: 'the request is not valid',
        details: [{ pointer: '/source', message: 'expected the policy source as a string' }],
      },
    });
  });

  it('answers 400 for a body that is not JSON or not an object', async () => {
    expect((await post('/v1/validate', '{oops')).status).toBe(400);
    expect((await post('/v1/validate', '[1]')).status).toBe(400);
    expect((await post('/v1/validate', '"text"')).status).toBe(400);
  });

  it('answers 415 for another content type', async () => {
    const res = await post('/v1/validate', 'policy: x', 'text/yaml');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported-media-type');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await post('/v1/validate', JSON.stringify({ source: 'x'.repeat(100_000) }));
    expect(res.status).toBe(413);
  });

  it('answers 404 in the error format for an unknown route', async () => {
    const res = await fetch(`${base}/v1/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });
});
