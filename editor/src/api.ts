// The service's HTTP API, as the editor uses it. Every call goes to this page's own origin; errors
// come back as `{ error: { code, message, details? } }` and are thrown as ApiError.

// The diagnostic is the dsl's own, as the service sends it (server/app.ts, publicDiagnostic): its span
// flattened to the file and the 1-based positions. Type-only: nothing of the dsl reaches the page.
import type { Diagnostic as DslDiagnostic, Span } from '../../dsl/index.js';
export type Diagnostic = Omit<DslDiagnostic, 'span'> & Pick<Span, 'file' | 'line' | 'column' | 'endLine' | 'endColumn'>;

export interface PolicySummary {
  id: string;
  title: string | null;
  version: string | null;
  revision: string;
  valid: boolean;
  errors: number;
  warnings: number;
  serving: string | null;
}

export interface PolicyDetail {
  id: string;
  revision: string;
  source: string;
  valid: boolean;
  serving: string | null;
  diagnostics: Diagnostic[];
}

// The decision's shape is the engine's own (type-only: nothing of the engine reaches the page).
export type { Billing, BillingLine, Decision, SlaWindow, Timeline, TraceStep } from '../../engine/index.js';
import type { Decision, Timeline } from '../../engine/index.js';

export type TryResult =
  | { ok: true; decision: Decision; timeline: { response: Timeline | null; resolution: Timeline | null } }
  | { ok: false; diagnostics: Diagnostic[] }
  | { ok: false; problems: FactProblem[] };

export interface TestResult {
  name: string;
  source: string;
  passed: boolean;
  mismatches: { path: string; expected: unknown; actual: unknown }[];
  problems?: FactProblem[];
}

export type TestRun =
  | {
      ok: true;
      results: TestResult[];
      coverage: { total: number; covered: number; uncovered: { name: string; source: string }[] };
    }
  | { ok: false; diagnostics: Diagnostic[] };

export interface Revision {
  revision: string;
  /** Only for an admin (the token sent with the read). */
  author?: string;
  savedAt: string;
  message?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The service refused the admin token sent, or wanted one (401, 403). */
export const isRefusedToken = (e: unknown): e is ApiError => e instanceof ApiError && (e.status === 401 || e.status === 403);

/** A call's value or its error, as a value: for a flow that branches on the error rather than catching it. */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: unknown };
export const settle = <T>(call: Promise<T>): Promise<Answer<T>> =>
  call.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );

/** Is this an abort of a request that a newer one replaced? */
export const isAbort = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';

async function call<T>(
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? `http-${res.status}`,
      err?.message ?? (res.statusText || 'request failed'),
      err?.details,
    );
  }
  return data as T;
}

const enc = encodeURIComponent;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

export const api = {
  policies: () => call<{ policies: PolicySummary[] }>('GET', '/v1/policies').then((r) => r.policies),
  policy: (id: string) => call<PolicyDetail>('GET', `/v1/policies/${enc(id)}`),
  schema: () => call<Record<string, unknown>>('GET', '/v1/schema'),
  validate: (source: string, file: string, signal?: AbortSignal) =>
    call<{ ok: boolean; diagnostics: Diagnostic[] }>('POST', '/v1/validate', {
      body: { source, file },
      ...(signal ? { signal } : {}),
    }),
  try: (source: string, file: string, facts: unknown, now: string | undefined, signal?: AbortSignal) =>
    call<TryResult>('POST', '/v1/try', {
      body: { source, file, facts, ...(now ? { now } : {}) },
      ...(signal ? { signal } : {}),
    }),
  test: (source: string, file: string) => call<TestRun>('POST', '/v1/test', { body: { source, file } }),
  save: (id: string, source: string, revision: string | null, token: string, extra: { author?: string; message?: string }) =>
    call<PolicyDetail>('PUT', `/v1/policies/${enc(id)}`, {
      body: { source, ...extra },
      headers: { ...auth(token), ...(revision ? { 'if-match': revision } : {}) },
    }),
  /** The newest page of the history (the service pages it; the editor shows the latest saves). */
  history: (id: string, token?: string) =>
    call<{ revisions: Revision[]; next: string | null }>('GET', `/v1/policies/${enc(id)}/history?limit=100`, {
      ...(token ? { headers: auth(token) } : {}),
    }),
  revisionSource: (id: string, revision: string) =>
    call<{ source: string }>('GET', `/v1/policies/${enc(id)}/history/${enc(revision)}`).then((r) => r.source),
  rollback: (id: string, revision: string, current: string, token: string, author?: string) =>
    call<PolicyDetail>('POST', `/v1/policies/${enc(id)}/rollback`, {
      body: { revision, ...(author ? { author } : {}) },
      headers: { ...auth(token), 'if-match': current },
    }),
};

/** A fact that does not fit the policy: where it is, and why (`code`: the policy's assertion that failed). */
export interface FactProblem {
  pointer: string;
  fact?: string;
  message: string;
  code?: string;
}
