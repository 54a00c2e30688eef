// Calendars chosen by the ticket's facts: `calendar:` as an expression over enum facts, a zone
// from a derived fact, and holidays of the customer's country and region. Due dates worked out
// by hand from the calendars' hours and the countries' public holidays.
import { describe, expect, it } from 'vitest';
import { compileSource, evaluate, runPolicyTests } from '../../engine/index.js';

const REGIONAL = `
policy: regional
title: Regional support
version: "1"
effective: 2026-01-01
facts:
  region: { type: enum, values: [americas, emea, apac] }
  federal: { type: boolean, default: false }
  openedAt: { type: datetime }
tiers:
  levels: [standard]
  of: '"standard"'
priorities: [S1, S2]
calendars:
  americas: { timezone: America/New_York, hours: mon-fri 08:00-18:00 }
  emea: { timezone: Europe/London, hours: mon-fri 08:00-18:00 }
  apac: { timezone: Asia/Singapore, hours: mon-fri 08:00-18:00 }
  us-federal: { timezone: America/New_York, hours: mon-fri 08:00-18:00, holidays: { country: US } }
  customer: { timezoneFact: customerZone, hours: mon-fri 08:00-18:00 }
  always: { hours: 24x7 }
derived:
  customerZone: 'if region == "apac" then "Asia/Singapore" else if region == "americas" then "America/New_York" else "Europe/London"'
sla:
  standard:
    calendar: if federal then "us-federal" else region
    S1: { response: 1 hour, calendar: always }
    S2: { response: 4 hours, resolution: 8 hours in customer }
`;

async function compiled(source: string) {
  const r = await compileSource(source, 'regional.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`).join('\n'));
  return r.compiled;
}

const decide = (c: Awaited<ReturnType<typeof compiled>>, facts: Record<string, unknown>) => {
  const r = evaluate(c, facts);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.decision;
};

describe('calendar chosen by a fact', () => {
  // Monday 2026-03-09 12:00 UTC: 12:00 in London (GMT until 29 March), 08:00 in New York (EDT
  // since 8 March), 20:00 in Singapore (closed until Tuesday 08:00).
  const opened = '2026-03-09T12:00:00Z';

  it('gives each region its own business hours', async () => {
    const source = REGIONAL.replace('priorities: [S1, S2]', 'priorities: [S1, S2]\npriority: { default: S2 }');
    const c = await compiled(source);
    const at = (facts: Record<string, unknown>) => decide(c, { openedAt: opened, ...facts }).sla?.response;
    expect(at({ region: 'emea' })).toMatchObject({ calendar: 'emea', dueAt: '2026-03-09T16:00:00+00:00' });
    expect(at({ region: 'americas' })).toMatchObject({ calendar: 'americas', dueAt: '2026-03-09T12:00:00-04:00' });
    expect(at({ region: 'apac' })).toMatchObject({ calendar: 'apac', dueAt: '2026-03-10T12:00:00+08:00' });
    // The federal variant counts in the US calendar whatever the region.
    expect(at({ region: 'apac', federal: true })).toMatchObject({ calendar: 'us-federal', dueAt: '2026-03-09T12:00:00-04:00' });
  });

  it('leaves the SLA open when the region is not given, naming it', async () => {
    const source = REGIONAL.replace('priorities: [S1, S2]', 'priorities: [S1, S2]\npriority: { default: S2 }');
    const d = decide(await compiled(source), { openedAt: opened });
    expect(d.sla).toBeNull();
    expect(d.missingFacts).toEqual(['region']);
    // A federal ticket needs no region: its calendar is chosen by `federal` alone.
    const f = decide(await compiled(source), { openedAt: opened, federal: true });
    expect(f.sla?.response).toMatchObject({ calendar: 'us-federal', dueAt: '2026-03-09T12:00:00-04:00' });
  });

  it("takes a calendar's zone from a derived fact", async () => {
    const source = REGIONAL.replace('priorities: [S1, S2]', 'priorities: [S1, S2]\npriority: { default: S2 }');
    const c = await compiled(source);
    // 8 business hours in the customer's zone: Singapore opens Tuesday 08:00, so Tuesday 16:00.
    expect(decide(c, { openedAt: opened, region: 'apac' }).sla?.resolution).toMatchObject({
      calendar: 'customer',
      dueAt: '2026-03-10T16:00:00+08:00',
    });
    // London: 12:00–18:00 Monday (6 h), then 08:00–10:00 Tuesday.
    expect(decide(c, { openedAt: opened, region: 'emea' }).sla?.resolution?.dueAt).toBe('2026-03-10T10:00:00+00:00');
    // A federal ticket without a region: the response counts in the federal calendar, but the
    // customer's zone is not known, so the resolution has no due date and the region is missing.
    const federal = decide(c, { openedAt: opened, federal: true });
    expect(federal.sla?.response?.dueAt).toBe('2026-03-09T12:00:00-04:00');
    expect(federal.sla?.resolution).toMatchObject({ calendar: 'customer', dueAt: null });
    expect(federal.missingFacts).toEqual(['region']);
  });

  it('reports a region without a calendar before any ticket is seen', async () => {
    const r = await compileSource(REGIONAL.replace(/ {2}apac: \{ timezone.*\n/, ''), 'regional.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toContain('sla.calendar-choice');
  });

  it('accepts a region mapped to another calendar before the rest go by name', async () => {
    const source = REGIONAL.replace(/ {2}apac: \{ timezone.*\n/, '')
      .replace('priorities: [S1, S2]', 'priorities: [S1, S2]\npriority: { default: S2 }')
      .replace('calendar: if federal then "us-federal" else region', 'calendar: if region == "apac" then "emea" else region');
    const c = await compiled(source);
    // Singapore's ticket counts in London's hours: Monday 12:00–16:00.
    expect(decide(c, { openedAt: opened, region: 'apac' }).sla?.response).toMatchObject({
      calendar: 'emea',
      dueAt: '2026-03-09T16:00:00+00:00',
    });
    expect(decide(c, { openedAt: opened, region: 'americas' }).sla?.response?.calendar).toBe('americas');
  });
});

const LOCAL_HOLIDAYS = `
policy: local-holidays
title: Support closed on the customer's holidays
version: "1"
effective: 2026-01-01
facts:
  country: { type: enum, values: [DE, IT, GB] }
  state: { type: enum, values: [BY, NW] }
  openedAt: { type: datetime }
priorities: [P1]
calendars:
  local:
    timezone: Europe/Berlin
    hours: mon-fri 09:00-17:00
    holidays: { country: DE, countryFact: country, regionFact: state }
sla:
  standard:
    calendar: local
    P1: { response: 2 hours }
tiers:
  levels: [standard]
  of: '"standard"'
priority: { default: P1 }
`;

describe("holidays of the customer's country and region", () => {
  // Tuesday 2026-01-06 10:00 in Berlin: Epiphany, a public holiday in Italy and in Bavaria, not
  // in Germany as a whole (so not in North Rhine-Westphalia) nor in Great Britain.
  const openedAt = '2026-01-06T10:00:00+01:00';
  it('closes on the holidays of the country and region given, the calendar’s own when not given', async () => {
    const c = await compiled(LOCAL_HOLIDAYS);
    const due = (facts: Record<string, unknown>) => decide(c, { openedAt, ...facts }).sla?.response?.dueAt;
    expect(due({})).toBe('2026-01-06T12:00:00+01:00');
    expect(due({ country: 'DE' })).toBe('2026-01-06T12:00:00+01:00');
    expect(due({ country: 'DE', state: 'NW' })).toBe('2026-01-06T12:00:00+01:00');
    expect(due({ country: 'DE', state: 'BY' })).toBe('2026-01-07T11:00:00+01:00');
    expect(due({ state: 'BY' })).toBe('2026-01-07T11:00:00+01:00');
    expect(due({ country: 'IT' })).toBe('2026-01-07T11:00:00+01:00');
    expect(due({ country: 'GB' })).toBe('2026-01-06T12:00:00+01:00');
  });

  it('refuses a country fact whose values are not known in advance', async () => {
    const r = await compileSource(LOCAL_HOLIDAYS.replace('country: { type: enum, values: [DE, IT, GB] }', 'country: { type: string }'), 'h.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toContain('policy.fact-type');
  });
});

describe('definitions and reused blocks', () => {
  const REUSED = `
policy: reused
title: Reused blocks
version: "1"
effective: 2026-01-01
facts:
  plan: { type: enum, values: [gold, platinum] }
  openedAt: { type: datetime }
tiers: { levels: [gold, platinum], of: plan }
priorities: [P1, P2]
priority: { default: P2 }
definitions:
  targets: &targets
    P1: { response: 1 hour }
    P2: { response: 4 hours }
sla:
  gold: *targets
  platinum: *targets
tests:
  - name: gold P2
    facts: { plan: gold, openedAt: "2026-03-09T09:00:00Z" }
    expect: { sla.response.dueAt: "2026-03-09T13:00:00Z" }
`;
  it('decides alike in each place a block is used, and counts it once for coverage', async () => {
    const c = await compiled(REUSED);
    expect(decide(c, { plan: 'platinum', openedAt: '2026-03-09T09:00:00Z' }).sla?.response?.dueAt).toBe(
      '2026-03-09T13:00:00+00:00',
    );
    const { coverage } = runPolicyTests(c);
    // Rules: the tier's two branches and the one P2 block used by both tiers are covered; the
    // P1 block is not, whichever tier would use it.
    expect(coverage.uncovered.map((u) => u.name)).toEqual(['tier.platinum', 'sla.gold.P1']);
    expect(coverage.total - coverage.covered).toBe(2);
  });
});

describe('hours that end at midnight', () => {
  it('join the next day’s hours that start at midnight: a target counts across without a gap', async () => {
    const c = await compiled(`
policy: night-shift
title: Night shift
version: "1"
effective: 2026-01-01
facts:
  openedAt: { type: datetime }
priorities: [P1]
priority: { default: P1 }
tiers: { levels: [standard], of: '"standard"' }
calendars:
  night: { timezone: Europe/London, hours: "sun 15:00-24:00; mon 00:00-08:00" }
sla:
  standard:
    calendar: night
    P1: { response: 2 hours }
`);
    // Sunday 2026-03-08 23:00 in London: one hour on Sunday, one from Monday 00:00.
    expect(decide(c, { openedAt: '2026-03-08T23:00:00Z' }).sla?.response?.dueAt).toBe('2026-03-09T01:00:00+00:00');
    // Opened at 22:00, the two hours end at midnight: due at that instant.
    expect(decide(c, { openedAt: '2026-03-08T22:00:00Z' }).sla?.response?.dueAt).toBe('2026-03-09T00:00:00+00:00');
  });
});
