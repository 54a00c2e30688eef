// Tickets whose decisions run the SLA clock: Oto (São Paulo, a Brazilian holiday in reach) and
// Logbot (Rome, a lunch break), opened on the quarter hour over two weeks, each decided four
// hours after it opened so that each window's status is worked out too. Used by bench/clock.ts
// and bench/compare.mjs.
import type { CompiledPolicy } from '../engine/index.js';

const otoTicket = (openedAt: string) => ({
  requesterRole: 'gestor',
  requesterHasSupportSeat: true,
  supportStartsAt: '2026-01-05',
  category: 'bug',
  severity: 'minor',
  channel: 'email',
  openedAt,
});
const logbotTicket = (openedAt: string) => ({
  category: 'onboarding',
  hasCard: true,
  cardDdtDate: '2026-01-10',
  cardBalance: 400,
  workedMinutes: 7,
  openedAt,
});

/** Four hours after a ticket opened: it is running, and its windows have a status. */
const nowFor = (openedAt: string) => new Date(Date.parse(openedAt) + 4 * 3_600_000).toISOString();

function formatLocal(ms: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const shift = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  return `${new Date(ms + shift).toISOString().slice(0, 19)}${offset}`;
}

/**
 * Two tickets whose response due dates were worked out by hand (the policies' tests say the
 * same): Oto P3 opened Wed 18 Nov 2026 14:00 in São Paulo: Wed 4 h, Thu 9 h, Fri 20 Nov is
 * Consciência Negra, Mon 09:00 + 5 h. Logbot opened Tue 10 Mar 2026 10:00 in Rome: 10–13 and
 * 14–18 (7 h), Wed 09:00 + 1 h. Decided at `now` 2026-11-20T12:00:00Z.
 */
export function handChecked(oto: CompiledPolicy, logbot: CompiledPolicy) {
  return [
    [oto, otoTicket('2026-11-18T14:00:00-03:00'), '2026-11-23T14:00:00-03:00'],
    [logbot, logbotTicket('2026-03-10T10:00:00+01:00'), '2026-03-11T10:00:00+01:00'],
  ] as const;
}

/** 1,344 tickets over the two weeks around those days, alternately Oto's and Logbot's, each with its `now`. */
export function dueTickets<P>(oto: P, logbot: P) {
  return Array.from({ length: 1344 }, (_, i) => {
    const otoAt = formatLocal(Date.parse('2026-11-16T00:00:00-03:00') + i * 15 * 60_000, '-03:00');
    const logbotAt = formatLocal(Date.parse('2026-03-09T00:00:00+01:00') + i * 15 * 60_000, '+01:00');
    return i % 2 === 0
      ? ([oto, otoTicket(otoAt), nowFor(otoAt)] as const)
      : ([logbot, logbotTicket(logbotAt), nowFor(logbotAt)] as const);
  });
}
