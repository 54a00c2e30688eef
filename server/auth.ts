// The admin bearer token that every write needs, compared in constant time. It comes from
// SPE_ADMIN_TOKEN or a file named by SPE_ADMIN_TOKEN_FILE (re-read on SIGHUP, so a token can be
// rotated without a restart); when neither is set, the server makes one at start and prints it
// once. A client that keeps sending wrong tokens is refused for a while (429) before any check.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const TOKEN_VARIABLE = 'SPE_ADMIN_TOKEN';
export const TOKEN_FILE_VARIABLE = 'SPE_ADMIN_TOKEN_FILE';

export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Equal-length digests make the comparison constant-time whatever the lengths given. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export interface AuthError {
  status: 401 | 403 | 429;
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
 * Failed attempts per client address in a fixed window: after `max` failures the client is
 * refused until its window ends, even with the right token, so guessing costs time. Per process
 * (N workers allow N × max); at most `clients` addresses are remembered, the oldest forgotten first.
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

/** The token is read at every request, so a rotated token takes effect at once. */
export type TokenSource = string | (() => string);

export function requireAdmin(
  token: TokenSource,
  fail: (e: AuthError) => Error,
  limit: FailedAuthLimit,
  refused: (client: string, e: AuthError) => void = () => undefined,
): RequestHandler {
  const current = typeof token === 'string' ? () => token : token;
  return (req, _res, next) => {
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = limit.retryAfter(client);
    const problem: AuthError | null = wait
      ? {
          status: 429,
          code: 'too-many-attempts',
          message: `too many requests with a missing or wrong admin token; try again in ${wait} s`,
          retryAfter: wait,
        }
      : checkBearer(req.get('authorization'), current());
    if (problem && problem.status !== 429) limit.failed(client);
    if (problem) refused(client, problem);
    next(problem ? fail(problem) : undefined);
  };
}
