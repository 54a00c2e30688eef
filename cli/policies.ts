// Loading one policy for the evaluator commands: by id in the policies folder, or by file path.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../dsl/index.js';
import { type CompiledPolicy, compileSource } from '../engine/index.js';
import { UsageError } from './common.js';

/** A policy argument: a file path if one exists, else an id looked up as `<dir>/<id>.yaml`. */
export function resolvePolicy(arg: string, policiesDir: string): string {
  if (existsSync(arg) && statSync(arg).isFile()) return arg;
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg)) {
    for (const ext of ['.yaml', '.yml']) {
      const file = join(policiesDir, `${arg}${ext}`);
      if (existsSync(file)) return file;
    }
  }
  throw new UsageError(`no policy '${arg}': not a file, and not an id in ${policiesDir}`);
}

/** Loads and compiles a policy (its source given, or read); a policy with errors is a usage error that lists them. */
export async function loadCompiled(file: string, given?: string): Promise<CompiledPolicy> {
  let source: string;
  try {
    source = given ?? readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const result = await compileSource(source, file);
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new UsageError(
      `${file} has errors; fix them first (spe validate ${file}):\n${errors.map((d) => formatDiagnostic(d)).join('\n')}`,
    );
  }
  return result.compiled;
}
