// The JSON Schemas of the request bodies the routes validate with ajv, written once: the routes
// compile them here, and the OpenAPI document (server/openapi.ts) shows these very objects.
import { Ajv, type ErrorObject } from 'ajv';
import { isDateTime } from '../dsl/index.js';

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

/** The request body each route validates with, by path: what the OpenAPI document shows. */
export const VALIDATED_REQUESTS = {
  '/v1/evaluate': EVALUATE_REQUEST,
  '/v1/evaluate/batch': BATCH_REQUEST,
  '/v1/policies/{id}/impact': IMPACT_REQUEST,
} as const;

export const validateEvaluate = ajv.compile(EVALUATE_REQUEST);
export const validateBatch = ajv.compile(BATCH_REQUEST);
export const validateImpact = ajv.compile(IMPACT_REQUEST);

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
