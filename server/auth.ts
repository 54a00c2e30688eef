// The admin bearer token that every write needs. It comes from SPE_ADMIN_TOKEN; when that is not
// set, the server makes one at start and prints it once. Compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const TOKEN_VARIABLE = 'SPE_ADMIN_TOKEN';

export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Equal-length digests make the comparison constant-time whatever the lengths given. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export interface AuthError {
  status: 401 | 403;
  code: string;
  message: string;
}

export function checkBearer(header: string | undefined, token: string): AuthError | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return { status: 401, code: 'unauthorized', message: 'writes need the admin token: Authorization: Bearer <token>' };
  if (!tokenMatches(m[1]!, token)) return { status: 403, code: 'forbidden', message: 'the admin token is not valid' };
  return null;
}

export function requireAdmin(token: string, fail: (e: AuthError) => Error): RequestHandler {
  return (req, _res, next) => {
    const problem = checkBearer(req.get('authorization'), token);
    next(problem ? fail(problem) : undefined);
  };
}
