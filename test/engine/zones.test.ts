// One instant, one answer: the bundled policies decide an instant the same however it is written,
// reading its date in the policy's zone. The cases by hand, then a metamorphic property.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { factsOf } from '../support/arbitraries.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDateTime } from '../../dsl/index.js';
import { type Decision, compileSource, evaluate } from '../../engine/index.js';
import type { CompiledPolicy } from '../../engine/compile.js';

const dir = join(import.meta.dirname, '..', '..', 'policies');
const NAMES = ['oto', 'logbot', 'imagicle', 'zmanda'] as const;
const compiled = new Map<string, CompiledPolicy>();

beforeAll(async () => {
  for (const name of NAMES) {
    const r = await compileSource(readFileSync(join(dir, `${name}.yaml`), 'utf8'), `policies/${name}.yaml`);
    if (!r.ok) throw new Error(`policies/${name}.yaml does not compile`);
    compiled.set(name, r.compiled);
  }
});

function decide(policy: string, facts: Record<string, unknown>, now?: string): Decision {
  const r = evaluate(compiled.get(policy)!, facts, now ? { now } : {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.decision;
}

const otoTicket = {
  requesterRole: 'gestor',
  requesterHasSupportSeat: true,
  category: 'bug',
  severity: 'major',
  channel: 'email',
  supportStartsAt: '2026-03-10',
};

describe("the issue's cases", () => {
  it.each(['2026-03-09T22:00:00-03:00', '2026-03-10T01:00:00Z'])(
    'Oto refuses %s as before support starts on 2026-03-10',
    (openedAt) => {
      // Both are 22:00 on 9 March in São Paulo (-03:00): the day before support starts.
      const d = decide('oto', { ...otoTicket, openedAt });
      expect(d.eligible).toBe(false);
      expect(d.reasons.map((r) => r.code)).toContain('before-support-start');
    },
  );

  it('Oto accepts the first minute of 10 March in São Paulo, written in UTC', () => {
    // 03:00 UTC on 10 March is 00:00 on 10 March in São Paulo.
    expect(decide('oto', { ...otoTicket, openedAt: '2026-03-10T03:00:00Z' }).reasons.map((r) => r.code)).not.toContain(
      'before-support-start',
    );
  });

  it('Logbot starts a card without DDT date on 1 January of its first ticket’s year in Rome', () => {
    // 23:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Rome: the card runs 2026-01-01 to
    // 2027-01-01, so a ticket on 20 December 2026 is covered (priority high). Read in UTC, the card
    // would have started 2025-01-01 and expired on 2026-01-01 (priority standard).
    const d = decide('logbot', {
      category: 'onboarding',
      hasCard: true,
      cardFirstTicketAt: '2025-12-31T23:30:00Z',
      cardBalance: 300,
      openedAt: '2026-12-20T10:00:00+01:00',
    });
    expect(d.priority).toBe('high');
  });

  it('Logbot reads 22:30 UTC on 14 June as 15 June in Rome', () => {
    // A card delivered 2025-06-15 is valid while the ticket's date is before 2026-06-15. 22:30 UTC on
    // 14 June is 00:30 on 15 June in Rome (+02:00): the card has expired (standard, not high).
    const facts = { category: 'onboarding', hasCard: true, cardDdtDate: '2025-06-15', cardBalance: 300 };
    expect(decide('logbot', { ...facts, openedAt: '2026-06-14T22:30:00Z' }).priority).toBe('standard');
    // 21:30 UTC is 23:30 on 14 June in Rome: still valid.
    expect(decide('logbot', { ...facts, openedAt: '2026-06-14T21:30:00Z' }).priority).toBe('high');
  });

  it('Logbot asks to regularize by the end of the month after the ticket’s month in Rome', () => {
    // 22:30 UTC on 31 March is 00:30 on 1 April in Rome (+02:00 since 29 March): the ticket's month
    // is April, so regularizeBy is the last day of May, 2026-05-31 (not 2026-04-30). The balance,
    // 10 logbit, less 20 minutes raised to the 15-minute minimum (20) is -10: negative.
    const d = decide('logbot', {
      category: 'hardware',
      hasCard: true,
      cardDdtDate: '2026-01-10',
      cardBalance: 10,
      workedMinutes: 20,
      openedAt: '2026-03-31T22:30:00Z',
    });
    expect(d.billing?.notices).toContainEqual(
      expect.objectContaining({ code: 'credit-insufficient', regularizeBy: '2026-05-31' }),
    );
  });

  it('Imagicle gives the support expert to a platinum ticket of 00:30 on 1 April 2020 in Rome, written in UTC', () => {
    // 22:30 UTC on 31 March 2020 is 00:30 on 1 April in Rome (+02:00): openedAt >= 2020-04-01 holds.
    const d = decide('imagicle', { tier: 'platinum', priority: 'P3', openedAt: '2020-03-31T22:30:00Z' });
    expect(d.entitlements).toContain('support-expert');
    // 21:30 UTC is 23:30 on 31 March in Rome: not yet.
    const before = decide('imagicle', { tier: 'platinum', priority: 'P3', openedAt: '2020-03-31T21:30:00Z' });
    expect(before.entitlements).not.toContain('support-expert');
  });

  it('Zmanda prints a premium 24x7 dueAt in the customer’s zone', () => {
    // P1 premium: 15 minutes, 24x7. 01:00 UTC + 15 min = 01:15 UTC, which is 02:15 in Rome (+01:00,
    // the default zone) and 22:15 the day before in São Paulo (-03:00).
    const ticket = { tier: 'premium', impact: 'high', urgency: 'high', channel: 'phone', openedAt: '2026-03-10T01:00:00Z' };
    expect(decide('zmanda', ticket).sla?.response?.dueAt).toBe('2026-03-10T02:15:00+01:00');
    expect(decide('zmanda', { ...ticket, timezone: 'america/sao_paulo' }).sla?.response?.dueAt).toBe('2026-03-09T22:15:00-03:00');
  });
});

describe('zone facts', () => {
  it('canonicalizes a timezone fact and refuses a fixed offset, naming the fact', () => {
    const ticket = { tier: 'premium', impact: 'high', urgency: 'high', channel: 'phone', openedAt: '2026-03-10T01:00:00Z' };
    const ok = evaluate(compiled.get('zmanda')!, { ...ticket, timezone: 'eUrope/rome' });
    expect(ok.ok).toBe(true);
    for (const zone of ['EST', 'Etc/GMT+5']) {
      const bad = evaluate(compiled.get('zmanda')!, { ...ticket, timezone: zone });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.problems[0]).toMatchObject({ pointer: '/timezone', fact: 'timezone' });
        expect(bad.problems[0]!.message).toContain(`fact 'timezone': time zone '${zone}'`);
      }
    }
  });

  it('gives the same decision, decisionId included, for a zone written in any case', () => {
    const ticket = { tier: 'premium', impact: 'high', urgency: 'high', channel: 'phone', openedAt: '2026-03-10T01:00:00Z' };
    const { trace: _a, ...a } = decide('zmanda', { ...ticket, timezone: 'Europe/Rome' });
    const { trace: _b, ...b } = decide('zmanda', { ...ticket, timezone: 'EUROPE/ROME' });
    expect(b).toEqual(a);
  });
});

// ---- the metamorphic property -----------------------------------------------------------------

const OFFSETS = [0, -180, 540, 840]; // UTC, -03:00, +09:00, +14:00, in minutes

/** An instant written in another offset: the same instant. */
function rewrite(datetime: string, offsetMinutes: number): string {
  const ms = Date.parse(datetime);
  const local = new Date(ms + offsetMinutes * 60_000).toISOString();
  const millis = local.slice(19, 23) === '.000' ? '' : local.slice(19, 23);
  if (offsetMinutes === 0) return `${local.slice(0, 19)}${millis}Z`;
  const m = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local.slice(0, 19)}${millis}${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function rewriteFacts(facts: Record<string, unknown>, offset: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts)) {
    if (isDateTime(v)) out[k] = rewrite(v, offset);
    else if (Array.isArray(v))
      out[k] = v.map((p: unknown) =>
        p !== null && typeof p === 'object'
          ? Object.fromEntries(Object.entries(p).map(([pk, pv]) => [pk, isDateTime(pv) ? rewrite(pv, offset) : pv]))
          : p,
      );
    else out[k] = v;
  }
  return out;
}

const withoutTrace = (d: Decision) => {
  const { trace: _, ...rest } = d;
  return JSON.stringify(rest);
};

describe('one instant, one answer', () => {
  it('decides every bundled policy test alike with its instants (and now) written in another offset', () => {
    const cases = NAMES.flatMap((name) => compiled.get(name)!.policy.tests.map((t) => ({ name, facts: t.facts, now: t.now })));
    // Generated instants too: the policies' tests with openedAt moved anywhere in 2019–2027.
    const moved = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2027, 11, 31) }).map((ms) => new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.option(moved), fc.constantFrom(...OFFSETS), (c, openedAt, offset) => {
        const facts = openedAt && 'openedAt' in c.facts ? { ...c.facts, openedAt } : c.facts;
        const first = evaluate(compiled.get(c.name)!, facts, c.now ? { now: c.now } : {});
        const again = evaluate(compiled.get(c.name)!, rewriteFacts(facts, offset), c.now ? { now: rewrite(c.now, offset) } : {});
        expect(again.ok).toBe(first.ok);
        if (first.ok && again.ok) expect(withoutTrace(again.decision)).toBe(withoutTrace(first.decision));
      }),
      { numRuns: 600 },
    );
  });

  it('decides generated facts of every bundled policy alike with their instants written in another offset', () => {
    for (const name of NAMES) {
      const c = compiled.get(name)!;
      fc.assert(
        fc.property(factsOf(c.policy), fc.constantFrom(...OFFSETS), (facts, offset) => {
          const first = evaluate(c, facts);
          const again = evaluate(c, rewriteFacts(facts, offset));
          expect(again.ok, name).toBe(first.ok);
          if (first.ok && again.ok) expect(withoutTrace(again.decision), name).toBe(withoutTrace(first.decision));
        }),
        { numRuns: 300 },
      );
    }
  });
});
