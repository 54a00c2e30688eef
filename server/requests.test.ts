// The OpenAPI document shows, for every route that validates its body with a schema, that very
// schema: the two cannot drift apart again (as `now` once did).
import { describe, expect, it } from 'vitest';
import { openapi } from './openapi.js';
import { VALIDATED_REQUESTS } from './requests.js';

type Schema = Record<string, unknown>;
const schemas = openapi.components.schemas as Record<string, Schema>;
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

describe('the request schemas of the OpenAPI document', () => {
  for (const [path, validated] of Object.entries(VALIDATED_REQUESTS)) {
    it(`${path}: the schema the route validates with`, () => {
      const operation = (
        openapi.paths as Record<string, { post?: { requestBody?: { content: Record<string, { schema: Schema }> } } }>
      )[path];
      const documented = resolve(operation!.post!.requestBody!.content['application/json']!.schema);
      expect(validatedPart(documented)).toEqual(validated);
    });
  }

  it('documents a batch item as the request of one evaluation', () => {
    const batch = resolve(
      (openapi.paths['/v1/evaluate/batch'].post.requestBody.content['application/json'] as { schema: Schema }).schema,
    );
    const items = (batch.properties as Record<string, Schema>).requests!.items as Schema;
    expect(resolve(items)).toBe(VALIDATED_REQUESTS['/v1/evaluate']);
  });
});
