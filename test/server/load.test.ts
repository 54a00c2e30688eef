// Load: autocannon at 64 connections against `spe serve` on 127.0.0.1, a mix of valid and
// invalid evaluations, first alone and then while the policy is saved through the API and
// replaced on disk (hot reload). No errors, no timeouts, every status as expected, and a sample
// of responses identical to in-process evaluation of the revision each names. A few seconds in
// CI; 60 s each under `npm run reliability`.
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompiledPolicy, compileSource, evaluate, revisionOf } from '../../engine/index.js';
import { type ServeProcess, figure, root, runs, serve } from '../support/reliability.js';

const NOW = '2026-03-09T09:00:00+01:00';
const TOKEN = 'load-test-token-0123456789';
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const logbot = readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8');
/** Revisions the load sees: each changes the P2 target a standard ticket gets, so a mix-up shows. */
const variants = [
  zmanda,
  zmanda.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }'),
  zmanda.replace('P2: { response: 3 hours }', 'P2: { response: 150 minutes }'),
];

interface Kind {
  name: string;
  body: string;
  status: number;
  /** The single evaluations inside (one, or a batch's), to compute in process. */
  evaluations: { policy: string; facts: Record<string, unknown> }[];
  batch?: boolean;
}

const standardP2 = {
  tier: 'standard',
  impact: 'medium',
  urgency: 'high',
  channel: 'phone',
  openedAt: '2026-03-06T16:30:00+01:00',
};
const purchase = { purchaseSku: 'LOGBOT-CREDIT-100', openedAt: '2026-03-06T16:30:00+01:00' };
const premium = { tier: 'premium', impact: 'high', urgency: 'low', channel: 'web', openedAt: '2026-03-06T16:30:00+01:00' };
const kinds: Kind[] = [
  {
    name: 'standard P2',
    body: JSON.stringify({ policy: 'zmanda', facts: standardP2, now: NOW }),
    status: 200,
    evaluations: [{ policy: 'zmanda', facts: standardP2 }],
  },
  {
    name: 'logbot purchase',
    body: JSON.stringify({ policy: 'logbot', facts: purchase, now: NOW }),
    status: 200,
    evaluations: [{ policy: 'logbot', facts: purchase }],
  },
  {
    name: 'premium',
    body: JSON.stringify({ policy: 'zmanda', facts: premium, now: NOW, trace: false }),
    status: 200,
    evaluations: [{ policy: 'zmanda', facts: premium }],
  },
  {
    name: 'invalid facts',
    body: JSON.stringify({ policy: 'zmanda', facts: { tier: 'gold', urgncy: 'high' }, now: NOW }),
    status: 400,
    evaluations: [],
  },
  { name: 'unknown policy', body: JSON.stringify({ policy: 'nope', facts: {}, now: NOW }), status: 404, evaluations: [] },
  { name: 'not JSON', body: '{"policy": "zmanda", "facts": {', status: 400, evaluations: [] },
  {
    name: 'batch',
    body: JSON.stringify({
      now: NOW,
      requests: [
        { policy: 'zmanda', facts: standardP2 },
        { policy: 'logbot', facts: purchase },
        { policy: 'zmanda', facts: premium },
      ],
    }),
    status: 200,
    evaluations: [
      { policy: 'zmanda', facts: standardP2 },
      { policy: 'logbot', facts: purchase },
      { policy: 'zmanda', facts: premium },
    ],
    batch: true,
  },
];

const compiled = new Map<string, CompiledPolicy>();

/** Runs autocannon on the mix; returns its figures, wrong statuses and sampled bodies. */
async function hammer(url: string, seconds: number) {
  const wrong: string[] = [];
  const samples: { kind: Kind; body: string }[] = [];
  // Every revision of zmanda that any answer was decided by (each answer names its revision).
  const revisions = new Set<string>();
  let seen = 0;
  const result = await autocannon({
    url,
    connections: 64,
    duration: seconds,
    timeout: 10,
    requests: kinds.map((kind) => ({
      method: 'POST' as const,
      path: kind.batch ? '/v1/evaluate/batch' : '/v1/evaluate',
      headers: { 'content-type': 'application/json' },
      body: kind.body,
      onResponse: (status: number, body: string) => {
        if (status !== kind.status) wrong.push(`${kind.name}: ${status} ${body.slice(0, 200)}`);
        const named = /"id":"zmanda","version":"[^"]*","revision":"(sha256:[0-9a-f]{64})"/.exec(body);
        if (named) revisions.add(named[1]!);
        // Every 37th answer is kept to compare with in-process evaluation.
        if (++seen % 37 === 0 && kind.evaluations.length > 0) samples.push({ kind, body });
      },
    })),
  });
  return { result, wrong, samples, revisions };
}

/** Each sampled answer is exactly what in-process evaluation of the revision it names gives. */
function compare(samples: { kind: Kind; body: string }[], revisions: Set<string>): number {
  for (const { kind, body } of samples) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const decisions = (kind.batch ? (parsed.results as Record<string, unknown>[]) : [parsed]) as {
      policy: { id: string; revision: string };
    }[];
    kind.evaluations.forEach(({ policy, facts }, i) => {
      const got = decisions[i]!;
      expect(revisions.has(got.policy.revision), `${kind.name}: revision ${got.policy.revision}`).toBe(true);
      const c = compiled.get(got.policy.revision)!;
      expect(c.id).toBe(policy);
      const want = evaluate(c, facts, { now: NOW, trace: !kind.body.includes('"trace":false') });
      if (!want.ok) throw new Error(`${kind.name} does not evaluate in process`);
      expect(got).toEqual(JSON.parse(JSON.stringify(want.decision)));
    });
  }
  return samples.length;
}

describe('under load', () => {
  const seconds = runs(2, 60);
  const dir = mkdtempSync(join(tmpdir(), 'spe-load-'));
  cpSync(join(root, 'policies', 'zmanda.yaml'), join(dir, 'zmanda.yaml'));
  cpSync(join(root, 'policies', 'logbot.yaml'), join(dir, 'logbot.yaml'));
  let server: ServeProcess;
  beforeAll(async () => {
    for (const [source, file] of [
      ...variants.map((v) => [v, 'policies/zmanda.yaml']),
      [logbot, 'policies/logbot.yaml'],
    ] as const) {
      const r = await compileSource(source, file);
      if (!r.ok) throw new Error(`${file} does not compile`);
      compiled.set(r.compiled.revision, r.compiled);
    }
    server = await serve(['--policies', dir], { SPE_ADMIN_TOKEN: TOKEN });
  });
  afterAll(() => server.stop());

  it(`answers a mix of valid and invalid evaluations for ${seconds} s at 64 connections with no error`, async () => {
    const { result, wrong, samples } = await hammer(server.url, seconds);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(wrong).toEqual([]);
    expect(result.requests.total).toBeGreaterThan(seconds * 200);
    const compared = compare(samples, new Set(compiled.keys()));
    expect(compared).toBeGreaterThan(10);
    figure('requests under load', result.requests.total);
    figure('load errors and timeouts', result.errors + result.timeouts + wrong.length);
    figure('responses compared with in-process evaluation', compared);
  });

  it(`serves whole revisions only while the policy is saved and reloaded for ${seconds} s or more`, async () => {
    let stop = false;
    let saves = 0;
    let reloads = 0;
    let refused = 0;
    // Saves through the API, and now and then a new file dropped into the folder (as git does:
    // written beside, renamed over), which the server reloads on its own.
    const editor = (async () => {
      // Until the load ends, and at least one of each (a busy machine may be slow to get there).
      for (let n = 0; !stop || saves === 0 || reloads === 0; n++) {
        // Each step a revision other than the one before it.
        const source = variants[(n + 1) % variants.length]!;
        if (n % 2 === 0) {
          writeFileSync(join(dir, '.zmanda.yaml.incoming'), source);
          renameSync(join(dir, '.zmanda.yaml.incoming'), join(dir, 'zmanda.yaml'));
          // The service picks the file up on its own, under load too.
          const deadline = Date.now() + 10_000;
          for (;;) {
            const { revision } = (await (await fetch(`${server.url}/v1/policies/zmanda`)).json()) as { revision: string };
            if (revision === revisionOf(source)) break;
            if (Date.now() > deadline) throw new Error('the file dropped in was not reloaded');
            await new Promise((r) => setTimeout(r, 20));
          }
          reloads++;
        } else {
          const current = (await (await fetch(`${server.url}/v1/policies/zmanda`)).json()) as { revision: string };
          const res = await fetch(`${server.url}/v1/policies/zmanda`, {
            method: 'PUT',
            headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': current.revision },
            body: source,
          });
          await res.arrayBuffer();
          // With workers, or a reload still on its way, a save may be refused as stale.
          if (res.status === 200) saves++;
          else if (res.status === 412) refused++;
          else throw new Error(`save answered ${res.status}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // The load runs until its answers have crossed a change of revision (a save or a reload
    // that the editor got through; on a busy machine the first can take a while), at most 5 rounds.
    const { result, wrong, samples, revisions } = await hammer(server.url, seconds);
    for (let round = 1; round < 5 && revisions.size < 2; round++) {
      const more = await hammer(server.url, seconds);
      result.requests.total += more.result.requests.total;
      result.errors += more.result.errors;
      result.timeouts += more.result.timeouts;
      wrong.push(...more.wrong);
      samples.push(...more.samples);
      for (const r of more.revisions) revisions.add(r);
    }
    stop = true;
    await editor;
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(wrong).toEqual([]);
    // Saves wait their turn behind 64 busy connections: a few in a short run.
    expect(saves).toBeGreaterThan(0);
    expect(reloads).toBeGreaterThan(0);
    const compared = compare(samples, new Set(compiled.keys()));
    // The answers were decided by more than one revision, so the load did cross saves and reloads.
    // (Every answer counts: a sample of every 37th could miss the change in a short run.)
    expect(revisions.size).toBeGreaterThan(1);
    for (const r of revisions) expect(compiled.has(r), r).toBe(true);
    figure('requests under load', result.requests.total);
    figure('load errors and timeouts', result.errors + result.timeouts + wrong.length);
    figure('responses compared with in-process evaluation', compared);
    figure('saves and reloads during load', saves + reloads);
    figure('saves refused as stale during load', refused);
  });
});
