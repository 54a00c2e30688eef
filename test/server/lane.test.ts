// POST /v1/evaluate is served ahead of express by a lane of its own. Two real servers on the same
// policies, one with the lane and one without, must answer every kind of request alike: status,
// headers (the security headers included) and body byte for byte, and count them alike in their
// metrics.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { policiesCopy, withServer } from '../support/with-server.js';

const options = { dir: policiesCopy(['zmanda.yaml', 'logbot.yaml']), token: 'lane-test-token-1234567890', bodyLimit: '16kb' };
const lane = withServer({ ...options, watch: false });
const plain = withServer({ ...options, watch: false, evaluationLane: false });

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request as sent on the wire (node:http, so headers and framing are exactly as given). */
function send(
  base: string,
  path: string,
  body: Buffer | string | undefined,
  headers: Record<string, string>,
  method = 'POST',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        // Only the date and the connection's own headers may differ.
        for (const [k, v] of Object.entries(res.headers)) if (!['date', 'connection', 'keep-alive'].includes(k)) h[k] = String(v);
        resolve({ status: res.statusCode!, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };
const JSON_TYPE = { 'content-type': 'application/json' };
const framed = (body: string | Buffer, headers: Record<string, string> = JSON_TYPE) => ({
  body,
  headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
});

const deep = `{"policy":"zmanda","facts":${'['.repeat(100)}${']'.repeat(100)}}`;
const cases: Record<string, { path?: string; method?: string; body?: string | Buffer; headers: Record<string, string> }> = {
  'a decision with its trace': framed(JSON.stringify({ policy: 'zmanda', facts: ticket })),
  'a decision without trace, at a given now': framed(
    JSON.stringify({ policy: 'zmanda', facts: ticket, trace: false, now: '2026-03-09T10:00:00Z' }),
  ),
  'another policy': framed(JSON.stringify({ policy: 'logbot', facts: {} })),
  'facts that do not fit': framed(JSON.stringify({ policy: 'zmanda', facts: { ...ticket, tier: 'gold', color: 'red' } })),
  'facts the policy asserts against': framed(
    JSON.stringify({ policy: 'logbot', facts: { category: 'hardware', workedMinutes: -20, purchaseQuantity: 0 } }),
  ),
  'a pause that ends before it starts': framed(
    JSON.stringify({
      policy: 'logbot',
      facts: {
        openedAt: '2026-03-10T10:00:00+01:00',
        pauses: [{ from: '2026-03-10T12:00:00+01:00', to: '2026-03-10T11:00:00+01:00' }],
      },
    }),
  ),
  'a now that is not a time': framed(JSON.stringify({ policy: 'zmanda', facts: ticket, now: '2026-03-09T25:00:00Z' })),
  'an unknown policy': framed(JSON.stringify({ policy: 'nope', facts: ticket })),
  'an unknown field': framed(JSON.stringify({ policy: 'zmanda', facts: ticket, colour: 'red' })),
  'a body that is not JSON': framed('{"policy": "zmanda", '),
  'JSON that is not an object or a list': framed('"zmanda"'),
  'a list': framed('[1, 2]'),
  null: framed('null'),
  'an empty body': framed(''),
  'whitespace, then an object': framed(`\n\t ${JSON.stringify({ policy: 'zmanda', facts: ticket })}`),
  'a byte order mark': framed(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ policy: 'zmanda', facts: ticket }))]),
  ),
  'invalid UTF-8 in a string': framed(Buffer.from([...Buffer.from('{"policy":"zm'), 0xff, ...Buffer.from('anda","facts":{}}')])),
  'charset utf-8 said': framed(JSON.stringify({ policy: 'zmanda', facts: ticket }), {
    'content-type': 'application/json; charset=UTF-8',
  }),
  'charset latin1': framed(JSON.stringify({ policy: 'zmanda', facts: ticket }), {
    'content-type': 'application/json; charset=latin1',
  }),
  'text/plain': framed(JSON.stringify({ policy: 'zmanda', facts: ticket }), { 'content-type': 'text/plain' }),
  gzip: framed(gzipSync(JSON.stringify({ policy: 'zmanda', facts: ticket })), { ...JSON_TYPE, 'content-encoding': 'gzip' }),
  'identity encoding': framed(JSON.stringify({ policy: 'zmanda', facts: ticket }), {
    ...JSON_TYPE,
    'content-encoding': 'identity',
  }),
  'chunked, no length': {
    body: JSON.stringify({ policy: 'zmanda', facts: ticket }),
    headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' },
  },
  'larger than the limit': framed(JSON.stringify({ policy: 'zmanda', facts: ticket, pad: 'x'.repeat(20_000) })),
  'nested too deep': framed(deep),
  'a query string': { ...framed(JSON.stringify({ policy: 'zmanda', facts: ticket })), path: '/v1/evaluate?x=1' },
  GET: { method: 'GET', headers: {} },
};

/** What each case is answered: the two servers agreeing on a wrong answer would not do. */
const answers: Record<string, string> = {
  'a decision with its trace': 'a decision',
  'a decision without trace, at a given now': 'a decision',
  'another policy': 'a decision',
  'facts that do not fit': '400 invalid-facts',
  'facts the policy asserts against': '400 invalid-facts',
  'a pause that ends before it starts': '400 invalid-facts',
  'a now that is not a time': '400 invalid-request',
  'an unknown policy': '404 unknown-policy',
  'an unknown field': '400 invalid-request',
  'a body that is not JSON': '400 invalid-json',
  'JSON that is not an object or a list': '400 invalid-json',
  'a list': '400 invalid-request',
  null: '400 invalid-json',
  'an empty body': '400 invalid-request',
  'whitespace, then an object': 'a decision',
  'a byte order mark': 'a decision',
  'invalid UTF-8 in a string': '404 unknown-policy',
  'charset utf-8 said': 'a decision',
  'charset latin1': '415 unsupported-media-type',
  'text/plain': '415 unsupported-media-type',
  gzip: 'a decision',
  'identity encoding': 'a decision',
  'chunked, no length': 'a decision',
  'larger than the limit': '413 payload-too-large',
  'nested too deep': '400 too-deep',
  'a query string': 'a decision',
  GET: '405 method-not-allowed',
};

describe('the evaluation lane', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`answers as the express route does: ${name}`, async () => {
      const path = c.path ?? '/v1/evaluate';
      const [a, b] = await Promise.all([
        send(lane.url, path, c.body, c.headers, c.method),
        send(plain.url, path, c.body, c.headers, c.method),
      ]);
      expect(a).toEqual(b);
      expect(a.status === 200 ? 'a decision' : `${a.status} ${JSON.parse(a.body).error.code}`).toBe(answers[name]);
    });
  }

  it('answers decisions with the security headers', async () => {
    const { body, headers } = framed(JSON.stringify({ policy: 'zmanda', facts: ticket }));
    const [a] = await Promise.all([
      send(lane.url, '/v1/evaluate', body, headers),
      send(plain.url, '/v1/evaluate', body, headers),
    ]);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).priority).toBe('P2');
    expect(a.headers['content-security-policy']).toContain("default-src 'self'");
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['strict-transport-security']).toContain('max-age=');
    expect(a.headers['x-powered-by']).toBeUndefined();
  });

  it('counts requests and decisions as the route does', async () => {
    const counts = async (s: RunningServer) =>
      (await (await fetch(`${s.url}/metrics`)).text())
        .split('\n')
        .filter((l) => /^spe_(http_requests_total|http_request_duration_seconds_count|decisions_total)\{/.test(l))
        .filter((l) => !l.includes('/metrics'))
        .sort();
    const [a, b] = await Promise.all([counts(lane), counts(plain)]);
    expect(a).toEqual(b);
    expect(a.some((l) => l.includes('route="/v1/evaluate"') && l.includes('status="200"'))).toBe(true);
    expect(a.some((l) => l.startsWith('spe_decisions_total{'))).toBe(true);
  });
});
