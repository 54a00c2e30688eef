// The HTTP service (express): serves the policies folder and validates policy sources for the
// editor and for CI. Every error is `{ error: { code, message, details? } }` with its status.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import {
  type CheckOptions,
  type Diagnostic,
  type HolidayCatalog,
  loadHolidayCatalog,
  loadPolicy,
  mentionsHolidays,
  policySchema,
} from '../dsl/index.js';

export interface AppOptions {
  policiesDir: string;
  /** Largest accepted JSON body. */
  bodyLimit?: string;
}

/** Policy ids are file names without `.yaml`: lower-case words, so no id can reach outside the folder. */
const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function sendError(res: Response, e: HttpError): void {
  res
    .status(e.status)
    .json({ error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } });
}

export const revisionOf = (source: string) => `sha256:${createHash('sha256').update(source).digest('hex')}`;

export function createApp(options: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet());

  let holidays: Promise<HolidayCatalog> | undefined;
  async function check(source: string, file: string) {
    const opts: CheckOptions = {};
    if (mentionsHolidays(source)) opts.holidays = await (holidays ??= loadHolidayCatalog());
    return loadPolicy(source, file, opts);
  }

  async function readPolicy(id: string): Promise<{ file: string; source: string }> {
    if (!POLICY_ID.test(id)) throw new HttpError(404, 'unknown-policy', `no policy '${id}'`);
    for (const ext of ['.yaml', '.yml']) {
      const file = join(options.policiesDir, `${id}${ext}`);
      try {
        return { file, source: await readFile(file, 'utf8') };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new HttpError(404, 'unknown-policy', `no policy '${id}'`);
  }

  // JSON bodies only: anything else is refused before it is read.
  const json: RequestHandler[] = [
    (req, _res, next) =>
      next(
        req.is('application/json')
          ? undefined
          : new HttpError(415, 'unsupported-media-type', 'send the body as application/json'),
      ),
    express.json({ limit: options.bodyLimit ?? '1mb', strict: true }),
  ];

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/v1/schema', (_req, res) => {
    res.json(policySchema);
  });

  app.get('/v1/policies', async (_req, res) => {
    const names = (await readdir(options.policiesDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    const policies = [];
    for (const name of names) {
      const id = name.replace(/\.ya?ml$/, '');
      if (!POLICY_ID.test(id)) continue;
      const file = join(options.policiesDir, name);
      const source = await readFile(file, 'utf8');
      const result = await check(source, file);
      policies.push({
        id,
        title: result.policy?.title ?? null,
        version: result.policy?.version ?? null,
        revision: revisionOf(source),
        valid: result.ok,
        errors: result.diagnostics.filter((d) => d.severity === 'error').length,
        warnings: result.diagnostics.filter((d) => d.severity === 'warning').length,
      });
    }
    res.json({ policies });
  });

  app.get('/v1/policies/:id', async (req, res) => {
    const { file, source } = await readPolicy(req.params.id);
    const result = await check(source, file);
    const revision = revisionOf(source);
    res.setHeader('ETag', `"${revision}"`);
    res.json({ id: req.params.id, revision, source, valid: result.ok, diagnostics: result.diagnostics.map(publicDiagnostic) });
  });

  app.post('/v1/validate', ...json, async (req, res) => {
    const body = req.body as { source?: unknown; file?: unknown } | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'invalid-request', 'the body must be a JSON object', [
        { pointer: '', message: 'expected an object' },
      ]);
    }
    const problems = [];
    if (typeof body.source !== 'string') problems.push({ pointer: '/source', message: 'expected the policy source as a string' });
    if (body.file !== undefined && typeof body.file !== 'string')
      problems.push({ pointer: '/file', message: 'expected a file name' });
    if (problems.length) throw new HttpError(400, 'invalid-request', 'the request is not valid', problems);
    const result = await check(body.source as string, typeof body.file === 'string' ? body.file : 'policy.yaml');
    res.json({ ok: result.ok, diagnostics: result.diagnostics.map(publicDiagnostic) });
  });

  app.use((req, _res, next) => next(new HttpError(404, 'not-found', `no route ${req.method} ${req.path}`)));

  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err);
    const e = err as { type?: string; status?: number; message?: string };
    // body-parser's errors carry a type and a 4xx status.
    if (e.type === 'entity.too.large')
      return sendError(res, new HttpError(413, 'payload-too-large', 'the request body is too large'));
    if (e.type === 'entity.parse.failed') return sendError(res, new HttpError(400, 'invalid-json', 'the body is not valid JSON'));
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, new HttpError(e.status, 'bad-request', e.message ?? 'bad request'));
    }
    console.error(err);
    sendError(res, new HttpError(500, 'internal', 'internal error'));
  };
  app.use(onError);
  return app;
}

/** A diagnostic as the API shows it: flat, with 1-based positions. */
export function publicDiagnostic(d: Diagnostic) {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    file: d.span.file,
    line: d.span.line,
    column: d.span.column,
    endLine: d.span.endLine,
    endColumn: d.span.endColumn,
  };
}
