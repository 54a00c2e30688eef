// The picture of an SLA window (engine/sla.ts windowTimeline, through slaTimelines): business,
// closed and paused pieces, each closed one with why, and a holiday with its name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, evaluate, slaTimelines } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const logbot = readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8');

describe('the SLA timeline', () => {
  it('names the holidays it closes for, and keeps a lunch break as its own closed piece', async () => {
    const r = await compileSource(logbot, 'policies/logbot.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    // A card ticket about onboarding: «risposta al ticket max 8h lavorative», counted in Logbot's
    // office hours (Mon–Fri 09:00–13:00, 14:00–18:00, Rome, Italian public holidays). Opened on
    // Friday 3 April 2026 at 16:00: 2 h that day; Sat 4; Easter Sunday 5 and Easter Monday 6 April
    // are Italian public holidays; Tuesday 7: 09:00–13:00 and 14:00–16:00 → due at 16:00.
    const facts = {
      category: 'onboarding',
      channel: 'ticket-portal',
      hasCard: true,
      cardDdtDate: '2026-01-15',
      cardBalance: 400,
      openedAt: '2026-04-03T16:00:00+02:00',
    };
    const decision = evaluate(r.compiled, facts);
    if (!decision.ok) throw new Error(JSON.stringify(decision));
    expect(decision.decision.sla?.response?.dueAt).toBe('2026-04-07T16:00:00+02:00');
    const t = slaTimelines(r.compiled, facts, decision.decision).response!;
    expect(t.closed).toEqual([
      ['2026-04-03T18:00:00+02:00', '2026-04-04T00:00:00+02:00', 'closed'],
      ['2026-04-04T00:00:00+02:00', '2026-04-05T00:00:00+02:00', 'weekend'],
      ['2026-04-05T00:00:00+02:00', '2026-04-06T00:00:00+02:00', 'holiday', 'Easter Sunday'],
      ['2026-04-06T00:00:00+02:00', '2026-04-07T00:00:00+02:00', 'holiday', 'Easter Monday'],
      ['2026-04-07T00:00:00+02:00', '2026-04-07T09:00:00+02:00', 'closed'],
      ['2026-04-07T13:00:00+02:00', '2026-04-07T14:00:00+02:00', 'closed'],
    ]);
    expect(t.business).toEqual([
      ['2026-04-03T16:00:00+02:00', '2026-04-03T18:00:00+02:00'],
      ['2026-04-07T09:00:00+02:00', '2026-04-07T13:00:00+02:00'],
      ['2026-04-07T14:00:00+02:00', '2026-04-07T16:00:00+02:00'],
    ]);
  });

  it('names no holiday on a working day or a plain weekend', async () => {
    const r = await compileSource(logbot, 'policies/logbot.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    // Friday 13 March 2026 at 16:00 + 8 business hours: 2 h, the weekend, Monday 16: 09:00–13:00, 14:00–16:00.
    const facts = {
      category: 'onboarding',
      hasCard: true,
      cardDdtDate: '2026-01-15',
      cardBalance: 400,
      openedAt: '2026-03-13T16:00:00+01:00',
    };
    const decision = evaluate(r.compiled, facts);
    if (!decision.ok) throw new Error(JSON.stringify(decision));
    expect(decision.decision.sla?.response?.dueAt).toBe('2026-03-16T16:00:00+01:00');
    const t = slaTimelines(r.compiled, facts, decision.decision).response!;
    expect(t.closed.map((c) => c[2])).toEqual(['closed', 'weekend', 'weekend', 'closed', 'closed']);
    expect(t.closed.every((c) => c.length === 3)).toBe(true);
  });
});
