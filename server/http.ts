// Answers written without express: the evaluation lane's and those to requests Node's HTTP
// parser refused. They carry the security headers helmet gives every other answer.
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import helmet from 'helmet';
import { errorBody, parserError } from './errors.js';

/** The headers helmet sets on every response, as helmet itself gives them (they depend on nothing in a request). */
function securityHeaders(): string[] {
  const out: string[] = [];
  const recorder = { setHeader: (name: string, value: string) => out.push(name, value), removeHeader: () => undefined };
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return out;
}
/** Flat `[name, value, name, value, …]`, as `writeHead` takes them. */
export const SECURITY_HEADERS = securityHeaders();

const pairs = (flat: string[]) => flat.flatMap((v, i) => (i % 2 === 0 ? [`${v}: ${flat[i + 1]}`] : []));

/** How long a refused connection may take to read its answer before it is closed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The answer to a request Node's HTTP parser refused (the server's `clientError`): the error in
 * the service's JSON shape, on a complete HTTP/1.1 response that closes the connection. Nothing
 * is written to a socket that is gone, already answered by us, or whose in-flight response has
 * begun (a second status line would corrupt it); those are just closed.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Node's own default checks the response in flight the same way; it has no public name.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || socket.writableEnded || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const e = parserError(err.code);
  const body = errorBody(e);
  const head = [
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}`,
    ...pairs(SECURITY_HEADERS),
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  // Ending (not destroying) lets the client read the answer even while it is still sending: a
  // reset would throw away what it has not read yet. It is closed after a grace period.
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
