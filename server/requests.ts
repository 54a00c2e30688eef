// The JSON Schemas of the request bodies the routes validate with ajv, written once: the routes
// compile them here, and the OpenAPI document (server/openapi.ts) shows these very objects.
import { Ajv, type ErrorObject } from 'ajv';
import { isDateTime } from '../dsl/index.js';
import { HttpError } from './errors.js';

const ajv = new Ajv({ allErrors: true, strict: false });
// Read as everywhere else (dsl/datetime.ts): RFC 3339 with its offset, a real date, hours 00–23.
ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
const MAX_FACTS = 256;

// A time the clock can read: hour 25 or month 13 would fail deep in evaluation, as a 500.
const now = { type: 'string', format: 'date-time' } as const;

/** `POST /v1/evaluate`, and each item of a batch. */
export const EVALUATE_REQUEST = {
  type: 'object',
  required: ['policy', 'facts'],
  additionalProperties: false,
  properties: {
    policy: { type: 'string', minLength: 1, maxLength: 64 },
    // No policy declares hundreds of facts; more entries would only make the answer huge.
    facts: { type: 'object', maxProperties: MAX_FACTS },
    now,
    trace: { type: 'boolean' },
    // Every stage reached and every rule considered, with what each read (default: none).
    explain: { type: 'boolean' },
  },
} as const;

/**
 * `POST /v1/evaluate/batch`. Its items are checked one by one against EVALUATE_REQUEST (so each
 * gets its own error in its place), not by this schema; the count by the route (413).
 */
export const BATCH_REQUEST = {
  type: 'object',
  required: ['requests'],
  additionalProperties: false,
  properties: { requests: { type: 'array' }, now },
} as const;

/** Most tickets one impact request may name: a run over more belongs to `spe impact`. */
export const MAX_IMPACT_TICKETS = 10_000;

/**
 * `POST /v1/policies/:id/impact`: the draft (`source`, default the saved revision) against
 * `from` (default the saved revision), on the tickets given or the policy's sample tickets.
 */
export const IMPACT_REQUEST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string' },
    from: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    tickets: { type: 'array', maxItems: MAX_IMPACT_TICKETS, items: { type: 'object', maxProperties: MAX_FACTS } },
    now,
  },
} as const;

/** A policy's source, as the workbench and `PUT /v1/policies/:id` send it. */
const source = { type: 'string' } as const;
/** The file name diagnostics name (default `policy.yaml`). */
const file = { type: 'string', minLength: 1, maxLength: 255 } as const;
const author = { type: 'string', maxLength: 200 } as const;

/** `POST /v1/validate`: diagnostics for a source. */
export const VALIDATE_REQUEST = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: { source, file },
} as const;

/** `POST /v1/try`: facts evaluated against an edited, unsaved source. */
export const TRY_REQUEST = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: { source, file, facts: { type: 'object', maxProperties: MAX_FACTS }, now },
} as const;

/** `POST /v1/test`: the tests of an edited, unsaved source. */
export const TEST_REQUEST = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: { source, file },
} as const;

/** `PUT /v1/policies/:id` as JSON (as YAML, the body is the source itself). */
export const SAVE_REQUEST = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: { source, author, message: { type: 'string', maxLength: 2000 } },
} as const;

/** `POST /v1/policies/:id/rollback`: the revision to restore. */
export const ROLLBACK_REQUEST = {
  type: 'object',
  required: ['revision'],
  additionalProperties: false,
  properties: { revision: { type: 'string', minLength: 1 }, author },
} as const;

/**
 * Every route's JSON request body, by `METHOD /path` as the OpenAPI document names it: the name
 * of its schema there and the schema itself. The routes validate with these; the document shows them.
 */
export const REQUESTS = {
  'POST /v1/evaluate': { name: 'EvaluateRequest', schema: EVALUATE_REQUEST },
  'POST /v1/evaluate/batch': { name: 'BatchRequest', schema: BATCH_REQUEST },
  'PUT /v1/policies/{id}': { name: 'SaveRequest', schema: SAVE_REQUEST },
  'POST /v1/policies/{id}/rollback': { name: 'RollbackRequest', schema: ROLLBACK_REQUEST },
  'POST /v1/policies/{id}/impact': { name: 'ImpactRequest', schema: IMPACT_REQUEST },
  'POST /v1/validate': { name: 'ValidateRequest', schema: VALIDATE_REQUEST },
  'POST /v1/try': { name: 'TryRequest', schema: TRY_REQUEST },
  'POST /v1/test': { name: 'TestRequest', schema: TEST_REQUEST },
} as const;

export type RequestRoute = keyof typeof REQUESTS;

const validators = new Map(Object.entries(REQUESTS).map(([route, r]) => [route, ajv.compile(r.schema)]));
/** A batch's items are checked one by one with this, each error placed under its item. */
export const validateEvaluate = validators.get('POST /v1/evaluate')!;

/**
 * A route's body checked against its schema: the body, or a 400 invalid-request naming each
 * problem's place. Not an object at all: a 400 that says so.
 */
export function validBody(route: RequestRoute, body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'invalid-request', 'the body must be a JSON object', [
      { pointer: '', message: 'expected an object' },
    ]);
  const validate = validators.get(route)!;
  if (!validate(body)) throw new HttpError(400, 'invalid-request', 'the request is not valid', problems(validate.errors));
  return body as unknown as Record<string, unknown>;
}

/** ajv's errors as `{ pointer, message }`, the pointer relative to the request body. */
export function problems(errors: ErrorObject[] | null | undefined, prefix = ''): { pointer: string; message: string }[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'required')
      return {
        pointer: `${prefix}${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`,
        message: 'is required',
      };
    if (e.keyword === 'additionalProperties') {
      return {
        pointer: `${prefix}${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`,
        message: 'is not a field of this request',
      };
    }
    // The only formats of a request are times: say what is wanted.
    if (e.keyword === 'format' && e.instancePath.endsWith('/now'))
      return {
        pointer: `${prefix}${e.instancePath}`,
        message: 'should be a date and time with its offset, like 2026-03-09T10:00:00+01:00',
      };
    return { pointer: `${prefix}${e.instancePath}`, message: e.message ?? 'is not valid' };
  });
}
