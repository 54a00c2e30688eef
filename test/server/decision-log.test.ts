// The decision log as users run it: a real server on 127.0.0.1 appending to a real file, from
// the evaluation lane, express's route and both kinds of batch; facts marked `personal: true`
// masked; the log replayed through a draft by `spe impact`; and `--workers 2` appending whole
// lines from two processes. Expected decisions are worked out by hand from Zmanda's policy
// document (standard: 3 business hours for P2, Mon–Fri 08:00–17:00 in the customer's zone;
// premium: 60 minutes, 24x7).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../dsl/index.js';
import { serverForTest } from '../support/with-server.js';
import { serve } from '../support/reliability.js';
import { jsonLines } from '../support/spe.js';

const root = join(import.meta.dirname, '..', '..');
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const EMAIL = 'mario.rossi@example.com';

/** Zmanda with two more facts: the requester's e-mail (personal) and a free-text note (not). */
function withPersonalFact(source: string): string {
  const marked = source.replace(
    /^facts:\n/m,
    'facts:\n  customerEmail: { type: string, personal: true }\n  note: { type: string }\n',
  );
  expect(marked).not.toBe(source);
  return marked;
}

function policiesFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spe-decision-log-'));
  writeFileSync(join(dir, 'zmanda.yaml'), withPersonalFact(zmanda));
  // Another policy in the same log: its lines are left out when zmanda's draft is replayed.
  writeFileSync(join(dir, 'zmanda-eu.yaml'), zmanda.replace(/^policy: zmanda$/m, 'policy: zmanda-eu'));
  return dir;
}

interface LogLine {
  time: string;
  policy: string;
  revision: string;
  decisionId: string;
  facts: Record<string, unknown>;
  masked?: string[];
  decision: {
    eligible: boolean | null;
    tier: string | null;
    priority: string | null;
    channels: string[] | null;
    dueAt: { response: string | null; resolution: string | null } | null;
    billing: unknown;
  };
}

const readLog = (file: string): LogLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);

/** A POST sent in chunks (no Content-Length): the evaluation lane leaves it to express's route. */
function postChunked(url: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    const text = JSON.stringify(body);
    req.write(text.slice(0, 10));
    req.end(text.slice(10));
  });
}

const standardP2 = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone' };

describe('the personal fact attribute', () => {
  it('is read into the policy, and only where it is said', () => {
    const result = loadPolicy(withPersonalFact(zmanda), 'zmanda.yaml');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const facts = new Map(result.policy.facts.map((f) => [f.name, f]));
    expect(facts.get('customerEmail')?.personal).toBe(true);
    expect(facts.get('note')?.personal).toBeUndefined();
    expect(facts.get('tier')?.personal).toBeUndefined();
  });

  it('is a boolean', () => {
    const result = loadPolicy(
      zmanda.replace(/^facts:\n/m, 'facts:\n  customerEmail: { type: string, personal: yes-please }\n'),
      'zmanda.yaml',
    );
    expect(result.ok).toBe(false);
  });
});

describe('spe serve --decision-log', () => {
  it('logs every decision served with its facts, personal ones masked, and spe impact replays the log', async () => {
    const dir = policiesFolder();
    const log = join(dir, 'decisions.jsonl');
    // A generous time limit: the first batch in a worker thread compiles the policy there, on a busy machine.
    const server = await serverForTest({ dir, decisionLog: log, heavyWork: { timeLimitMs: 30_000 } });

    // The lane: A with the personal fact, B without it.
    const a = { ...standardP2, customerEmail: EMAIL, openedAt: '2026-03-09T09:30:00+01:00' };
    const b = { ...standardP2, openedAt: '2026-03-09T16:00:00+01:00' };
    const ra = await server.post('/v1/evaluate', { policy: 'zmanda', facts: a });
    const rb = await server.post('/v1/evaluate', { policy: 'zmanda', facts: b });
    expect([ra.status, rb.status]).toEqual([200, 200]);
    const idA = ((await ra.json()) as { decisionId: string }).decisionId;
    const idB = ((await rb.json()) as { decisionId: string }).decisionId;
    // Refused facts are no decision: not logged.
    expect((await server.post('/v1/evaluate', { policy: 'zmanda', facts: { channel: 'phone' } })).status).toBe(400);
    // express's route (a chunked body), with the personal fact.
    const h = { ...standardP2, customerEmail: EMAIL, openedAt: '2026-03-10T09:00:00+01:00' };
    expect((await postChunked(server.url, '/v1/evaluate', { policy: 'zmanda', facts: h })).status).toBe(200);
    // A small batch, decided on the main thread: premium C, standard D, and another policy's E.
    const c = { ...standardP2, tier: 'premium', openedAt: '2026-03-09T09:30:00+01:00' };
    const d = { ...standardP2, channel: 'web', openedAt: '2026-03-11T14:00:00+01:00' };
    const small = await server.post('/v1/evaluate/batch', {
      requests: [
        { policy: 'zmanda', facts: c },
        { policy: 'zmanda', facts: d },
        { policy: 'zmanda-eu', facts: b },
        { policy: 'zmanda', facts: { tier: 'gold' } },
      ],
    });
    expect(small.status).toBe(200);
    // A big batch, decided in a worker thread: 21 standard P2 tickets, one a minute.
    const many = Array.from({ length: 21 }, (_, k) => ({
      ...standardP2,
      openedAt: `2026-03-12T10:${String(k).padStart(2, '0')}:00+01:00`,
    }));
    const big = await server.post('/v1/evaluate/batch', { requests: many.map((facts) => ({ policy: 'zmanda', facts })) });
    expect(big.status).toBe(200);
    // Before closing: the log so far is what a file dropped on the editor's Impact tab holds.
    const flushed = async () => {
      for (let i = 0; i < 50 && readLog(log).length < 27; i++) await new Promise((r) => setTimeout(r, 50));
      return readLog(log);
    };
    const fourHours = readFileSync(join(dir, 'zmanda.yaml'), 'utf8').replace(
      '    P2: { response: 3 hours }',
      '    P2: { response: 4 hours }',
    );
    const overHttp = await server.post('/v1/policies/zmanda/impact', { source: fourHours, tickets: await flushed() });
    expect(overHttp.status).toBe(200);
    expect(await overHttp.json()).toMatchObject({ tickets: 24, changed: 23, skipped: { 'other-policy': 1, masked: 2 } });
    await server.close();

    const lines = readLog(log);
    // 2 lane + 1 express + 3 of the small batch (its refused item is not a decision) + 21.
    expect(lines).toHaveLength(27);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain(EMAIL);
    const lineA = lines.find((l) => l.decisionId === idA)!;
    expect(lineA.policy).toBe('zmanda');
    expect(lineA.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(lineA.time))).toBe(false);
    expect(lineA.facts).toEqual({ ...a, customerEmail: '***' });
    expect(lineA.masked).toEqual(['customerEmail']);
    // Monday 09:30 + 3 business hours.
    expect(lineA.decision).toEqual({
      eligible: true,
      reasons: [],
      tier: 'standard',
      priority: 'P2',
      channels: ['phone', 'web'],
      dueAt: { response: '2026-03-09T12:30:00+01:00', resolution: null },
      billing: null,
    });
    const lineB = lines.find((l) => l.decisionId === idB)!;
    expect(lineB.facts).toEqual(b);
    expect(lineB.masked).toBeUndefined();
    // Monday 16:00: one hour to closing, two on Tuesday from 08:00.
    expect(lineB.decision.dueAt).toEqual({ response: '2026-03-10T10:00:00+01:00', resolution: null });
    const lineC = lines.find((l) => l.facts.tier === 'premium')!;
    // Premium P2: 60 minutes, round the clock.
    expect(lineC.decision.dueAt?.response).toBe('2026-03-09T10:30:00+01:00');
    expect(lines.filter((l) => l.masked !== undefined)).toHaveLength(2);
    expect(lines.filter((l) => l.policy === 'zmanda-eu')).toHaveLength(1);

    // Replayed through a draft that gives standard P2 four hours: B, D and the 21 move by an
    // hour; C (premium) does not; A and H (masked) and E (another policy) are not replayed.
    const draft = join(dir, 'draft.yaml');
    const source = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
    expect(source).toContain('    P2: { response: 3 hours }');
    writeFileSync(draft, source.replace('    P2: { response: 3 hours }', '    P2: { response: 4 hours }'));
    const out = join(dir, 'changed.jsonl');
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'spe'),
        'impact',
        join(dir, 'zmanda.yaml'),
        '--to',
        draft,
        '--tickets',
        log,
        '--out',
        out,
        '--threads',
        '1',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      tickets: 24,
      changed: 23,
      byField: {
        eligible: 0,
        priority: 0,
        channels: 0,
        'sla.response.dueAt': 23,
        'sla.resolution.dueAt': 0,
        'billing.total': 0,
      },
      billingDelta: {},
      errors: 0,
    });
    expect(r.stderr).toContain('2 decision log lines not replayed');
    expect(r.stderr).toContain('1 decision log lines of other policies left out');
    const changed = jsonLines<{ facts: Record<string, unknown>; to: { sla: { response: { dueAt: string } } } }>(out);
    const replayedB = changed.find((c) => c.facts.openedAt === b.openedAt)!;
    // Monday 16:00: one hour to closing, three on Tuesday from 08:00.
    expect(replayedB.to.sla.response.dueAt).toBe('2026-03-10T11:00:00+01:00');
  });

  it('refuses a folder that does not exist as a usage error', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'spe'), 'serve', '--port', '0', '--decision-log', join(tmpdir(), 'no-such-folder-x', 'd.jsonl')],
      { cwd: root, encoding: 'utf8', env: { ...process.env, SPE_ADMIN_TOKEN: 'decision-log-test-token-0123456789abcdef' } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--decision-log');
  });
});

describe('spe serve --decision-log -', () => {
  it('writes the decision lines on standard output, one per decision', async () => {
    const dir = policiesFolder();
    const server = await serve(['--policies', dir, '--decision-log', '-'], {
      SPE_ADMIN_TOKEN: 'decision-log-test-token-0123456789abcdef',
    });
    let id: string;
    try {
      const r = await fetch(`${server.url}/v1/evaluate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ policy: 'zmanda', facts: { ...standardP2, customerEmail: EMAIL } }),
      });
      id = ((await r.json()) as { decisionId: string }).decisionId;
    } finally {
      await server.stop();
    }
    const { stdout } = server.output();
    expect(stdout).not.toContain(EMAIL);
    const decisions = stdout
      .split('\n')
      .filter((l) => l.includes(id))
      .map((l) => JSON.parse(l) as LogLine);
    // The decision log's line only: the service's own info line for the decision is left out.
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.facts.customerEmail).toBe('***');
    expect(decisions[0]!.decision.priority).toBe('P2');
  });
});

describe('spe serve --workers 2 --decision-log', () => {
  it('appends whole lines from both workers, one per decision', async () => {
    const dir = policiesFolder();
    const log = join(dir, 'decisions.jsonl');
    const server = await serve(['--policies', dir, '--workers', '2', '--decision-log', log], {
      SPE_ADMIN_TOKEN: 'decision-log-test-token-0123456789abcdef',
    });
    const ids = new Set<string>();
    try {
      // Lines of about 3 kB, so that lines written at once by the two workers would mix if the
      // writes did; each request on a connection of its own, so the cluster hands them out in turn.
      const note = 'n'.repeat(3000);
      for (let round = 0; round < 10; round++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            fetch(`${server.url}/v1/evaluate`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', connection: 'close' },
              body: JSON.stringify({
                policy: 'zmanda',
                facts: {
                  ...standardP2,
                  note,
                  customerEmail: EMAIL,
                  openedAt: `2026-03-${String(9 + round).padStart(2, '0')}T09:${String(k * 5).padStart(2, '0')}:00+01:00`,
                },
              }),
            }).then(async (r) => ((await r.json()) as { decisionId: string }).decisionId),
          ),
        );
        for (const id of answers) ids.add(id);
      }
    } finally {
      await server.stop();
    }
    const lines = readLog(log);
    expect(lines).toHaveLength(100);
    expect(new Set(lines.map((l) => l.decisionId))).toEqual(ids);
    for (const l of lines) {
      expect(l.facts.note).toHaveLength(3000);
      expect(l.facts.customerEmail).toBe('***');
    }
  });
});
