// Facts outside their domain are refused with a pointer, never decided: the bounds a policy
// declares (min, max), its assert: section, and the checks built into every policy (safe
// integers, hours 00–23, pauses in order and not before openedAt). The same bad tickets go
// through the engine, `spe eval` and `spe test` as real processes, and a real server (both the
// evaluation lane and the express route, one by one and in a batch), and are refused alike.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, runSpe } from '../support/spe.js';
import { type CompiledPolicy, type FactProblem, compileSource, evaluate } from '../../engine/index.js';
import { type TestServer, policiesCopy, withServer } from '../support/with-server.js';

const spe = runSpe;

const opened = '2026-03-10T10:00:00+01:00';
const OUTSIDE = 'is outside the instants the engine counts: between 2000-01-01T00:00:00Z and 2100-12-31T23:59:59Z';
const CLOCK = 'the SLA clock counts at most 5 years (1827 days)';
const whole = "fact 'workedMinutes' should be a whole number between -9007199254740991 and 9007199254740991";

/**
 * Each bad ticket as JSON text (so a number past 2^53 reaches the parser as written), with the
 * one problem it must give. Every expected message was worked out by hand from the ticket.
 */
const refused: { name: string; policy: string; facts: string; problem: FactProblem }[] = [
  {
    name: 'negative worked minutes (Logbot assertion)',
    policy: 'logbot',
    facts: `{"category": "hardware", "workedMinutes": -20, "openedAt": "${opened}"}`,
    problem: {
      pointer: '/workedMinutes',
      fact: 'workedMinutes',
      message: 'Worked minutes cannot be negative.',
      code: 'worked-minutes-negative',
    },
  },
  {
    name: 'a purchase of no packages',
    policy: 'logbot',
    facts: '{"purchaseSku": "LOGBOT-CREDIT-100", "purchaseQuantity": 0}',
    problem: {
      pointer: '/purchaseQuantity',
      fact: 'purchaseQuantity',
      message: 'A purchase is of one credit package or more.',
      code: 'purchase-quantity-too-small',
    },
  },
  {
    name: 'a purchase of -2 packages',
    policy: 'logbot',
    facts: '{"purchaseSku": "LOGBOT-CREDIT-100", "purchaseQuantity": -2}',
    problem: {
      pointer: '/purchaseQuantity',
      fact: 'purchaseQuantity',
      message: 'A purchase is of one credit package or more.',
      code: 'purchase-quantity-too-small',
    },
  },
  {
    name: 'half a logbit on the card',
    policy: 'logbot',
    facts: `{"category": "hardware", "hasCard": true, "cardDdtDate": "2026-01-10", "cardBalance": 0.5, "openedAt": "${opened}"}`,
    problem: { pointer: '/cardBalance', fact: 'cardBalance', message: "fact 'cardBalance' should be a whole number" },
  },
  {
    name: 'worked minutes past 2^53 (JSON reads 9007199254740993 as …992)',
    policy: 'logbot',
    facts: '{"category": "hardware", "workedMinutes": 9007199254740993}',
    problem: {
      pointer: '/workedMinutes',
      fact: 'workedMinutes',
      message: `${whole}, exactly as written (got 9007199254740992)`,
    },
  },
  {
    name: 'a pause that ends before it starts',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2026-03-10T12:00:00+01:00", "to": "2026-03-10T11:00:00+01:00"}]}`,
    problem: {
      pointer: '/pauses/0/to',
      fact: 'pauses',
      message: "fact 'pauses' (0): 'to' (2026-03-10T11:00:00+01:00) should be after 'from' (2026-03-10T12:00:00+01:00)",
    },
  },
  {
    name: 'a pause of no time (the second one)',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2026-03-10T11:00:00+01:00", "to": "2026-03-10T11:30:00+01:00"}, {"from": "2026-03-10T12:00:00Z", "to": "2026-03-10T13:00:00+01:00"}]}`,
    problem: {
      pointer: '/pauses/1/to',
      fact: 'pauses',
      message: "fact 'pauses' (1): 'to' (2026-03-10T13:00:00+01:00) should be after 'from' (2026-03-10T12:00:00Z)",
    },
  },
  {
    name: 'a pause that starts before the ticket was opened',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2026-03-10T09:00:00+01:00", "to": "2026-03-10T11:00:00+01:00"}]}`,
    problem: {
      pointer: '/pauses/0/from',
      fact: 'pauses',
      message: `fact 'pauses' (0): 'from' (2026-03-10T09:00:00+01:00) is before openedAt (${opened})`,
    },
  },
  {
    name: 'a pause entry without its end',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2026-03-10T11:00:00+01:00"}]}`,
    problem: { pointer: '/pauses/0/to', fact: 'pauses', message: "fact 'pauses' (0) needs 'to'" },
  },
  {
    name: 'a pause entry whose end is not a time',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2026-03-10T11:00:00+01:00", "to": "noon"}]}`,
    problem: {
      pointer: '/pauses/0/to',
      fact: 'pauses',
      message: "fact 'pauses' (0/to) should be a date and time with its offset, like 2024-01-31T09:30:00+01:00",
    },
  },
  {
    name: 'a response before the ticket was opened',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "respondedAt": "2026-03-10T08:59:00Z"}`,
    problem: {
      pointer: '/respondedAt',
      fact: 'respondedAt',
      message: `fact 'respondedAt' (2026-03-10T08:59:00Z) is before openedAt (${opened})`,
    },
  },
  {
    name: 'hour 24',
    policy: 'logbot',
    facts: '{"category": "onboarding", "openedAt": "2026-03-10T24:00:00+01:00"}',
    problem: {
      pointer: '/openedAt',
      fact: 'openedAt',
      message: "fact 'openedAt' should be a date and time with its offset, like 2024-01-31T09:30:00+01:00",
    },
  },
  {
    name: 'a five-digit release year (Imagicle max)',
    policy: 'imagicle',
    facts: '{"tier": "gold", "priority": "P2", "releaseYear": 20201}',
    problem: { pointer: '/releaseYear', fact: 'releaseYear', message: "fact 'releaseYear' should be at most 9999 (got 20201)" },
  },
  {
    name: 'a release year before 2000 (Imagicle min)',
    policy: 'imagicle',
    facts: '{"tier": "gold", "priority": "P2", "releaseYear": 1999}',
    problem: { pointer: '/releaseYear', fact: 'releaseYear', message: "fact 'releaseYear' should be at least 2000 (got 1999)" },
  },
  {
    name: 'a ticket opened before 2000 (in UTC: 00:30 at +01:00 is still 1999)',
    policy: 'logbot',
    facts: '{"category": "onboarding", "openedAt": "2000-01-01T00:30:00+01:00"}',
    problem: {
      pointer: '/openedAt',
      fact: 'openedAt',
      message: `fact 'openedAt' (2000-01-01T00:30:00+01:00) ${OUTSIDE}`,
    },
  },
  {
    name: 'a ticket opened in 2101',
    policy: 'logbot',
    facts: '{"category": "onboarding", "openedAt": "2101-01-01T00:00:00Z"}',
    problem: { pointer: '/openedAt', fact: 'openedAt', message: `fact 'openedAt' (2101-01-01T00:00:00Z) ${OUTSIDE}` },
  },
  {
    name: 'a pause that ends in 2101',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "2100-12-30T10:00:00Z", "pauses": [{"from": "2100-12-31T10:00:00Z", "to": "2101-01-01T00:00:00Z"}]}`,
    problem: {
      pointer: '/pauses/0/to',
      fact: 'pauses',
      message: `fact 'pauses' (0): 'to' (2101-01-01T00:00:00Z) ${OUTSIDE}`,
    },
  },
  {
    name: 'a response more than 5 years (1827 days) after the opening',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "respondedAt": "2031-03-11T10:00:01+01:00"}`,
    problem: {
      pointer: '/respondedAt',
      fact: 'respondedAt',
      message: `fact 'respondedAt' (2031-03-11T10:00:01+01:00) is more than 5 years after openedAt (${opened}): ${CLOCK}`,
    },
  },
  {
    name: 'a pause that ends more than 5 years after the opening',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "pauses": [{"from": "2027-01-01T00:00:00Z", "to": "2031-03-12T00:00:00Z"}]}`,
    problem: {
      pointer: '/pauses/0/to',
      fact: 'pauses',
      message: `fact 'pauses' (0): 'to' (2031-03-12T00:00:00Z) is more than 5 years after openedAt (${opened}): ${CLOCK}`,
    },
  },
];

/** Tickets just inside the same lines, each decided. */
const accepted: { name: string; policy: string; facts: string }[] = [
  { name: 'no minutes worked', policy: 'logbot', facts: `{"category": "hardware", "workedMinutes": 0, "openedAt": "${opened}"}` },
  { name: 'minutes not given: nothing to check', policy: 'logbot', facts: '{"category": "hardware"}' },
  { name: 'one package', policy: 'logbot', facts: '{"purchaseSku": "LOGBOT-CREDIT-100", "purchaseQuantity": 1}' },
  {
    name: 'a response at the very opening, a pause right after it',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "respondedAt": "2026-03-10T09:00:00Z", "pauses": [{"from": "${opened}", "to": "2026-03-10T10:01:00+01:00"}]}`,
  },
  { name: 'hour 23:59', policy: 'logbot', facts: '{"category": "onboarding", "openedAt": "2026-03-10T23:59:59+01:00"}' },
  { name: 'release 2000 and 9999', policy: 'imagicle', facts: '{"tier": "gold", "priority": "P2", "releaseYear": 2000}' },
  { name: 'release 9999', policy: 'imagicle', facts: '{"tier": "gold", "priority": "P2", "releaseYear": 9999}' },
  {
    name: 'the first instant of 2000',
    policy: 'logbot',
    facts: '{"category": "onboarding", "openedAt": "2000-01-01T00:00:00Z"}',
  },
  { name: 'the last second of 2100', policy: 'logbot', facts: '{"category": "onboarding", "openedAt": "2100-12-31T23:59:59Z"}' },
  {
    name: 'a response 1827 days after the opening, to the second',
    policy: 'logbot',
    facts: `{"category": "onboarding", "openedAt": "${opened}", "respondedAt": "2031-03-11T10:00:00+01:00"}`,
  },
];

const compiled = new Map<string, CompiledPolicy>();
beforeAll(async () => {
  for (const id of ['logbot', 'imagicle']) {
    const r = await compileSource(readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8'), `policies/${id}.yaml`);
    if (!r.ok) throw new Error(`${id} does not compile`);
    compiled.set(id, r.compiled);
  }
});

describe('evaluate refuses facts outside their domain', () => {
  for (const c of refused) {
    it(c.name, () => {
      expect(evaluate(compiled.get(c.policy)!, JSON.parse(c.facts))).toEqual({ ok: false, problems: [c.problem] });
    });
  }
  for (const c of accepted) {
    it(`decides: ${c.name}`, () => {
      expect(evaluate(compiled.get(c.policy)!, JSON.parse(c.facts)).ok).toBe(true);
    });
  }

  it('reports every failed assertion and every bad entry at once', () => {
    const both = { category: 'hardware', workedMinutes: -1, purchaseSku: 'LOGBOT-CREDIT-100', purchaseQuantity: 0 };
    expect(evaluate(compiled.get('logbot')!, both)).toMatchObject({
      ok: false,
      problems: [{ code: 'worked-minutes-negative' }, { code: 'purchase-quantity-too-small' }],
    });
  });

  it('bills the minutes once they are in range: 0 minutes at the hourly rate are its 30-minute minimum', () => {
    const r = evaluate(compiled.get('logbot')!, { category: 'hardware', workedMinutes: 0, openedAt: opened });
    expect(r.ok && r.decision.billing).toMatchObject({ billableMinutes: 30, amount: '37.50', tax: '8.25', total: '45.75' });
  });
});

/** Times of evaluation the clock does not count, each with its problem (on `now`, not a fact). */
const refusedNow: { name: string; now: string; message: string }[] = [
  { name: 'now in 2101', now: '2101-01-01T00:00:00Z', message: `now (2101-01-01T00:00:00Z) ${OUTSIDE}` },
  { name: 'now in 1999', now: '1999-12-31T23:59:59Z', message: `now (1999-12-31T23:59:59Z) ${OUTSIDE}` },
  {
    name: 'now more than 5 years after the opening',
    now: '2031-03-12T00:00:00Z',
    message: `now (2031-03-12T00:00:00Z) is more than 5 years after openedAt (${opened}): ${CLOCK}`,
  },
];
const nowTicket = `{"category": "onboarding", "openedAt": "${opened}"}`;

describe('evaluate refuses a now the clock does not count', () => {
  for (const c of refusedNow) {
    it(c.name, () => {
      expect(evaluate(compiled.get('logbot')!, JSON.parse(nowTicket), { now: c.now })).toEqual({
        ok: false,
        problems: [{ pointer: '', fact: 'now', message: c.message }],
      });
    });
  }
  it('decides with now 1827 days after the opening, and with now before it', () => {
    expect(evaluate(compiled.get('logbot')!, JSON.parse(nowTicket), { now: '2031-03-11T09:00:00Z' }).ok).toBe(true);
    expect(evaluate(compiled.get('logbot')!, JSON.parse(nowTicket), { now: '2026-01-01T00:00:00Z' }).ok).toBe(true);
  });
});

describe('spe eval refuses them', () => {
  it('--now past the clock: exit 1 with the problem', () => {
    const r = spe(['eval', 'logbot', '--facts', '-', '--compact', '--now', refusedNow[2]!.now], nowTicket);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'invalid-facts',
        message: 'the facts do not fit the policy',
        details: [{ pointer: '', fact: 'now', message: refusedNow[2]!.message }],
      },
    });
  });

  for (const c of refused) {
    it(c.name, () => {
      const r = spe(['eval', c.policy, '--facts', '-', '--compact'], c.facts);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({
        error: { code: 'invalid-facts', message: 'the facts do not fit the policy', details: [c.problem] },
      });
    });
  }

  it('--batch writes one line per ticket: an error for a bad one, the decision for a good one', () => {
    const lines = [refused[0]!.facts, accepted[0]!.facts, refused[4]!.facts].join('\n');
    const r = spe(['eval', 'logbot', '--batch', '--facts', '-', '--no-trace'], `${lines}\n`);
    expect(r.status).toBe(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({
      error: { code: 'invalid-facts', message: 'the facts do not fit the policy', details: [refused[0]!.problem] },
    });
    expect(out[1]).toMatchObject({ eligible: true, billing: { total: '45.75' } });
    expect(out[2].error.details).toEqual([refused[4]!.problem]);
    expect(r.stderr).toContain('2 of 3 lines could not be decided');
  });
});

describe('spe test', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'spe-refused-'));
  const policy = (tests: string) => {
    const file = join(tmp, `logbot-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `${readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8').replace(/\ntests:\n[\s\S]*$/, '\ntests:\n')}${tests}`,
    );
    return file;
  };

  it('fails a test whose facts are refused, with the problem and its pointer', () => {
    const file = policy(`  - name: minutes typed with a minus
    facts: { category: hardware, workedMinutes: -20 }
    expect: { billing.total: "45.75" }
`);
    const r = spe(['test', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('the facts do not fit: /workedMinutes: Worked minutes cannot be negative.');
  });

  it('passes a test that expects the refusal, and fails one that expects a refusal of valid facts', () => {
    const file = policy(`  - name: minutes typed with a minus
    facts: { category: hardware, workedMinutes: -20 }
    expect: { error: invalid-facts, problems: [worked-minutes-negative] }
  - name: zero minutes are fine
    facts: { category: hardware, workedMinutes: 0 }
    expect: { error: invalid-facts }
`);
    const r = spe(['test', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('1 passed, 1 failed');
    expect(r.stdout).toMatch(/✗ zero minutes are fine.*\n\s+error:\n\s+expected "invalid-facts"\n\s+actual {3}null\n/);
  });
});

describe('the service refuses them with 400 invalid-facts', () => {
  const options = { dir: policiesCopy(['logbot.yaml', 'imagicle.yaml']), token: 'refused-test-token-1234567890' };
  const lane = withServer({ ...options, watch: false });
  const plain = withServer({ ...options, watch: false, evaluationLane: false });
  const post = async (server: TestServer, path: string, body: string) => {
    const res = await server.post(path, body);
    return { status: res.status, body: await res.json() };
  };

  /** The lane and express's route both refuse the body with this one problem, in the same words. */
  const refusedAlike = async (body: string, problem: object) => {
    const [a, b] = await Promise.all([post(lane, '/v1/evaluate', body), post(plain, '/v1/evaluate', body)]);
    expect(a).toEqual(b);
    expect(a).toEqual({
      status: 400,
      body: { error: { code: 'invalid-facts', message: 'the facts do not fit the policy', details: [problem] } },
    });
  };

  for (const c of refused) {
    it(c.name, async () => {
      const body = `{"policy": "${c.policy}", "facts": ${c.facts}}`;
      await refusedAlike(body, { ...c.problem, pointer: `/facts${c.problem.pointer}` });
    });
  }

  for (const c of refusedNow) {
    it(`${c.name}: 400 pointing at /now`, async () => {
      const body = `{"policy": "logbot", "facts": ${nowTicket}, "now": "${c.now}"}`;
      await refusedAlike(body, { pointer: '/now', fact: 'now', message: c.message });
    });
  }

  it('refuses each bad item of a batch by itself, in order', async () => {
    const items = [refused[0]!, accepted[0]!, refused[5]!];
    const body = `{"requests": [${items.map((c) => `{"policy": "${c.policy}", "facts": ${c.facts}}`).join(', ')}]}`;
    const r = await post(lane, '/v1/evaluate/batch', body);
    expect(r.status).toBe(200);
    const results = (r.body as { results: unknown[] }).results;
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({
      error: {
        code: 'invalid-facts',
        message: 'the facts do not fit the policy',
        details: [{ ...refused[0]!.problem, pointer: '/requests/0/facts/workedMinutes' }],
      },
    });
    expect(results[1]).toMatchObject({ eligible: true, billing: { total: '45.75' } });
    expect(results[2]).toMatchObject({
      error: { code: 'invalid-facts', details: [{ pointer: '/requests/2/facts/pauses/0/to', fact: 'pauses' }] },
    });
  });
});
