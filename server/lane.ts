// `POST /v1/evaluate` without express: the route every ticket takes, served ahead of the app by
// one function, `(req, res) => boolean` (served, or left to express).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision } from '../engine/index.js';
import { type HttpError, bodyParserError, errorBody } from './errors.js';
import { SECURITY_HEADERS } from './http.js';
import type { Metrics } from './metrics.js';

export interface LaneOptions {
  /** The body limit, in bytes: a longer body is left to express, which refuses it. */
  limit: number;
  /** The route itself: a parsed body's decision, or the error it throws (the same function express's route calls). */
  evaluate: (body: unknown) => Decision;
  /** Any error as the service answers it (the same mapping as express's error handler). */
  answer: (caught: unknown) => HttpError;
  metrics: Metrics;
}

/** `application/json`, in UTF-8 (said or not): the bodies the lane reads exactly as body-parser does. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * express's routing and middleware cost about four times what the evaluation itself and node's
 * HTTP do together. The lane takes a plain JSON body (UTF-8, a length, no compression, within
 * the limit), and answers it, decision or refusal, with the same status, headers, body and
 * metrics as the route: both call the same `evaluate` and `answer`. Any other request it leaves
 * to express untouched (`false`), so the lane never hands over a body it has read.
 */
export function evaluationLane({
  limit,
  evaluate,
  answer,
  metrics,
}: LaneOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const route = { route: '/v1/evaluate', method: 'POST' };
  const ok = { ...route, status: '200' };
  return (req, res) => {
    const h = req.headers;
    if (req.method !== 'POST' || req.url !== '/v1/evaluate' || !PLAIN_JSON.test(h['content-type'] ?? '')) return false;
    const length = h['content-length'];
    if (length === undefined || !/^\d{1,9}$/.test(length) || Number(length) > limit || h['transfer-encoding'] !== undefined)
      return false;
    if (h['content-encoding'] !== undefined && h['content-encoding'].toLowerCase() !== 'identity') return false;
    const start = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let status = 200;
      let text: string;
      let headers = SECURITY_HEADERS;
      try {
        text = JSON.stringify(evaluate(parseStrict(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
      } catch (caught) {
        const e = answer(caught);
        status = e.status;
        text = errorBody(e);
        headers = [...SECURITY_HEADERS, ...Object.entries(e.headers ?? {}).flat()];
      }
      res.writeHead(status, [
        ...headers,
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(Buffer.byteLength(text)),
      ]);
      res.end(text);
      metrics.requests.inc(status === 200 ? ok : { ...route, status: String(status) });
      metrics.latency.observe(route, Number(process.hrtime.bigint() - start) / 1e9);
    });
    return true;
  };
}

/**
 * body-parser's strict JSON: an object or a list (an empty body is `{}`), UTF-8 with any BOM
 * dropped; anything else is the error body-parser gives for it.
 */
function parseStrict(buffer: Buffer): unknown {
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  // body-parser's whitespace: JSON's four characters.
  const first = /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw bodyParserError('entity.parse.failed', '', {})!;
  try {
    return JSON.parse(text);
  } catch {
    throw bodyParserError('entity.parse.failed', '', {})!;
  }
}
