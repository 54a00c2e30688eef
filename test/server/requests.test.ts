// The OpenAPI document shows, for every route that takes a JSON body, the very schema the route
// validates with (server/requests.ts): the two cannot drift apart again (as `now` once did).
import { describe, expect, it } from 'vitest';
import { openapi } from '../../server/openapi.js';
import { REQUESTS } from '../../server/requests.js';

type Schema = Record<string, unknown>;
type Operation = { requestBody?: { content: Record<string, { schema: Schema }> } };
const schemas = openapi.components.schemas as Record<string, Schema>;
const paths = openapi.paths as Record<string, Record<string, Operation>>;
const resolve = (s: Schema): Schema => (typeof s.$ref === 'string' ? schemas[s.$ref.replace('#/components/schemas/', '')]! : s);

/** The schema without what only documents checks made elsewhere: a list's items checked one by one. */
function validatedPart(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'items' && typeof (v as Schema).$ref === 'string') continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? validatedPart(v as Schema) : v;
  }
  return out;
}

/** Every operation of the document with a JSON request body, as `METHOD /path`. */
const documented = Object.entries(paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([, op]) => op.requestBody?.content['application/json'] !== undefined)
    .map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.requestBody!.content['application/json']!.schema] as const),
);

describe('the request schemas of the OpenAPI document', () => {
  for (const [route, { schema }] of Object.entries(REQUESTS)) {
    it(`${route}: the schema the route validates with`, () => {
      const found = documented.find(([r]) => r === route);
      expect(found, `${route} is documented with a JSON body`).toBeDefined();
      expect(validatedPart(resolve(found![1]))).toEqual(schema);
    });
  }

  it('has no request body written by hand: each is one of server/requests.ts', () => {
    expect(documented.map(([route]) => route).sort()).toEqual(Object.keys(REQUESTS).sort());
    // The eight routes that take a JSON body.
    expect(documented).toHaveLength(8);
  });

  it('documents a batch item as the request of one evaluation', () => {
    const batch = resolve(documented.find(([r]) => r === 'POST /v1/evaluate/batch')![1]);
    const items = (batch.properties as Record<string, Schema>).requests!.items as Schema;
    expect(resolve(items)).toBe(REQUESTS['POST /v1/evaluate'].schema);
  });
});
