// Every error the service sends is `{ error: { code, message } }` with a fitting status: requests
// Node's HTTP parser refuses (written on raw sockets, with and without the evaluation lane), a
// wrong method on a known path (405 with the Allow its routes give), and bodies in a charset or
// a compression the service does not read (415).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openapi } from '../../server/index.js';
import { policiesCopy, withServer } from '../support/with-server.js';

const dir = policiesCopy(['zmanda.yaml']);
const TOKEN = 'http-errors-token-0123456789';
const options = { dir, token: TOKEN, watch: false };

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from connecting until the server closed the connection. */
  ms: number;
}

/** Writes `parts` on a fresh connection (one every `gap` ms) and reads until the server closes it. */
function raw(url: string, parts: string[], gap = 0): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((done, fail) => {
    const start = performance.now();
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    let i = 0;
    const write = () => {
      if (i < parts.length && !socket.destroyed && socket.writable) socket.write(parts[i++]!);
      if (i < parts.length) timer = setTimeout(write, gap);
    };
    let timer = setTimeout(write, 0);
    const give_up = setTimeout(() => fail(new Error('the server kept the connection open')), 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(give_up);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const body = split < 0 ? '' : text.slice(split + 4);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      done({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0), headers, body, ms: performance.now() - start });
    });
  });
}

const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;

describe("requests Node's HTTP parser refuses", () => {
  const timeouts = { headers: 400, request: 2_000, keepAlive: 500, idle: 5_000 };
  const servers = {
    'with the lane': withServer({ ...options, timeouts }),
    'without the lane': withServer({ ...options, timeouts, evaluationLane: false }),
  };

  const body = '{"policy":"zmanda","facts":{}}';
  const cases: [what: string, parts: string[], status: number, code: string][] = [
    [
      'two Content-Length headers',
      [
        `POST /v1/evaluate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\ncontent-length: ${body.length + 1}\r\n\r\n${body}`,
      ],
      400,
      'bad-request',
    ],
    [
      'Content-Length and Transfer-Encoding',
      [
        `POST /v1/evaluate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      ],
      400,
      'bad-request',
    ],
    ['an unknown method', ['BREW /v1/evaluate HTTP/1.1\r\nhost: x\r\n\r\n'], 400, 'bad-request'],
    ['a control character in the path', ['GET /v1/\x01 HTTP/1.1\r\nhost: x\r\n\r\n'], 400, 'bad-request'],
    ['an HTTP version that does not exist', ['GET /healthz HTTP/7.1\r\nhost: x\r\n\r\n'], 400, 'bad-request'],
    [
      'headers larger than Node accepts',
      [`POST /v1/evaluate HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`],
      431,
      'headers-too-large',
    ],
    // A header line every 150 ms: the headers timeout (400 ms) passes before they end.
    [
      'headers sent too slowly',
      ['POST /v1/evaluate HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `x-slow-${i}: 1\r\n`)],
      408,
      'request-timeout',
    ],
  ];

  for (const lane of ['with the lane', 'without the lane'] as const) {
    for (const [what, parts, status, code] of cases) {
      it(`answers ${what} with ${status} ${code}, as JSON, and closes (${lane})`, async () => {
        const answer = await raw(servers[lane]!.url, parts, what.includes('slowly') ? 150 : 0);
        expect(answer.status, answer.body).toBe(status);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.headers['connection']).toBe('close');
        expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        const error = errorCode(answer.body);
        expect(error.code).toBe(code);
        expect(error.message.length).toBeGreaterThan(10);
        expect(answer.ms).toBeLessThan(5_000);
      });
    }
  }

  it('never writes into an answer that has begun (a bad chunk after the response started)', async () => {
    // The answer to POST /healthz goes out before the body is read; the broken chunk that follows
    // must not put a status line inside it. (Read afterwards, it is a new error on the connection:
    // answered as one, after the first answer's last byte, as Node itself does.)
    for (let i = 0; i < 5; i++) {
      const answer = await raw(servers['with the lane']!.url, [
        'POST /healthz HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n',
        'zz\r\n',
      ]);
      expect(answer.status).toBe(405);
      const length = Number(answer.headers['content-length']);
      const first = Buffer.from(answer.body).subarray(0, length).toString();
      expect(errorCode(first).code).toBe('method-not-allowed');
      const rest = Buffer.from(answer.body).subarray(length).toString();
      if (rest) expect(rest).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\n\{"error":\{"code":"bad-request"/);
    }
  });
});

describe('a wrong method on a known path', () => {
  const running = withServer(options);

  /** The methods /openapi.json gives a path, with HEAD wherever GET: the routes as documented. */
  const documented = (path: string) => {
    const methods = Object.keys((openapi.paths as Record<string, Record<string, unknown>>)[path]!).map((m) => m.toUpperCase());
    return [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
  };

  it('is 405 with an Allow header listing what the routes take', async () => {
    for (const [method, path, template] of [
      ['GET', '/v1/evaluate', '/v1/evaluate'],
      ['PUT', '/v1/evaluate/batch', '/v1/evaluate/batch'],
      ['DELETE', '/v1/policies/zmanda', '/v1/policies/{id}'],
      ['POST', '/v1/policies/zmanda', '/v1/policies/{id}'],
      ['PATCH', '/v1/policies/nosuch', '/v1/policies/{id}'],
      ['DELETE', '/v1/policies', '/v1/policies'],
      ['GET', '/v1/policies/zmanda/rollback', '/v1/policies/{id}/rollback'],
      ['PUT', '/healthz', '/healthz'],
      ['POST', '/metrics', '/metrics'],
      ['DELETE', '/openapi.json', '/openapi.json'],
      ['GET', '/v1/validate', '/v1/validate'],
    ] as const) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(documented(template));
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('method-not-allowed');
      expect(error.message).toContain(documented(template).split(', ')[0]!);
    }
  });

  it('keeps 404 for a path no route has', async () => {
    for (const [method, path] of [
      ['GET', '/v2/evaluate'],
      ['DELETE', '/nowhere'],
      ['POST', '/v1/policies/zmanda/nothing'],
    ] as const) {
      const res = await fetch(`${running.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-found');
    }
  });
});

describe('a body the service cannot read', () => {
  const running = withServer(options);
  const zmanda = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');

  it('is 415 unsupported-media-type naming what is supported', async () => {
    const body = JSON.stringify({ policy: 'zmanda', facts: {} });
    for (const [path, headers, supported] of [
      ['/v1/evaluate', { 'content-type': 'application/json; charset=latin1' }, 'UTF-8'],
      ['/v1/validate', { 'content-type': 'application/json; charset=shift_jis' }, 'UTF-8'],
      ['/v1/evaluate', { 'content-type': 'application/json', 'content-encoding': 'compress' }, 'gzip, deflate, br'],
      ['/v1/evaluate/batch', { 'content-type': 'application/json', 'content-encoding': 'x-bogus' }, 'gzip, deflate, br'],
    ] as const) {
      const res = await fetch(`${running.url}${path}`, { method: 'POST', headers, body });
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(415);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('unsupported-media-type');
      expect(error.message).toContain(supported);
    }
    const put = await fetch(`${running.url}/v1/policies/zmanda`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/yaml', 'content-encoding': 'compress' },
      body: zmanda,
    });
    expect(put.status).toBe(415);
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe('unsupported-media-type');
  });
});
