// Impact analysis as users run it: `spe impact` and `spe sample` as real processes on real files,
// and POST /v1/policies/:id/impact on a real server. The counts are checked two ways: by hand
// against the vendors' documents on the example export, and against `spe eval --batch` run on
// both sides with the decisions diffed here, in the test, for every policy and several edits.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, root, runSpe } from '../support/spe.js';
import { serverForTest } from '../support/with-server.js';

const spe = (...args: string[]) => runSpe(args);
const tmp = mkdtempSync(join(tmpdir(), 'spe-impact-'));
const policy = (id: string) => readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8');

/** A policy with one edit, written to a file; the edit must apply. */
function edited(id: string, name: string, from: string, to: string): string {
  const source = policy(id);
  expect(source, `${id}: the text to edit`).toContain(from);
  const file = join(tmp, `${id}-${name}.yaml`);
  writeFileSync(file, source.replace(from, to));
  return file;
}

interface Summary {
  tickets: number;
  changed: number;
  byField: Record<string, number>;
  billingDelta: Record<string, string>;
  errors: number;
}

describe('spe impact on the example Zendesk export', () => {
  // Zmanda standard P2: «3 ore» in business hours Mon–Fri 08:00–17:00 in the customer's zone.
  const fourHours = () => edited('zmanda', 'p2-4h', '    P2: { response: 3 hours }', '    P2: { response: 4 hours }');
  const csv = join(root, 'examples', 'helpdesk', 'zendesk-tickets.csv');
  const map = join(root, 'examples', 'helpdesk', 'zendesk-zmanda.map.yaml');

  it('counts the standard P2 tickets whose response is due an hour later, and the unknown plan as an error', () => {
    const out = join(tmp, 'changed.jsonl');
    const r = spe('impact', 'zmanda', '--to', fourHours(), '--tickets', csv, '--map', map, '--out', out, '--threads', '1');
    expect(r.status, r.stderr).toBe(0);
    // By hand, from the matrix (urgency high × impact medium, urgency medium × impact high → P2):
    // 1001 (phone), 1002 (web) and 1010 (web, New York) are standard P2 with a channel standard
    // offers; 1007 is P2 by e-mail, which standard does not offer (not eligible, no SLA); 1004 is
    // premium and 1008 a trial (premium targets); 1012 has no opening time (no due date either
    // way); 1009's plan «Enterprise» is no Zmanda tier.
    expect(JSON.parse(r.stdout) as Summary).toEqual({
      tickets: 12,
      changed: 3,
      byField: {
        eligible: 0,
        priority: 0,
        channels: 0,
        'sla.response.dueAt': 3,
        'sla.resolution.dueAt': 0,
        'billing.total': 0,
      },
      billingDelta: {},
      errors: 1,
    });
    expect(r.stderr).toContain('line 10:');
    expect(r.stderr).toContain('"Enterprise"');
    const changed = jsonLines<any>(out);
    // Header is line 1: ticket 1001 is line 2, 1002 line 3, 1010 line 11.
    expect(changed.map((c) => c.line)).toEqual([2, 3, 11]);
    // Both decisions whole, identified as `spe eval` identifies them.
    const facts = join(tmp, 'first-changed.json');
    writeFileSync(facts, JSON.stringify(changed[0].facts));
    expect(changed[0].from.decisionId).toBe(JSON.parse(spe('eval', 'zmanda', '--facts', facts).stdout).decisionId);
    expect(changed[0].to.decisionId).toMatch(/^dec_[0-9a-f]{32}$/);
    // 1001 opened Mon 9 Mar 10:00 Rome: due 13:00, now 14:00. 1002 opened at 16:00: one hour that
    // day, then from 08:00 on Tuesday: due 10:00, now 11:00. 1010 opened 09:00 Rome = 04:00 in New
    // York, the clock starts at 08:00 there: due 11:00, now 12:00 (-04:00).
    expect(changed.map((c) => [c.from.sla.response.dueAt, c.to.sla.response.dueAt])).toEqual([
      ['2026-03-09T13:00:00+01:00', '2026-03-09T14:00:00+01:00'],
      ['2026-03-10T10:00:00+01:00', '2026-03-10T11:00:00+01:00'],
      ['2026-03-13T11:00:00-04:00', '2026-03-13T12:00:00-04:00'],
    ]);
  });

  it('writes a Markdown summary and a standalone HTML report with the due-date shifts', () => {
    const md = spe('impact', 'zmanda', '--to', fourHours(), '--tickets', csv, '--map', map, '--format', 'md', '--threads', '1');
    expect(md.status).toBe(0);
    expect(md.stdout).toContain('3 of 12 tickets decided differently');
    expect(md.stdout).toContain('| `sla.response.dueAt` | 3 |');
    // Each moved by one business hour.
    expect(md.stdout).toContain('| 1…4 h | 3 |');
    const html = spe(
      'impact',
      'zmanda',
      '--to',
      fourHours(),
      '--tickets',
      csv,
      '--map',
      map,
      '--format',
      'html',
      '--threads',
      '1',
    );
    expect(html.status).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<svg');
    // Standalone: nothing fetched from elsewhere.
    expect(html.stdout).not.toMatch(/<script|<link|src=|https?:/);
  });

  it('refuses a map naming an unknown fact or column before reading any ticket', () => {
    const badFact = join(tmp, 'bad-fact.map.yaml');
    writeFileSync(badFact, readFileSync(map, 'utf8').replace('  urgency:', '  urgncy:'));
    const out = join(tmp, 'never.jsonl');
    const r = spe('impact', 'zmanda', '--to', fourHours(), '--tickets', csv, '--map', badFact, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'urgncy' is not a fact of the policy — did you mean 'urgency'?");
    const badColumn = join(tmp, 'bad-column.map.yaml');
    writeFileSync(badColumn, readFileSync(map, 'utf8').replace('column: Via', 'column: Channel'));
    const c = spe('impact', 'zmanda', '--to', fourHours(), '--tickets', csv, '--map', badColumn, '--out', out);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain("column 'Channel' (for fact 'channel') is not in the header");
    expect(() => readFileSync(out)).toThrow();
  });

  it('counts lines that are not JSON or fail the facts check as errors with their line, never as changes', () => {
    const file = join(tmp, 'bad.jsonl');
    const good = { tier: 'standard', impact: 'high', urgency: 'medium', channel: 'phone', openedAt: '2026-03-09T10:00:00+01:00' };
    writeFileSync(
      file,
      [JSON.stringify(good), '{"tier": ', '', JSON.stringify({ ...good, tier: 'gold' }), JSON.stringify(good)].join('\n'),
    );
    const r = spe('impact', 'zmanda', '--to', fourHours(), '--tickets', file, '--threads', '1');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect([s.tickets, s.changed, s.errors]).toEqual([4, 2, 2]);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toContain('line 4: facts refused by both sides');
  });
});

describe('spe sample', () => {
  it('gives the same tickets for the same seed, each accepted by the policy', () => {
    const a = spe('sample', 'logbot', '--tickets', '50', '--year', '2026', '--seed', '9');
    const b = spe('sample', 'logbot', '--tickets', '50', '--year', '2026', '--seed', '9');
    const c = spe('sample', 'logbot', '--tickets', '50', '--year', '2026', '--seed', '10');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    const lines = a.stdout.trim().split('\n');
    expect(lines).toHaveLength(50);
    for (const l of lines) expect((JSON.parse(l) as { openedAt: string }).openedAt).toMatch(/^2026-/);
    const file = join(tmp, 'logbot-sample.jsonl');
    writeFileSync(file, a.stdout);
    expect(spe('eval', 'logbot', '--batch', '--facts', file, '--no-trace').status).toBe(0);
  });
});

// ---- the independent count: eval --batch on both sides, diffed here ----

interface Decided {
  eligible: boolean | null;
  priority: string | null;
  channels: string[] | null;
  sla: { response: { dueAt: string | null } | null; resolution: { dueAt: string | null } | null } | null;
  billing: { currency: string; total: string } | null;
  error?: unknown;
}

/** Exact money as minor units (the totals are decimal strings). */
function minor(total: string, digits: number): bigint {
  const [whole, fraction = ''] = total.replace('-', '').split('.');
  const n = BigInt(whole! + fraction.padEnd(digits, '0'));
  return total.startsWith('-') ? -n : n;
}

function expectedImpact(a: Decided[], b: Decided[]): Summary {
  const byField: Record<string, number> = {
    eligible: 0,
    priority: 0,
    channels: 0,
    'sla.response.dueAt': 0,
    'sla.resolution.dueAt': 0,
    'billing.total': 0,
  };
  const sums = new Map<string, { n: bigint; digits: number }>();
  let changed = 0;
  let errors = 0;
  const at = (d: string | null | undefined) => (d ? new Date(d).getTime() : null);
  a.forEach((x, i) => {
    const y = b[i]!;
    if (x.error || y.error) return void errors++;
    const fields: string[] = [];
    if (x.eligible !== y.eligible) fields.push('eligible');
    if (x.priority !== y.priority) fields.push('priority');
    if (JSON.stringify(x.channels) !== JSON.stringify(y.channels)) fields.push('channels');
    if (at(x.sla?.response?.dueAt) !== at(y.sla?.response?.dueAt)) fields.push('sla.response.dueAt');
    if (at(x.sla?.resolution?.dueAt) !== at(y.sla?.resolution?.dueAt)) fields.push('sla.resolution.dueAt');
    const bill = (d: Decided) => (d.billing ? `${d.billing.total} ${d.billing.currency}` : null);
    if (bill(x) !== bill(y)) {
      fields.push('billing.total');
      for (const [d, sign] of [
        [x, -1n],
        [y, 1n],
      ] as const) {
        if (!d.billing) continue;
        const digits = d.billing.total.split('.')[1]?.length ?? 0;
        const sum = sums.get(d.billing.currency) ?? { n: 0n, digits };
        sums.set(d.billing.currency, { n: sum.n + sign * minor(d.billing.total, digits), digits });
      }
    }
    for (const f of fields) byField[f]!++;
    if (fields.length > 0) changed++;
  });
  const billingDelta: Record<string, string> = {};
  for (const [currency, { n, digits }] of [...sums].sort(([p], [q]) => p.localeCompare(q))) {
    const abs = (n < 0n ? -n : n).toString().padStart(digits + 1, '0');
    billingDelta[currency] = `${n < 0n ? '-' : ''}${digits ? `${abs.slice(0, -digits)}.${abs.slice(-digits)}` : abs}`;
  }
  return { tickets: a.length, changed, byField, billingDelta, errors };
}

const decisions = (policyFile: string, tickets: string): Decided[] => {
  const r = spe('eval', policyFile, '--batch', '--no-trace', '--facts', tickets);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Decided);
};

/** Edits of the four contracts: a target, a calendar, a tier rule, a rate. */
const EDITS: { id: string; name: string; from: string; to: string }[] = [
  { id: 'zmanda', name: 'target', from: '    P2: { response: 3 hours }', to: '    P2: { response: 4 hours }' },
  { id: 'zmanda', name: 'calendar', from: '    hours: mon-fri 08:00-17:00', to: '    hours: mon-fri 09:00-18:00' },
  { id: 'oto', name: 'target', from: 'resolution: 2 business days }', to: 'resolution: 3 business days }' },
  { id: 'oto', name: 'calendar', from: '    holidays: { country: BR }\n', to: '' },
  {
    id: 'imagicle',
    name: 'tier-rule',
    from: 'when: isSet(alarm) and tier == "basic"',
    to: 'when: isSet(alarm) and tier in ["basic", "gold"]',
  },
  { id: 'imagicle', name: 'calendar', from: 'hours: mon-fri 08:00-20:00; sat 09:00-13:00', to: 'hours: mon-fri 08:00-20:00' },
  { id: 'logbot', name: 'rate', from: 'rate: 75.00 EUR per hour', to: 'rate: 80.00 EUR per hour' },
  { id: 'logbot', name: 'card-minimum', from: '      minimum: 15 minutes', to: '      minimum: 20 minutes' },
];

describe('spe impact agrees with eval --batch on both sides', () => {
  const samples = new Map<string, string>();
  const ticketsOf = (id: string) => {
    if (!samples.has(id)) {
      const r = spe('sample', id, '--tickets', '400', '--year', '2026', '--seed', '19');
      const file = join(tmp, `${id}-tickets.jsonl`);
      // A line that is not JSON and one the facts check refuses: errors on both sides alike.
      writeFileSync(file, `${r.stdout}not json\n{"openedAt": "2026-13-01T00:00:00Z"}\n`);
      samples.set(id, file);
    }
    return samples.get(id)!;
  };

  for (const edit of EDITS) {
    it(`${edit.id}: ${edit.name}`, () => {
      const tickets = ticketsOf(edit.id);
      const to = edited(edit.id, edit.name, edit.from, edit.to);
      const from = join(root, 'policies', `${edit.id}.yaml`);
      const expected = expectedImpact(decisions(from, tickets), decisions(to, tickets));
      // The edit must matter, or the comparison proves nothing.
      expect(expected.changed).toBeGreaterThan(0);
      expect(expected.errors).toBe(2);
      const r = spe('impact', edit.id, '--from', from, '--to', to, '--tickets', tickets, '--threads', '2');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(expected);
    });
  }
});

describe('history revisions as sides', () => {
  it('reads a sha256 revision (or a unique prefix of one) from the policy folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-impact-history-'));
    cpSync(join(root, 'policies', 'zmanda.yaml'), join(dir, 'zmanda.yaml'));
    const old = policy('zmanda').replace('    P2: { response: 3 hours }', '    P2: { response: 2 hours }');
    const hex = createHash('sha256').update(old).digest('hex');
    mkdirSync(join(dir, '.history', 'zmanda'), { recursive: true });
    writeFileSync(join(dir, '.history', 'zmanda', `${hex}.yaml`), old);
    const csv = join(root, 'examples', 'helpdesk', 'zendesk-tickets.csv');
    const map = join(root, 'examples', 'helpdesk', 'zendesk-zmanda.map.yaml');
    const r = spe('impact', 'zmanda', '--policies', dir, '--from', `sha256:${hex.slice(0, 12)}`, '--tickets', csv, '--map', map);
    expect(r.status, r.stderr).toBe(0);
    // The same three standard P2 tickets, now due an hour later than under the 2-hour revision.
    expect((JSON.parse(r.stdout) as Summary).byField['sla.response.dueAt']).toBe(3);
    const unknown = spe('impact', 'zmanda', '--policies', dir, '--from', 'sha256:ffffff', '--tickets', csv, '--map', map);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("no revision 'sha256:ffffff'");
  });
});

describe('POST /v1/policies/:id/impact', () => {
  it('answers the summary of spe impact for a draft on the tickets given', async () => {
    const server = await serverForTest({ copy: ['zmanda.yaml'] });
    const draft = policy('zmanda').replace('    P2: { response: 3 hours }', '    P2: { response: 4 hours }');
    const tickets = [
      { tier: 'standard', impact: 'high', urgency: 'medium', channel: 'phone', openedAt: '2026-03-09T10:00:00+01:00' },
      { tier: 'standard', impact: 'high', urgency: 'high', channel: 'phone', openedAt: '2026-03-09T10:00:00+01:00' },
      { tier: 'gold', impact: 'high', urgency: 'high', channel: 'phone' },
    ];
    const res = await server.post('/v1/policies/zmanda/impact', { source: draft, tickets });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Summary & { details: { top: { line: number }[]; errors: { line: number }[] } };
    // The P2 ticket moves from 13:00 to 14:00; the P1 (1 hour) does not; «gold» is no tier.
    expect([body.tickets, body.changed, body.byField['sla.response.dueAt'], body.errors]).toEqual([3, 1, 1, 1]);
    expect(body.details.top.map((t) => t.line)).toEqual([1]);
    expect(body.details.errors.map((e) => e.line)).toEqual([3]);
  });

  it('runs on the policy’s sample tickets when none are given, and refuses a draft with errors', async () => {
    const server = await serverForTest({ copy: ['zmanda.yaml'] });
    const same = await server.post('/v1/policies/zmanda/impact', {});
    expect(same.status).toBe(200);
    const s = (await same.json()) as Summary & { sample: boolean };
    expect(s.sample).toBe(true);
    expect(s.tickets).toBeGreaterThan(0);
    expect([s.changed, s.errors]).toEqual([0, 0]);
    const broken = await server.post('/v1/policies/zmanda/impact', {
      source: policy('zmanda').replace('rows: urgency', 'rows: urgncy'),
    });
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid-policy');
    const tooMany = await server.post('/v1/policies/zmanda/impact', { tickets: Array.from({ length: 10_001 }, () => ({})) });
    expect(tooMany.status).toBe(400);
    expect((await server.post('/v1/policies/nope/impact', {})).status).toBe(404);
  });
});
