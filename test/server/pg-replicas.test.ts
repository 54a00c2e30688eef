// Two `spe serve --store postgres://…` processes on one real PostgreSQL (test/support/postgres.ts), as
// replicas behind a load balancer would be: a save on A is served by B (the delay of each
// measured, a figure); racing saves with one base across both replicas, exactly one wins; kill -9
// of the database during a burst of saves loses no acknowledged save and leaves nothing half
// written; a replica cut off from the database reloads, once back, what was saved meanwhile; the
// database stopped under evaluation load fails no evaluation, /healthz says degraded and then ok
// again by itself. Longer under `npm run reliability`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/postgres.js';
import { LONG, figure, root, runs, serve, type ServeProcess } from '../support/reliability.js';

const TOKEN = 'replica-test-token-0123456789abcdef';
const IDS = ['zmanda', 'logbot', 'oto', 'imagicle'] as const;
const sources = Object.fromEntries(IDS.map((id) => [id, readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8')]));
/** A new source of a policy: its title line changed, so a different revision that is still valid. */
const edited = (id: string, label: string) => sources[id]!.replace(/^title: (.*)$/m, (_, t: string) => `title: ${t} (${label})`);
const sha = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

function put(url: string, id: string, source: string, ifMatch?: string): Promise<Response> {
  return fetch(`${url}/v1/policies/${id}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/yaml',
      authorization: `Bearer ${TOKEN}`,
      ...(ifMatch ? { 'if-match': `"${ifMatch}"` } : {}),
    },
    body: source,
  });
}

const servedRevision = async (url: string, id: string) =>
  (await fetch(`${url}/v1/policies/${id}`)).headers.get('etag')?.replace(/"/g, '') ?? null;

const health = async (url: string) =>
  (await (await fetch(`${url}/healthz`)).json()) as { status: string; store?: { reason: string } };

/** Polls until `check` holds; fails the test past `ms` (a bound on liveness, not a speed check). */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (await check()) return;
  throw new Error(`not within ${ms / 1000} s: ${what}`);
}

let db: PgServer;
let url: string;
let a: ServeProcess;
let b: ServeProcess;

beforeAll(async () => {
  db = await startPostgres();
  url = await db.database('replicas');
  const env = { SPE_ADMIN_TOKEN: TOKEN, SPE_STORE: url };
  [a, b] = await Promise.all([serve([], env), serve([], env)]);
  for (const id of IDS) expect((await put(a.url, id, sources[id]!)).status).toBe(201);
  for (const id of IDS) await until(`B serves ${id}`, async () => (await servedRevision(b.url, id)) === sha(sources[id]!));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.destroy();
});

describe('replicas on one database', () => {
  it('serves a save on A at A on the next request and at B soon after (delay measured)', async () => {
    const delays: number[] = [];
    let current = sha(sources.zmanda!);
    for (let i = 0; i < runs(100, 500); i++) {
      const source = edited('zmanda', `propagation ${i}`);
      const res = await put(a.url, 'zmanda', source, current);
      expect(res.status).toBe(200);
      current = sha(source);
      const acked = performance.now();
      expect(await servedRevision(a.url, 'zmanda')).toBe(current);
      await until(`B serves save ${i}`, async () => (await servedRevision(b.url, 'zmanda')) === current, 10_000);
      delays.push(performance.now() - acked);
    }
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    figure('saves propagated to another replica', delays.length);
    figure('propagation p99 (ms)', Math.round(p99));
    console.log(
      `propagation A→B over ${delays.length} saves: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`,
    );
  });

  it('lets exactly one of 8 concurrent saves with one base win, across both replicas', async () => {
    for (let round = 0; round < runs(5, 50); round++) {
      const base = (await servedRevision(a.url, 'logbot'))!;
      await until('B serves the base', async () => (await servedRevision(b.url, 'logbot')) === base);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, k) => put(k % 2 ? b.url : a.url, 'logbot', edited('logbot', `race ${round}.${k}`), base)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
      const winner = results.findIndex((r) => r.status === 200);
      const won = sha(edited('logbot', `race ${round}.${winner}`));
      await until('both serve the winner', async () =>
        (await Promise.all([servedRevision(a.url, 'logbot'), servedRevision(b.url, 'logbot')])).every((r) => r === won),
      );
    }
  });
});

describe('a replica with workers', () => {
  it('acknowledges a save once every worker of the replica serves it, and other replicas follow', async () => {
    const c = await serve(['--workers', '2'], { SPE_ADMIN_TOKEN: TOKEN, SPE_STORE: url });
    try {
      const source = sources.zmanda!.replace(/^policy: zmanda$/m, 'policy: zmanda-eu');
      expect((await put(c.url, 'zmanda-eu', source)).status).toBe(201);
      // One connection per request, so the cluster hands them to both workers.
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${c.url}/v1/policies/zmanda-eu`, { headers: { connection: 'close' } });
        expect(res.headers.get('etag')).toBe(`"${sha(source)}"`);
      }
      await until('A serves the policy created on C', async () => (await servedRevision(a.url, 'zmanda-eu')) === sha(source));
    } finally {
      await c.stop();
    }
  });
});

describe('the database going away', () => {
  it('loses no acknowledged save and half-writes nothing when the database is killed (-9) during saves', async () => {
    const rounds = runs(1, 5);
    let acknowledged = 0;
    for (let round = 0; round < rounds; round++) {
      // One writer per policy, alternating replicas: each knows its policy's revision.
      const acked = new Map<string, string[]>(IDS.map((id) => [id, []]));
      const unsure = new Map<string, Set<string>>(IDS.map((id) => [id, new Set()]));
      let stop = false;
      const writers = IDS.map(async (id, w) => {
        let current = (await servedRevision(a.url, id))!;
        for (let i = 0; !stop; i++) {
          const replica = (i + w) % 2 ? b.url : a.url;
          const source = edited(id, `burst ${round}.${i}`);
          const res = await put(replica, id, source, current).catch(() => null);
          if (res?.status === 200) {
            current = sha(source);
            acked.get(id)!.push(current);
            unsure.get(id)!.clear();
            continue;
          }
          // Refused (503 while the database is away) or lost with the connection: it may have
          // been committed. Read again what the replica serves, and go on from there.
          unsure.get(id)!.add(sha(source));
          await sleep(50);
          current = (await servedRevision(replica, id).catch(() => null)) ?? current;
        }
      });
      await sleep(400);
      await db.kill();
      await sleep(700);
      await db.start();
      await until('both replicas healthy again', async () =>
        (await Promise.all([health(a.url), health(b.url)])).every((h) => h.status === 'ok'),
      );
      await sleep(300);
      stop = true;
      await Promise.all(writers);

      const client = new pg.Client({ connectionString: url }).on('error', () => undefined);
      await client.connect();
      try {
        for (const id of IDS) {
          const mine = acked.get(id)!;
          acknowledged += mine.length;
          const history = (
            await client.query<{ revision: string }>('SELECT revision FROM spe_history WHERE policy_id = $1', [id])
          ).rows.map((r) => r.revision);
          for (const revision of mine) expect(history).toContain(revision);
          const row = (await client.query<{ revision: string }>('SELECT revision FROM spe_policies WHERE id = $1', [id]))
            .rows[0]!;
          const allowed = new Set([...(mine.length ? [mine.at(-1)!] : []), ...unsure.get(id)!]);
          if (mine.length) expect(allowed).toContain(row.revision);
          await until(`both replicas serve ${id} as stored`, async () =>
            (await Promise.all([servedRevision(a.url, id), servedRevision(b.url, id)])).every((r) => r === row.revision),
          );
        }
        // Nothing half written: every stored source hashes to its revision and every history
        // entry and policy names a stored source (the foreign keys hold; checked again here).
        const revisions = await client.query<{ revision: string; source: string }>('SELECT revision, source FROM spe_revisions');
        for (const r of revisions.rows) expect(sha(r.source)).toBe(r.revision);
        const orphans = await client.query(
          `SELECT 1 FROM spe_history h LEFT JOIN spe_revisions r ON r.policy_id = h.policy_id AND r.revision = h.revision
            WHERE r.revision IS NULL
           UNION ALL
           SELECT 1 FROM spe_policies p LEFT JOIN spe_revisions r ON r.policy_id = p.id AND r.revision = p.revision
            WHERE r.revision IS NULL`,
        );
        expect(orphans.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    }
    expect(acknowledged).toBeGreaterThan(0);
    console.log(`database killed (-9) ${rounds} time(s) during saves: ${acknowledged} saves acknowledged, none lost`);
    figure('database kill -9 rounds', rounds);
    figure('saves acknowledged around a database kill -9', acknowledged);
  });

  it('has a replica cut off from the database reload, once back, what was saved meanwhile', async () => {
    // Replica C logs in as its own role, so it alone can be cut off while A goes on saving.
    const admin = new pg.Client({ connectionString: url }).on('error', () => undefined);
    await admin.connect();
    let c: ServeProcess | undefined;
    try {
      await admin.query('CREATE ROLE replica_c LOGIN SUPERUSER');
      c = await serve([], { SPE_ADMIN_TOKEN: TOKEN, SPE_STORE: url.replace('postgres@', 'replica_c@') });
      const before = (await servedRevision(a.url, 'imagicle'))!;
      await until('C serves imagicle', async () => (await servedRevision(c!.url, 'imagicle')) === before);
      await admin.query('ALTER ROLE replica_c NOLOGIN');
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'replica_c'");
      await until('C says degraded', async () => (await health(c!.url)).status === 'degraded');
      const source = edited('imagicle', 'while C was away');
      expect((await put(a.url, 'imagicle', source, before)).status).toBe(200);
      await until('B serves the save', async () => (await servedRevision(b.url, 'imagicle')) === sha(source));
      // Its notification went out while C was not listening: C still serves what it had.
      expect(await servedRevision(c.url, 'imagicle')).toBe(before);
      await admin.query('ALTER ROLE replica_c LOGIN');
      await until('C is ok again', async () => (await health(c!.url)).status === 'ok');
      expect(await servedRevision(c.url, 'imagicle')).toBe(sha(source));
    } finally {
      await c?.stop();
      await admin.end();
    }
  });

  it('fails no evaluation while the database is stopped; /healthz degraded, saves 503, then ok by itself', async () => {
    const outageMs = LONG ? 10_000 : 3_000;
    let stop = false;
    let evaluations = 0;
    const failures: string[] = [];
    const load = Array.from({ length: 4 }, async (_, k) => {
      const target = k % 2 ? b.url : a.url;
      while (!stop) {
        const res = await fetch(`${target}/v1/evaluate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ policy: 'zmanda', facts: ticket }),
        }).catch((e: Error) => e);
        if (res instanceof Error) failures.push(res.message);
        else if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
        else {
          await res.arrayBuffer();
          evaluations++;
        }
      }
    });
    await sleep(300);
    await db.stop();
    const stoppedAt = Date.now();
    await until('both replicas say degraded', async () =>
      (await Promise.all([health(a.url), health(b.url)])).every((h) => h.status === 'degraded'),
    );
    const degraded = await health(a.url);
    expect(degraded.store?.reason).toMatch(/policy database cannot be reached/);
    expect(await (await fetch(`${a.url}/metrics`)).text()).toMatch(/^spe_store_available 0$/m);
    const current = (await servedRevision(a.url, 'oto'))!;
    const refused = await put(a.url, 'oto', edited('oto', 'during the outage'), current);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store-unavailable');
    expect(refused.headers.get('retry-after')).toBe('5');
    await sleep(Math.max(0, outageMs - (Date.now() - stoppedAt)));
    await db.start();
    const restarted = performance.now();
    await until('both replicas ok again', async () =>
      (await Promise.all([health(a.url), health(b.url)])).every((h) => h.status === 'ok'),
    );
    const recoveryMs = performance.now() - restarted;
    expect(await (await fetch(`${a.url}/metrics`)).text()).toMatch(/^spe_store_available 1$/m);
    stop = true;
    await Promise.all(load);
    expect(failures).toEqual([]);
    // Saves work again, and reach the other replica.
    const saved = await put(b.url, 'oto', edited('oto', 'after the outage'), current);
    expect(saved.status).toBe(200);
    await until(
      'A serves the save made on B',
      async () => (await servedRevision(a.url, 'oto')) === sha(edited('oto', 'after the outage')),
    );
    figure('evaluations while the database was stopped', evaluations);
    figure('failed evaluations while the database was stopped', failures.length);
    console.log(
      `database stopped ${outageMs / 1000} s: ${evaluations} evaluations, ${failures.length} failed; healthy again ${recoveryMs.toFixed(0)} ms after restart`,
    );
  });
});
