// `POST /v1/policies/:id/impact` (DESIGN §6): what a draft would change, before it is saved. The
// draft (or the saved revision) decides the tickets given, or the policy's sample tickets, next
// to an earlier revision (or the saved one), in a worker thread within the heavy-work time limit.
import type { Express, RequestHandler } from 'express';
import type { Diagnostic } from '../dsl/index.js';
import { type ImpactPart, ImpactTally } from '../engine/index.js';
import { HttpError } from './errors.js';
import type { HeavyTask, HeavyWork, PolicyRevision } from './heavy.js';
import { validBody } from './requests.js';
import type { Store } from './stores.js';
import { revisionOf } from '../engine/index.js';

/** Sample tickets an impact request runs on when it names none. */
export const SAMPLE_TICKETS = 300;
/** An impact run may take this many times the heavy-work time limit: two sides, up to 10,000 tickets. */
const IMPACT_TIME_FACTOR = 5;

export function impactRoute(app: Express, deps: { store: Store; heavy: HeavyWork; json: RequestHandler[] }): void {
  const { store, heavy } = deps;
  app.post('/v1/policies/:id/impact', ...deps.json, async (req, res) => {
    const id = String((req.params as Record<string, unknown>).id ?? '');
    const body = validBody('POST /v1/policies/{id}/impact', req.body);
    const entry = store.get(id);
    if (!entry.serving) throw new HttpError(404, 'unknown-policy', `policy '${id}' has no revision that compiles`);
    const file = `policies/${id}.yaml`;
    const saved: PolicyRevision = { revision: entry.serving.revision, source: entry.serving.source, file };
    // The revision serving needs no history: a file found on disk has none until its first save.
    const from: PolicyRevision =
      typeof body.from === 'string' && body.from !== saved.revision
        ? { revision: body.from, source: await store.revisionSource(id, body.from), file }
        : saved;
    const to: PolicyRevision =
      typeof body.source === 'string' ? { revision: revisionOf(body.source), source: body.source, file } : saved;
    const now = typeof body.now === 'string' ? body.now : undefined;
    const tickets = body.tickets as unknown[] | undefined;
    const year = new Date(now ?? Date.now()).getUTCFullYear();
    const task: HeavyTask = {
      kind: 'impact',
      from,
      to,
      ...(now ? { now } : {}),
      chunk: tickets
        ? { items: tickets.map((facts, i) => ({ line: i + 1, facts })) }
        : { sample: { count: SAMPLE_TICKETS, year, seed: 1 } },
    };
    const answer = await heavy.run(task, heavy.timeLimitMs * IMPACT_TIME_FACTOR);
    if ('body' in answer) {
      const diagnostics = ((answer.body as { diagnostics?: Diagnostic[] }).diagnostics ?? []).filter(
        (d) => d.severity === 'error',
      );
      throw new HttpError(422, 'invalid-policy', 'the draft has errors; fix them to see its impact', diagnostics);
    }
    const tally = new ImpactTally();
    tally.add((answer as { part: ImpactPart }).part);
    res.json({
      ...tally.summary(),
      from: from.revision,
      to: to.revision,
      sample: tickets === undefined,
      // Decision log lines given as tickets and not replayed: another policy's, or masked.
      skipped: tally.skipped(),
      details: tally.details(),
    });
  });
}
