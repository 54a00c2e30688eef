// The admin bearer token that every write needs, compared in constant time. It comes from
// SPE_ADMIN_TOKEN or a file named by SPE_ADMIN_TOKEN_FILE (re-read on SIGHUP, so a token can be
// rotated without a restart); when neither is set, the server makes one at start and prints it
// once. A client that keeps sending wrong tokens is refused for a while (429), but the right
// token is never refused: a lockout must not let anyone lock the admin out.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const TOKEN_VARIABLE = 'SPE_ADMIN_TOKEN';
export const TOKEN_FILE_VARIABLE = 'SPE_ADMIN_TOKEN_FILE';

export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

/** Shorter tokens are warned about at start: a random token of 32 characters is out of reach of guessing. */
export const STRONG_TOKEN_LENGTH = 32;

/** The token in a token file: the file without its trailing line breaks (an editor adds one). */
export function tokenFromFile(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}

/**
 * What is wrong with a token, if anything: `refused` when it can never be sent (empty, or holding
 * whitespace, which no `Authorization: Bearer` header carries), `weak` when it is short.
 */
export function tokenProblem(token: string): { refused: string } | { weak: string } | null {
  if (token === '') return { refused: 'the admin token is empty' };
  const space = /\s/u.exec(token);
  if (space)
    return {
      refused: `the admin token holds whitespace at character ${space.index + 1} (of ${token.length}): no Authorization header can carry it, so it would never match`,
    };
  if (token.length < STRONG_TOKEN_LENGTH)
    return {
      weak: `the admin token is ${token.length} characters long; use at least ${STRONG_TOKEN_LENGTH} random ones (e.g. openssl rand -hex 24)`,
    };
  return null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Equal-length digests make the comparison constant-time whatever the lengths given. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export interface AuthError {
  status: 401 | 403 | 429 | 503;
  code: string;
  message: string;
  /** Seconds until a refused client may try again (429). */
  retryAfter?: number;
}

export function checkBearer(header: string | undefined, token: string): AuthError | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return { status: 401, code: 'unauthorized', message: 'writes need the admin token: Authorization: Bearer <token>' };
  if (!tokenMatches(m[1]!, token)) return { status: 403, code: 'forbidden', message: 'the admin token is not valid' };
  return null;
}

/**
 * Failed attempts per client address in a fixed window: after `max` failures the client's
 * missing or wrong tokens are refused (429) until its window ends, without being logged one by
 * one. The right token is always let through, so a stranger cannot lock the admin out by failing
 * from the admin's address (a proxy's, say). Per process (N workers allow N × max); at most
 * `clients` addresses are remembered, the oldest forgotten first.
 */
export class FailedAuthLimit {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    readonly max = 10,
    readonly windowMs = 60_000,
    readonly clients = 10_000,
  ) {}

  /** Seconds the client must wait, or 0 when it may try. */
  retryAfter(client: string, now = Date.now()): number {
    const f = this.failures.get(client);
    if (!f) return 0;
    if (now >= f.until) {
      this.failures.delete(client);
      return 0;
    }
    return f.count >= this.max ? Math.max(1, Math.ceil((f.until - now) / 1000)) : 0;
  }

  failed(client: string, now = Date.now()): void {
    const f = this.failures.get(client);
    if (f && now < f.until) {
      f.count++;
      return;
    }
    this.failures.delete(client);
    if (this.failures.size >= this.clients) {
      for (const [key, old] of this.failures) if (now >= old.until) this.failures.delete(key);
      if (this.failures.size >= this.clients) this.failures.delete(this.failures.keys().next().value!);
    }
    this.failures.set(client, { count: 1, until: now + this.windowMs });
  }
}

/**
 * The token is read at every request, so a rotated token takes effect at once; `null` when there
 * is none (its file was emptied or removed and SIGHUP sent): every write is refused (503).
 */
export type TokenSource = string | (() => string | null);

const NO_TOKEN: AuthError = {
  status: 503,
  code: 'admin-token-unset',
  message: 'writes are refused: the service has no admin token (write one to its token file and send SIGHUP)',
};

export function requireAdmin(
  token: TokenSource,
  fail: (e: AuthError) => Error,
  limit: FailedAuthLimit,
  refused: (client: string, e: AuthError) => void = () => undefined,
): RequestHandler {
  const current = typeof token === 'string' ? () => token : token;
  return (req, _res, next) => {
    // The address express found (the TCP peer, or the client a trusted proxy names).
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const expected = current();
    const wrong = expected === null ? NO_TOKEN : checkBearer(req.get('authorization'), expected);
    if (!wrong) return next();
    if (wrong.status === 503) {
      refused(client, wrong);
      return next(fail(wrong));
    }
    const wait = limit.retryAfter(client);
    if (wait) {
      // Held off: refused without counting or logging again (a flood would fill the log).
      return next(
        fail({
          status: 429,
          code: 'too-many-attempts',
          message: `too many requests with a missing or wrong admin token; try again in ${wait} s`,
          retryAfter: wait,
        }),
      );
    }
    limit.failed(client);
    refused(client, wrong);
    next(fail(wrong));
  };
}
