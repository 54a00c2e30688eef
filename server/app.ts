// The HTTP service (express): evaluation, the policy store with history, validation, health,
// metrics and the OpenAPI document. Every error is `{ error: { code, message, details? } }` with
// its status; no request produces a 500 except a bug.
import type { IncomingMessage, ServerResponse } from 'node:http';
import bytes from 'bytes';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { type Diagnostic, policySchema } from '../dsl/index.js';
import { type CompiledPolicy, type Decision, type EvaluationResult, evaluate, rulesJson } from '../engine/index.js';
import { BATCH_ON_MAIN_THREAD, type HeavyTask, HeavyWork, MAIN_THREAD_BUDGET_MS, TABLE_TIME_LIMIT_MS } from './heavy.js';
import { type AuthError, FailedAuthLimit, type TokenSource, requireAdmin } from './auth.js';
import type { WorkerLink } from './cluster.js';
import type { Metrics } from './metrics.js';
import { openapi } from './openapi.js';
import { HttpError, answerFor, asHttp } from './errors.js';
import { evaluationLane } from './lane.js';
import { impactRoute } from './impact.js';
import { problems, validBody, validateEvaluate } from './requests.js';
import { HISTORY_PAGE } from './store.js';
import type { Store } from './stores.js';
import { detail, publicDiagnostic, saved, summary } from './views.js';
import { serveEditor } from './editor-static.js';
import { type EventStreams, eventStreams } from './events.js';
import type { DecisionLog } from './decision-log.js';

type EvaluateBody = { policy: string; facts: unknown; now?: string; trace?: boolean; explain?: boolean };

export interface AppOptions {
  store: Store;
  /** The admin bearer token writes need (a function: read at every request, so it can be rotated). */
  token: TokenSource;
  /** Failed admin-token attempts allowed per client address (default: 10 a minute). */
  authLimit?: FailedAuthLimit;
  metrics: Metrics;
  logger: Logger;
  /** Largest accepted body. */
  bodyLimit?: string;
  /** Most requests in one batch. */
  maxBatch?: number;
  /** The built web editor (vite's output), served at /editor/ when present. */
  editorDir?: string;
  /** Which proxies' X-Forwarded-For names the client (for the failed-token limit); default: none. */
  trustProxy?: TrustProxy;
  /** In a cluster worker: metrics of every worker, and saves acknowledged once every worker serves them. */
  cluster?: Pick<WorkerLink, 'metrics' | 'published'>;
  /** The worker threads of heavy requests (`/v1/test`, `/v1/try`, big batches); default: a pool of its own. */
  heavy?: HeavyWork;
  /** Where every decision served is logged with its facts (`--decision-log`); default: nowhere. */
  decisionLog?: DecisionLog;
  /** `/v1/events` streams open at once, at most (default: MAX_STREAMS). */
  maxEventStreams?: number;
}

/** express's `trust proxy`: a number of hops, or addresses and subnets (`loopback`, `10.0.0.0/8`, …). */
export type TrustProxy = boolean | number | string;

/** `--trust-proxy` / SPE_TRUST_PROXY as express takes it; throws on a value express would refuse. */
export function trustProxySetting(text: string): TrustProxy {
  const value: TrustProxy = text === 'true' ? true : text === 'false' ? false : /^\d+$/.test(text) ? Number(text) : text;
  express().set('trust proxy', value);
  return value;
}

function sendError(res: Response, e: HttpError): void {
  for (const [name, value] of Object.entries(e.headers ?? {})) res.setHeader(name, value);
  res
    .status(e.status)
    .json({ error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } });
}

/** Problems listed per item of a batch: a 1 MB batch must not answer with tens of megabytes. */
const MAX_BATCH_PROBLEMS = 20;

const MAX_DEPTH = 64;
const tooDeep = () => new HttpError(400, 'too-deep', `the body nests more than ${MAX_DEPTH} levels deep`);

/** How deeply a parsed JSON value nests (arrays and objects), counted without recursion up to `cap` + 1. */
export function nestingDepth(value: unknown, cap: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const idOf = (req: Request) => String((req.params as Record<string, unknown>).id ?? '');
const revisionFrom = (header: string | undefined) =>
  header
    ?.trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1') || undefined;

/**
 * The service: the express app, and the lane that serves `POST /v1/evaluate` (the route every
 * ticket takes) ahead of it. Put in front of the app as `(req, res) => lane(req, res) || app(req, res)`.
 */
export function createService(options: AppOptions): {
  app: express.Express;
  lane: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The open `/v1/events` streams, ended when the server closes. */
  events: EventStreams;
} {
  const { store, metrics, logger } = options;
  const events = eventStreams(store, undefined, options.maxEventStreams);
  const maxBatch = options.maxBatch ?? 1000;
  const heavy = options.heavy ?? new HeavyWork();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Read by the admin routes only (the failed-token limit's client address); the evaluation lane needs no address.
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(helmet());

  // Requests by route and status, with latency; the route is the pattern, never the raw path.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      metrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.latency.observe({ route, method: req.method }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  });

  const limit = options.bodyLimit ?? '1mb';
  const jsonOnly: RequestHandler = (req, _res, next) =>
    next(
      req.is('application/json') ? undefined : new HttpError(415, 'unsupported-media-type', 'send the body as application/json'),
    );
  // Nothing a policy or a ticket says needs deep nesting; a deep body would only exhaust the stack
  // of whatever walks it later.
  const shallow: RequestHandler = (req, _res, next) =>
    next(nestingDepth(req.body, MAX_DEPTH) > MAX_DEPTH ? tooDeep() : undefined);
  const json = [jsonOnly, express.json({ limit, strict: true }), shallow];

  const admin = requireAdmin(
    options.token,
    (e: AuthError) =>
      new HttpError(e.status, e.code, e.message, undefined, e.retryAfter ? { 'retry-after': String(e.retryAfter) } : undefined),
    options.authLimit ?? new FailedAuthLimit(),
    // Who was refused and why, never what they sent.
    (client, e) => logger.warn({ client, code: e.code }, 'admin token refused'),
  );

  /** With workers, a save is acknowledged once every worker serves it: a read right after sees it, whichever worker answers. */
  async function published(id: string, revision: string): Promise<void> {
    if (!options.cluster || (await options.cluster.published(id))) return;
    throw new HttpError(
      503,
      'save-not-served',
      `saved as revision ${revision}, but not every worker serves it yet: a read may see the previous revision for a few seconds`,
      { revision },
      { etag: `"${revision}"` },
    );
  }

  /** A refusal of facts, its pointers inside the request (`now` is the request's own field). */
  const invalidFacts = (result: Extract<EvaluationResult, { ok: false }>) =>
    new HttpError(
      400,
      'invalid-facts',
      'the facts do not fit the policy',
      result.problems.map((p) => ({ ...p, pointer: p.fact === 'now' && p.pointer === '' ? '/now' : `/facts${p.pointer}` })),
    );

  /** A decision made (here or in a worker): counted, logged and returned; refused facts thrown as 400. */
  function decided(compiled: CompiledPolicy, result: EvaluationResult, ms: number, facts: unknown, now?: string): Decision {
    if (!result.ok) throw invalidFacts(result);
    const d = result.decision;
    metrics.decisions.inc({ policy: compiled.id, eligible: String(d.eligible), priority: d.priority ?? 'none' });
    options.decisionLog?.write(compiled, facts, d, now);
    // On standard output, the decision log's line says it all: one line per decision.
    if (options.decisionLog?.target === '-') return d;
    logger.info(
      {
        decisionId: d.decisionId,
        policy: compiled.id,
        revision: compiled.revision,
        eligible: d.eligible,
        reasons: d.reasons.map((r) => r.code),
        tier: d.tier,
        priority: d.priority,
        dueAt: d.sla?.response?.dueAt ?? null,
        total: d.billing?.total ?? null,
        ms: Number(ms.toFixed(3)),
      },
      'decision',
    );
    return d;
  }

  function decide(body: EvaluateBody, now?: string): Decision {
    const compiled = store.compiled(body.policy);
    const start = performance.now();
    const at = body.now ?? now;
    const result: EvaluationResult = evaluate(compiled, body.facts, {
      ...(at ? { now: at } : {}),
      trace: body.trace !== false,
      ...(body.explain === true ? { explain: true } : {}),
    });
    return decided(compiled, result, performance.now() - start, body.facts, at);
  }

  app.get('/healthz', (_req, res) => {
    const health = store.health();
    res.json({
      status: health.ok ? 'ok' : 'degraded',
      policies: store.list().length,
      ...(health.store ? { store: { kind: store.kind, ...health.store } } : {}),
      ...(health.ok
        ? {}
        : { degraded: health.degraded.map((d) => ({ ...d, diagnostics: d.diagnostics.map(publicDiagnostic) })) }),
    });
  });

  app.get('/metrics', async (_req, res) => {
    // With workers, one worker answers the scrape: it asks the primary to add up every worker's.
    res.type(metrics.registry.contentType).send(await (options.cluster?.metrics() ?? metrics.registry.metrics()));
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.get('/v1/schema', (_req, res) => {
    res.json(policySchema);
  });

  /** The route every ticket takes, from a parsed body to its decision: the evaluation lane calls it too. */
  function evaluateRequest(parsed: unknown): Decision {
    if (nestingDepth(parsed, MAX_DEPTH) > MAX_DEPTH) throw tooDeep();
    return decide(validBody('POST /v1/evaluate', parsed) as unknown as EvaluateBody);
  }

  // The depth is checked by evaluateRequest, in the order `shallow` would.
  app.post('/v1/evaluate', jsonOnly, express.json({ limit, strict: true }), (req, res) => {
    res.json(evaluateRequest(req.body));
  });

  /** A batch item's error as the batch shows it: pointers inside the batch, at most MAX_BATCH_PROBLEMS problems. */
  function itemError(caught: unknown, i: number) {
    const e = asHttp(caught);
    const err = e instanceof HttpError ? e : null;
    if (!err) throw e;
    let details =
      err.code === 'invalid-facts'
        ? (err.details as { pointer: string }[]).map((p) => ({ ...p, pointer: `/requests/${i}${p.pointer}` }))
        : err.details;
    let message = err.message;
    if (Array.isArray(details) && details.length > MAX_BATCH_PROBLEMS) {
      message = `${message} (the first ${MAX_BATCH_PROBLEMS} of ${details.length} problems)`;
      details = details.slice(0, MAX_BATCH_PROBLEMS);
    }
    return { error: { code: err.code, message, ...(details === undefined ? {} : { details }) } };
  }

  app.post('/v1/evaluate/batch', ...json, async (req, res) => {
    const body = validBody('POST /v1/evaluate/batch', req.body);
    const requests = body.requests as unknown[];
    if (requests.length > maxBatch)
      throw new HttpError(413, 'batch-too-large', `at most ${maxBatch} requests in one batch (got ${requests.length})`);
    // Each item checked here (request shape, policy known); the evaluations here too when few.
    const results: unknown[] = new Array(requests.length);
    const toDecide: { i: number; item: EvaluateBody; compiled: CompiledPolicy }[] = [];
    requests.forEach((item, i) => {
      try {
        if (!validateEvaluate(item))
          throw new HttpError(
            400,
            'invalid-request',
            'the request is not valid',
            problems(validateEvaluate.errors, `/requests/${i}`),
          );
        toDecide.push({
          i,
          item: item as unknown as EvaluateBody,
          compiled: store.compiled((item as unknown as EvaluateBody).policy),
        });
      } catch (e) {
        results[i] = itemError(e, i);
      }
    });
    const batchNow = body.now as string | undefined;
    // A few items are decided here while they take little time (a cold, far-dated decision can
    // take tens of ms); many items, or the rest of a slow few, go to a worker thread.
    let done = 0;
    if (toDecide.length <= BATCH_ON_MAIN_THREAD) {
      const began = performance.now();
      for (; done < toDecide.length && performance.now() - began < MAIN_THREAD_BUDGET_MS; done++) {
        const { i, item } = toDecide[done]!;
        try {
          results[i] = decide(item, batchNow);
        } catch (e) {
          results[i] = itemError(e, i);
        }
      }
      if (done === toDecide.length) return void res.json({ results });
    }
    const rest = toDecide.slice(done);
    // In a worker, with the time limit. The policies go as the revisions serving now.
    const policies: Record<string, { source: string; file: string }> = {};
    for (const { item, compiled } of rest) {
      const serving = store.get(item.policy).serving;
      if (serving) policies[compiled.revision] = { source: serving.source, file: `policies/${item.policy}.yaml` };
    }
    const task: HeavyTask = {
      kind: 'batch',
      policies,
      items: rest.map(({ item, compiled }) => {
        const at = item.now ?? batchNow;
        const explain = item.explain === true ? { explain: true } : {};
        return {
          revision: compiled.revision,
          facts: item.facts,
          ...(at ? { now: at } : {}),
          trace: item.trace !== false,
          ...explain,
        };
      }),
    };
    const start = performance.now();
    const answer = await heavy.run(task);
    const evaluated = 'results' in answer ? answer.results : [];
    const ms = (performance.now() - start) / Math.max(1, rest.length);
    rest.forEach(({ i, compiled, item }, k) => {
      try {
        results[i] = decided(compiled, evaluated[k]!, ms, item.facts, item.now ?? batchNow);
      } catch (e) {
        results[i] = itemError(e, i);
      }
    });
    res.json({ results });
  });

  app.get('/v1/policies', (_req, res) => {
    res.json({ policies: store.list().map(summary) });
  });

  // Server-sent events: `changed` with { id, revision } whenever a policy's text changes.
  app.get('/v1/events', events.handle);

  app.get('/v1/policies/:id', (req, res) => {
    const entry = store.get(idOf(req));
    res.setHeader('ETag', `"${entry.revision}"`);
    res.json(detail(entry));
  });

  app.get('/v1/policies/:id/rules', (req, res) => {
    res.json(rulesJson(store.compiled(idOf(req))));
  });

  // The contract's decision table (`spe table`): hundreds of evaluations, so in a worker.
  app.get('/v1/policies/:id/table', async (req, res) => {
    const id = idOf(req);
    const compiled = store.compiled(id);
    const source = store.get(id).serving?.source ?? '';
    const answer = await heavy.run({ kind: 'table', revision: compiled.revision, source, file: `policies/${id}.yaml` }, TABLE_TIME_LIMIT_MS);
    res.set('ETag', `"${compiled.revision}"`).json('body' in answer ? answer.body : {});
  });

  // A read that shows more to an admin (who saved each revision). A token, when sent, is checked
  // as for a write — refused and counted when wrong — never ignored: an answer that differed with
  // a right guess would be a way to guess tokens past the failed-attempts limit.
  const adminIfSent: RequestHandler = (req, res, next) => {
    if (req.get('authorization') === undefined) return next();
    admin(req, res, (err?: unknown) => {
      if (err === undefined) res.locals.admin = true;
      next(err);
    });
  };

  app.get('/v1/policies/:id/history', adminIfSent, async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const wrong: { parameter: string; message: string }[] = [];
    let limit: number = HISTORY_PAGE.default;
    if (query.limit !== undefined) {
      limit = typeof query.limit === 'string' && /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : 0;
      if (limit < 1 || limit > HISTORY_PAGE.max)
        wrong.push({ parameter: 'limit', message: `expected a whole number from 1 to ${HISTORY_PAGE.max}` });
    }
    if (query.before !== undefined && typeof query.before !== 'string')
      wrong.push({ parameter: 'before', message: 'expected one cursor' });
    if (wrong.length) throw new HttpError(400, 'invalid-request', 'the request is not valid', wrong);
    const page = await store.history(idOf(req), {
      limit,
      ...(typeof query.before === 'string' ? { before: query.before } : {}),
    });
    const isAdmin = res.locals.admin === true;
    res.json({
      // Who saved what is for admins: anyone may read the contract, not who changed it.
      revisions: page.revisions.map(({ author, ...r }) => (isAdmin ? { ...r, author } : r)),
      next: page.next,
      ...(page.skipped.length ? { skipped: page.skipped } : {}),
    });
  });

  app.get('/v1/policies/:id/history/:revision', async (req, res) => {
    store.get(idOf(req));
    res.json({
      id: idOf(req),
      revision: String(req.params.revision),
      source: await store.revisionSource(idOf(req), String(req.params.revision)),
    });
  });

  // A save accepts JSON { source, author?, message? } or the YAML itself (curl --data-binary @file).
  const sourceBody: RequestHandler[] = [
    admin,
    (req, _res, next) =>
      next(
        req.is(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'])
          ? undefined
          : new HttpError(
              415,
              'unsupported-media-type',
              'send the policy as application/json { "source": … } or as application/yaml',
            ),
      ),
    express.json({ limit, strict: true }),
    express.text({ limit, type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'] }),
  ];

  app.put('/v1/policies/:id', ...sourceBody, async (req, res) => {
    let source: unknown;
    let author = req.get('x-author') ?? 'admin';
    let message: string | undefined;
    if (typeof req.body === 'string') source = req.body;
    else {
      const body = validBody('PUT /v1/policies/{id}', req.body);
      source = body.source;
      if (typeof body.author === 'string' && body.author) author = body.author;
      if (typeof body.message === 'string') message = body.message;
    }
    const existed = store.list().some((e) => e.id === idOf(req));
    const entry = await store.save(idOf(req), source as string, {
      ifMatch: revisionFrom(req.get('if-match')),
      author,
      ...(message ? { message } : {}),
    });
    if (entry.unchanged) logger.info({ policy: entry.id, revision: entry.revision, author }, 'policy saved unchanged');
    else logger.info({ policy: entry.id, revision: entry.revision, author }, 'policy saved');
    await published(entry.id, entry.revision);
    res
      .status(existed ? 200 : 201)
      .setHeader('ETag', `"${entry.revision}"`)
      .json(saved(entry));
  });

  app.post('/v1/policies/:id/rollback', admin, ...json, async (req, res) => {
    const body = validBody('POST /v1/policies/{id}/rollback', req.body) as { revision: string; author?: string };
    const author = typeof body.author === 'string' && body.author ? body.author : (req.get('x-author') ?? 'admin');
    // As for a save: the revision the admin looked at, so a save made since is not overwritten.
    const entry = await store.rollback(idOf(req), body.revision, { ifMatch: revisionFrom(req.get('if-match')), author });
    logger.info(
      { policy: entry.id, revision: entry.revision, author, restored: body.revision, unchanged: entry.unchanged },
      'policy rolled back',
    );
    await published(entry.id, entry.revision);
    res.setHeader('ETag', `"${entry.revision}"`).json(saved(entry));
  });

  app.post('/v1/validate', ...json, async (req, res) => {
    const body = validBody('POST /v1/validate', req.body);
    // The tier order is judged on the business clock (tens of milliseconds on a large policy): a worker's work.
    const file = typeof body.file === 'string' ? body.file : 'policy.yaml';
    res.json(workbenchAnswer(await heavy.run({ kind: 'validate', source: body.source as string, file })));
  });

  // The editor's workbench: evaluate and test the text being edited, before it is saved. A
  // policy anyone may write, so it is compiled and run in a worker, within the time limit.
  function editedSource(req: Request, route: 'POST /v1/try' | 'POST /v1/test') {
    const body = validBody(route, req.body) as { source: string; file?: string; facts?: object; now?: string };
    return { body, source: body.source, file: typeof body.file === 'string' ? body.file : 'policy.yaml' };
  }
  /** A workbench answer from a worker, its diagnostics as the API shows them. */
  const workbenchAnswer = (answer: Awaited<ReturnType<HeavyWork['run']>>) => {
    const out = ('body' in answer ? answer.body : {}) as { diagnostics?: Diagnostic[] };
    return out.diagnostics ? { ...out, diagnostics: out.diagnostics.map(publicDiagnostic) } : out;
  };

  app.post('/v1/try', ...json, async (req, res) => {
    const { body, source, file } = editedSource(req, 'POST /v1/try');
    const task: HeavyTask = {
      kind: 'try',
      source,
      file,
      facts: body.facts ?? {},
      ...(body.now !== undefined ? { now: body.now } : {}),
    };
    res.json(workbenchAnswer(await heavy.run(task)));
  });

  app.post('/v1/test', ...json, async (req, res) => {
    const { source, file } = editedSource(req, 'POST /v1/test');
    res.json(workbenchAnswer(await heavy.run({ kind: 'test', source, file })));
  });

  impactRoute(app, { store, heavy, json });

  if (options.editorDir) serveEditor(app, options.editorDir);

  // A known path asked with a method it does not take: 405 with the methods it takes, read from
  // the routes themselves, so the answer cannot drift from them. Any other path is 404.
  app.use((req, _res, next) => {
    const allow = allowedMethods(app, req.path);
    next(
      allow.length > 0
        ? new HttpError(
            405,
            'method-not-allowed',
            `${req.path} does not take ${req.method}: it takes ${allow.join(', ')}`,
            undefined,
            {
              allow: allow.join(', '),
            },
          )
        : new HttpError(404, 'not-found', `no route ${req.method} ${req.path}`),
    );
  });

  /** Whatever a request threw, as it is answered; a bug is logged and answered 500. */
  const answer = (caught: unknown): HttpError => {
    const known = answerFor(caught, limit);
    if (known) return known;
    logger.error({ err: caught }, 'unexpected error');
    return new HttpError(500, 'internal', 'internal error');
  };
  const onError: ErrorRequestHandler = (caught: unknown, _req, res, _next) => sendError(res, answer(caught));
  app.use(onError);
  return { app, events, lane: evaluationLane({ limit: bytes.parse(limit) ?? 0, evaluate: evaluateRequest, answer, metrics }) };
}

/** A layer of express's router: a route's (`app.get(…)`…) has the methods it takes. */
interface RouterLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): boolean;
}

/** The methods the routes of `app` take at `path`, upper case, HEAD wherever GET (express answers it). */
export function allowedMethods(app: express.Express, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of (app.router as unknown as { stack: RouterLayer[] }).stack) {
    if (!layer.route || !layer.match(path)) continue;
    for (const [method, takes] of Object.entries(layer.route.methods))
      if (takes && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
