// The OpenAPI description of the service (`GET /openapi.json`). Its schemas are also what the
// integration tests check real responses against, so the description cannot drift.
import { VERSION } from '../version.js';
import { REQUESTS, type RequestRoute } from './requests.js';

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const str = { type: 'string' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const window = {
  type: 'object',
  required: ['target', 'targetText', 'calendar', 'dueAt', 'startsAt', 'status', 'elapsed', 'remaining', 'exceeded', 'source'],
  properties: {
    target: { type: 'string', pattern: '^PT', description: 'ISO 8601 duration of business time' },
    targetText: str,
    calendar: str,
    dueAt: nullable({ type: 'string', format: 'date-time' }),
    startsAt: nullable({ type: 'string', format: 'date-time' }),
    status: nullable({ enum: ['running', 'met', 'breached'] }),
    elapsed: nullable(str),
    remaining: nullable(str),
    exceeded: nullable(str),
    source: str,
  },
};

/** A window the policy declares (`windows:`): its current cycle, or its last. */
const declaredWindow = {
  type: 'object',
  required: [
    'target',
    'targetText',
    'calendar',
    'repeats',
    'startsAt',
    'dueAt',
    'status',
    'nextDueAt',
    'met',
    'breached',
    'source',
  ],
  properties: {
    target: { type: 'string', pattern: '^PT', description: 'ISO 8601 duration of business time' },
    targetText: str,
    calendar: str,
    repeats: {
      type: 'boolean',
      description: 'true: a new cycle starts at each start event after a stop (next reply, periodic update)',
    },
    startsAt: nullable({ type: 'string', format: 'date-time' }),
    dueAt: { ...nullable({ type: 'string', format: 'date-time' }), description: 'when the current (or last) cycle falls due' },
    status: nullable({ enum: ['waiting', 'running', 'paused', 'met', 'breached'] }),
    nextDueAt: {
      ...nullable({ type: 'string', format: 'date-time' }),
      description: "a repeating window's running cycle's due date: when the next reply or update is due",
    },
    met: { type: 'integer', minimum: 0 },
    breached: { type: 'integer', minimum: 0 },
    source: str,
  },
};

const decision = {
  type: 'object',
  required: [
    'decisionId',
    'policy',
    'eligible',
    'reasons',
    'priority',
    'channels',
    'sla',
    'billing',
    'actions',
    'entitlements',
    'trace',
  ],
  properties: {
    decisionId: str,
    policy: {
      type: 'object',
      required: ['id', 'version', 'revision'],
      properties: { id: str, version: str, revision: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
    },
    eligible: {
      ...nullable({ type: 'boolean' }),
      description: 'null when undetermined: no deny rule holds but one needs a fact not given (see missingFacts)',
    },
    reasons: {
      type: 'array',
      items: { type: 'object', required: ['code', 'message', 'source'], properties: { code: str, message: str, source: str } },
    },
    priority: nullable(str),
    tier: nullable(str),
    channels: { ...nullable({ type: 'array', items: str }), description: 'null when a fact the channel rules need is missing' },
    sla: nullable({
      type: 'object',
      required: ['response', 'resolution'],
      properties: { response: nullable(window), resolution: nullable(window) },
    }),
    windows: {
      ...nullable({ type: 'object', additionalProperties: nullable(declaredWindow) }),
      description:
        'present when the policy declares windows: each by name, null when the SLA sets it no target; null when sla is null',
    },
    billing: nullable({
      type: 'object',
      required: ['currency', 'billableMinutes', 'amount', 'tax', 'total', 'balanceAfter', 'notices'],
      properties: {
        currency: str,
        billableMinutes: { type: 'integer' },
        amount: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' },
        tax: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' },
        total: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' },
        balanceAfter: nullable(str),
        notices: {
          type: 'array',
          items: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str, regularizeBy: str } },
        },
        kind: { enum: ['ticket', 'purchase'] },
        plan: str,
        lines: { type: 'array', items: { type: 'object', required: ['label'] } },
      },
    }),
    actions: { type: 'array', items: str },
    entitlements: { type: 'array', items: str },
    missingFacts: { type: 'array', items: str },
    trace: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule', 'source', 'outcome', 'facts'],
        properties: { rule: str, source: str, facts: { type: 'object' }, note: str },
      },
    },
    explanation: {
      description: 'only with `explain: true`: every stage reached and every rule considered, in order',
      type: 'array',
      items: {
        type: 'object',
        required: ['op', 'stage'],
        properties: {
          op: { enum: ['enter', 'eval', 'fail', 'unknown', 'skip'] },
          stage: str,
          parent: {
            description: 'a rule’s: the index of its stage’s enter event; null for enter',
            ...nullable({ type: 'integer' }),
          },
          rule: str,
          source: str,
          facts: { type: 'object' },
          outcome: {},
          note: str,
          reason: { description: 'why a stage was skipped', ...str },
        },
      },
    },
  },
};

const error = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description:
            'stable: bad-request, invalid-request, invalid-json, invalid-facts, invalid-id, too-deep (400); unauthorized (401); forbidden (403); not-found, unknown-policy, unknown-revision (404); method-not-allowed (405, with Allow); request-timeout (408); stale-revision (412); payload-too-large, batch-too-large (413); unsupported-media-type (415); invalid-policy (422); precondition-required (428); too-many-attempts (429); headers-too-large (431); busy, store-unavailable, too-much-work (503); storage-full, storage-denied, storage-failed (507); internal (500)',
        },
        message: str,
        details: {},
      },
    },
  },
};

const diagnostic = {
  type: 'object',
  required: ['code', 'severity', 'message', 'file', 'line', 'column'],
  properties: {
    code: str,
    severity: { enum: ['error', 'warning'] },
    message: str,
    hint: str,
    file: str,
    line: { type: 'integer', minimum: 1 },
    column: { type: 'integer', minimum: 1 },
    endLine: { type: 'integer' },
    endColumn: { type: 'integer' },
  },
};

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });

/**
 * The request schemas, each the very object its route validates with (server/requests.ts),
 * under its name; a batch's items are each an EvaluateRequest (checked one by one by the route).
 */
function requestSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(Object.values(REQUESTS).map((r) => [r.name, r.schema]));
  const batch = REQUESTS['POST /v1/evaluate/batch'].schema;
  out[REQUESTS['POST /v1/evaluate/batch'].name] = {
    ...batch,
    properties: {
      ...batch.properties,
      requests: { ...batch.properties.requests, items: ref(REQUESTS['POST /v1/evaluate'].name) },
    },
  };
  return out;
}

/** A route's request body: its schema from server/requests.ts, by reference. */
const requestBody = (route: RequestRoute) => ({ required: true, ...json(ref(REQUESTS[route].name)) });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: STATUS[c] ?? 'error', ...json(ref('Error')) }]));
/** The 503 of work done on a worker thread within a time limit (server/heavy.ts). */
const heavy503 = {
  503: {
    description: 'the work would take longer than the time limit, queueing included (too-much-work): its worker thread is ended',
    ...json(error),
  },
};
/** A route of the editor's workbench: an edited source and what it answers, worked out on a worker thread. */
const workbench = (route: RequestRoute, summary: string, answer: string) => ({
  post: {
    summary,
    requestBody: requestBody(route),
    responses: {
      200: { description: answer, ...json({ type: 'object', required: ['ok'] }) },
      ...errors(400, 413, 415),
      ...heavy503,
    },
  },
});
const STATUS: Record<number, string> = {
  400: 'the request is not valid (each problem with its JSON pointer), or not valid HTTP/1.1 (bad-request)',
  401: 'no admin token',
  403: 'wrong admin token',
  404: 'unknown policy or revision',
  412: 'the revision given in If-Match is not the current one',
  413: 'the body is too large',
  408: 'the request was not received in time (request-timeout); the connection is closed',
  415: 'the body is not JSON (or YAML for PUT), or in a charset or content encoding the service does not read: JSON in UTF-8; identity, gzip, deflate or br (unsupported-media-type)',
  422: 'the policy has errors (its diagnostics in details)',
  428: 'If-Match is required to change an existing policy',
  431: 'the request line and headers are too large (headers-too-large); the connection is closed',
  429: 'too many failed admin-token attempts from this address; wait the seconds in Retry-After',
  503: 'another save of this policy is in progress; the service has no admin token (admin-token-unset); or, with workers, saved but not yet served by every worker (save-not-served); or the policy database cannot be reached (store-unavailable, with Retry-After)',
  507: 'the policies folder could not be written (disk full, permission denied, I/O error): nothing was saved, the previous revision still serves',
};
/** What any request can get before a route reads it: Node's HTTP parser and the timeouts refuse it. */
const BEFORE_ROUTING = [400, 408, 431];
function withRefusalsBeforeRouting<T extends object>(paths: T): T {
  for (const operations of Object.values(paths) as Record<string, { responses: Record<string, unknown> }>[])
    for (const operation of Object.values(operations))
      operation.responses = {
        ...operation.responses,
        ...errors(...BEFORE_ROUTING.filter((c) => !(String(c) in operation.responses))),
      };
  return paths;
}
/** The `If-Match` header of a write: the revision it replaces. */
const ifMatch = (description: string) => ({ name: 'If-Match', in: 'header', required: false, schema: str, description });
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } };
const admin = [{ adminToken: [] }];

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'support-policy-engine',
    version: VERSION,
    description: 'Evaluate support tickets against support contracts written as policies.',
  },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'SPE_ADMIN_TOKEN, or the token printed at start' },
    },
    schemas: {
      Decision: decision,
      Error: error,
      Diagnostic: diagnostic,
      ...requestSchemas(),
      BatchResponse: {
        type: 'object',
        required: ['results'],
        properties: { results: { type: 'array', items: { anyOf: [ref('Decision'), ref('Error')] } } },
      },
      PolicySummary: {
        type: 'object',
        required: ['id', 'title', 'version', 'revision', 'valid', 'errors', 'warnings'],
        properties: {
          id: str,
          title: nullable(str),
          version: nullable(str),
          revision: str,
          valid: { type: 'boolean' },
          errors: { type: 'integer' },
          warnings: { type: 'integer' },
          serving: nullable(str),
        },
      },
      Policy: {
        type: 'object',
        required: ['id', 'revision', 'source', 'valid', 'diagnostics'],
        properties: {
          id: str,
          revision: str,
          source: str,
          valid: { type: 'boolean' },
          serving: nullable(str),
          diagnostics: { type: 'array', items: ref('Diagnostic') },
          unchanged: { type: 'boolean', description: 'a save of the source already current: nothing written' },
        },
      },
      // `author` only for an admin (a valid bearer token sent with the read).
      Revision: {
        type: 'object',
        required: ['revision', 'savedAt'],
        properties: { revision: str, author: str, savedAt: str, message: str },
      },
      Validation: {
        type: 'object',
        required: ['ok', 'diagnostics'],
        properties: { ok: { type: 'boolean' }, diagnostics: { type: 'array', items: ref('Diagnostic') } },
      },
      Health: {
        type: 'object',
        required: ['status', 'policies'],
        properties: { status: { enum: ['ok', 'degraded'] }, policies: { type: 'integer' }, degraded: { type: 'array' } },
      },
    },
  },
  // A method a path does not take is 405 method-not-allowed with Allow, on every path below.
  paths: withRefusalsBeforeRouting({
    '/v1/evaluate': {
      post: {
        summary: 'Evaluate one ticket',
        requestBody: requestBody('POST /v1/evaluate'),
        responses: { 200: { description: 'the decision', ...json(ref('Decision')) }, ...errors(400, 404, 413, 415, 422) },
      },
    },
    '/v1/evaluate/batch': {
      post: {
        summary: 'Evaluate tickets in order, each its own decision or error',
        requestBody: requestBody('POST /v1/evaluate/batch'),
        responses: { 200: { description: 'results in request order', ...json(ref('BatchResponse')) }, ...errors(400, 413, 415) },
      },
    },
    '/v1/policies': {
      get: {
        summary: 'List the policies',
        responses: {
          200: {
            description: 'the policies',
            ...json({
              type: 'object',
              required: ['policies'],
              properties: { policies: { type: 'array', items: ref('PolicySummary') } },
            }),
          },
        },
      },
    },
    '/v1/policies/{id}': {
      get: {
        summary: 'A policy’s source, revision (also as ETag) and diagnostics',
        parameters: [id],
        responses: { 200: { description: 'the policy', ...json(ref('Policy')) }, ...errors(404) },
      },
      put: {
        summary: 'Save a policy (validated first; atomically; the previous revision kept in history)',
        security: admin,
        parameters: [id, ifMatch('the revision edited; required for an existing policy')],
        requestBody: {
          required: true,
          content: { ...requestBody('PUT /v1/policies/{id}').content, 'application/yaml': { schema: str } },
        },
        responses: {
          200: {
            description: 'saved; `unchanged: true` when the source was already the current revision (no history entry)',
            ...json(ref('Policy')),
          },
          201: { description: 'created', ...json(ref('Policy')) },
          ...errors(400, 401, 403, 412, 413, 415, 422, 428, 429, 503, 507),
        },
      },
    },
    '/v1/policies/{id}/rules': {
      get: {
        summary: 'The policy as json-rules-engine rules',
        parameters: [id],
        responses: { 200: { description: 'the compiled rules', ...json({ type: 'object' }) }, ...errors(404, 422) },
      },
    },
    '/v1/policies/{id}/table': {
      get: {
        summary: "The contract's decision table (as spe table --format json), with the proof of completeness",
        parameters: [id],
        responses: {
          200: {
            description: 'every combination of the deciding enum and boolean facts and its outcome',
            ...json({
              type: 'object',
              required: ['policy', 'facts', 'rows', 'complete', 'gaps', 'proof'],
              properties: { complete: { type: 'boolean' }, proof: str, rows: { type: 'array', items: { type: 'object' } } },
            }),
          },
          ...errors(404, 422, 503),
        },
      },
    },
    '/v1/policies/{id}/history': {
      get: {
        summary: 'Saved revisions, newest first, a page at a time (authors for admins only)',
        parameters: [
          id,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'before', in: 'query', description: "the 'next' cursor of the page before", schema: str },
        ],
        responses: {
          200: {
            description: 'one page of revisions',
            ...json({
              type: 'object',
              required: ['revisions', 'next'],
              properties: {
                revisions: { type: 'array', items: ref('Revision') },
                next: nullable(str),
                skipped: {
                  type: 'array',
                  items: { type: 'object', required: ['entry', 'reason'], properties: { entry: str, reason: str } },
                },
              },
            }),
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    '/v1/policies/{id}/history/{revision}': {
      get: {
        summary: 'The source of one revision',
        parameters: [id, { name: 'revision', in: 'path', required: true, schema: str }],
        responses: { 200: { description: 'the source', ...json({ type: 'object' }) }, ...errors(404) },
      },
    },
    '/v1/policies/{id}/rollback': {
      post: {
        summary: 'Restore an earlier revision as a new save',
        security: admin,
        parameters: [
          id,
          ifMatch('the revision being replaced; required for an existing policy (428 without it, 412 when stale)'),
        ],
        requestBody: requestBody('POST /v1/policies/{id}/rollback'),
        responses: {
          200: { description: 'restored', ...json(ref('Policy')) },
          ...errors(400, 401, 403, 404, 412, 422, 428, 429, 503, 507),
        },
      },
    },
    '/v1/policies/{id}/impact': {
      post: {
        summary:
          'What a draft would change: the tickets (default: the policy’s sample tickets) decided by the draft and by an earlier revision, the changes counted per field',
        parameters: [id],
        requestBody: requestBody('POST /v1/policies/{id}/impact'),
        responses: {
          200: {
            description: 'the impact summary of `spe impact`, with the revisions compared and the report’s details',
            ...json({
              type: 'object',
              required: ['tickets', 'changed', 'byField', 'billingDelta', 'errors'],
              properties: {
                tickets: { type: 'integer' },
                changed: { type: 'integer' },
                byField: { type: 'object', additionalProperties: { type: 'integer' } },
                billingDelta: { type: 'object', additionalProperties: str },
                errors: { type: 'integer' },
                from: str,
                to: str,
                sample: { type: 'boolean' },
                skipped: {
                  type: 'object',
                  description:
                    'decision log lines given as tickets and not replayed: of another policy, or with personal facts masked',
                  properties: { 'other-policy': { type: 'integer' }, masked: { type: 'integer' } },
                },
                details: { type: 'object' },
              },
            }),
          },
          ...errors(400, 404, 413, 415, 422, 503),
        },
      },
    },
    '/v1/validate': {
      post: {
        summary: 'Validate a policy source',
        requestBody: requestBody('POST /v1/validate'),
        responses: { 200: { description: 'diagnostics', ...json(ref('Validation')) }, ...errors(400, 413, 415), ...heavy503 },
      },
    },
    '/v1/try': workbench(
      'POST /v1/try',
      'Evaluate facts against an edited, unsaved source (the editor’s try-it panel), with pictures of the SLA windows',
      'the decision and timelines, or the source’s diagnostics',
    ),
    '/v1/test': workbench(
      'POST /v1/test',
      'Run the tests of an edited, unsaved source',
      'results and rule coverage, or the source’s diagnostics',
    ),
    '/v1/events': {
      get: {
        summary:
          "Server-sent events: 'changed' with { id, revision } whenever a policy's text changes (a save on any worker, a file changed on disk)",
        parameters: [{ name: 'policy', in: 'query', description: 'only the changes of this policy', schema: { type: 'string' } }],
        responses: {
          200: { description: 'an event stream', content: { 'text/event-stream': { schema: str } } },
          // Its own words: the shared 503 text speaks of saves.
          503: { description: 'the most streams this server keeps open are open (busy, with Retry-After)', ...json(error) },
        },
      },
    },
    '/v1/schema': {
      get: {
        summary: 'The JSON Schema of policy files',
        responses: { 200: { description: 'the schema', ...json({ type: 'object' }) } },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness; degraded when a policy file on disk is invalid (its last good revision keeps serving)',
        responses: { 200: { description: 'health', ...json(ref('Health')) } },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: str } } } },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', ...json({ type: 'object' }) } } },
    },
  }),
} as const;
