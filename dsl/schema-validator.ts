// Compiles the policy JSON Schema with ajv. The CLI's build replaces this module with ajv's
// standalone code generated from the same schema, so `spe` does not compile it at every start.
import { Ajv, type ValidateFunction } from 'ajv';
import { policySchema } from './schema.js';

export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

export function compileSchemaValidator(): ValidateFunction {
  return new Ajv(AJV_OPTIONS).compile(policySchema);
}
