// The one error type of the service: a status, a stable code, a message and optional details,
// sent as `{ error: { code, message, details? } }`, with any headers it needs (Retry-After, Allow).
// Below it, the tables that turn what others report (the store, Node's HTTP parser, body-parser)
// into one, and `answerFor`, the one mapping of whatever a request threw to its answer.
import type { Diagnostic } from '../dsl/index.js';
import { StoreError, type StoreErrorKind } from './store.js';
import { publicDiagnostic } from './views.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The body of an error as every answer of the service carries it. */
export function errorBody(e: HttpError): string {
  return JSON.stringify({
    error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) },
  });
}

/** The compressions body-parser undoes (zstd only where Node has it, so it is not promised). */
export const BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

/**
 * body-parser's refusals by their `type`; any other 4xx it gives is `bad-request`. `limit` is
 * the body limit as configured ("1mb"), for the message.
 */
export function bodyParserError(
  type: string | undefined,
  limit: string,
  detail: { charset?: string; encoding?: string },
): HttpError | undefined {
  switch (type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload-too-large', `the request body is larger than ${limit}`);
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid-json', 'the body is not valid JSON');
    case 'charset.unsupported':
      return new HttpError(
        415,
        'unsupported-media-type',
        `the charset ${JSON.stringify(detail.charset ?? '')} is not supported: send JSON in UTF-8`,
      );
    case 'encoding.unsupported':
      return new HttpError(
        415,
        'unsupported-media-type',
        `the content encoding ${JSON.stringify(detail.encoding ?? '')} is not supported: send the body as ${BODY_ENCODINGS.join(', ')}`,
      );
    default:
      return undefined;
  }
}

/**
 * Node's HTTP parser's refusals (the `code` of a `clientError`), as the answer to each. The
 * parser stops reading at the first, so every one of these closes the connection.
 */
const PARSER_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers-too-large', 'the request line and headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'the request was not received in time'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'payload-too-large', 'the chunk extensions of the body are too large'],
  HPE_INVALID_METHOD: [400, 'bad-request', 'the method is not an HTTP method'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, 'bad-request', 'the request gives Content-Length more than once'],
  HPE_INVALID_TRANSFER_ENCODING: [
    400,
    'bad-request',
    'the request gives both Content-Length and Transfer-Encoding, or a Transfer-Encoding that does not end in chunked',
  ],
  HPE_INVALID_CONTENT_LENGTH: [400, 'bad-request', 'the Content-Length is not a number'],
  HPE_INVALID_URL: [400, 'bad-request', 'the request target is not a valid URL path'],
  HPE_INVALID_VERSION: [400, 'bad-request', 'the HTTP version is not supported: send HTTP/1.1'],
  HPE_INVALID_HEADER_TOKEN: [400, 'bad-request', 'a header name holds a character names cannot hold'],
  HPE_INVALID_CHUNK_SIZE: [400, 'bad-request', 'a chunk of the body has no valid size'],
};

export function parserError(code: string | undefined): HttpError {
  const [status, errorCode, message] = PARSER_ERRORS[code ?? ''] ?? [400, 'bad-request', 'the request is not valid HTTP/1.1'];
  return new HttpError(status, errorCode, message);
}

/** The one table from the store's errors to HTTP statuses. */
const STORE_STATUS: Record<StoreErrorKind, number> = {
  'invalid-id': 400,
  'invalid-cursor': 400,
  'unknown-policy': 404,
  'unknown-revision': 404,
  'stale-revision': 412,
  'invalid-policy': 422,
  'precondition-required': 428,
  busy: 503,
  'store-unavailable': 503,
  'storage-full': 507,
  'storage-denied': 507,
  'storage-failed': 507,
};

/** A store error as the API answers it; anything else as it is. */
export function asHttp(e: unknown): unknown {
  if (!(e instanceof StoreError)) return e;
  // The database is away: a client may try again shortly (the store reconnects by itself).
  const headers = e.kind === 'store-unavailable' ? { 'retry-after': '5' } : undefined;
  return new HttpError(STORE_STATUS[e.kind], e.kind, e.message, e.details, headers);
}

/**
 * Whatever a request threw (or express passed on) as the service answers it: express's error
 * handler and the evaluation lane both call this. `undefined` for an error that is no fault of
 * the request: a bug, answered 500 by the caller. `limit` is the body limit as configured.
 */
export function answerFor(caught: unknown, limit: string): HttpError | undefined {
  const err = asHttp(caught);
  if (err instanceof HttpError) {
    // The store reports an invalid policy with its diagnostics: show them as the API does.
    const details =
      err.code === 'invalid-policy' && Array.isArray(err.details)
        ? (err.details as Diagnostic[]).map(publicDiagnostic)
        : err.details;
    return new HttpError(err.status, err.code, err.message, details, err.headers);
  }
  const e = err as { type?: string; status?: number; message?: string; charset?: string; encoding?: string };
  // body-parser's errors carry a type and a 4xx status.
  const known = bodyParserError(e.type, limit, e);
  if (known) return known;
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new HttpError(e.status, 'bad-request', e.message ?? 'bad request');
  return undefined;
}
