// `spe table`: the decision table of each contract, rows checked by hand against the vendors'
// documents (contracts/source/), and the completeness proof failing on a policy with a gap.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holidaysFor } from '../../dsl/index.js';
import { type Cell, type DecisionTable, type TableRow, compileSource, decisionTable } from '../../engine/index.js';

const root = join(import.meta.dirname, '..', '..');
const spe = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'spe'), ...args], { cwd: root, encoding: 'utf8' });

async function tableOf(source: string, file = 'policy.yaml'): Promise<DecisionTable> {
  const compiled = await compileSource(source, file);
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  return decisionTable(compiled.compiled, source, await holidaysFor(source));
}
const policy = (id: string) => readFileSync(join(root, 'policies', `${id}.yaml`), 'utf8');

/** The row that holds for these facts: equal values, or `*` (any). */
function rowFor(t: DecisionTable, facts: Record<string, Cell>): TableRow {
  const found = t.rows.filter((r) => t.facts.every((f) => r.when[f.name] === '*' || r.when[f.name] === (facts[f.name] ?? null)));
  expect(found, JSON.stringify(facts)).toHaveLength(1);
  return found[0]!;
}

describe('spe table', () => {
  it('zmanda: the matrix, the requested priority and the tiers’ targets of the Italian policy', async () => {
    const t = await tableOf(policy('zmanda'));
    expect(t.complete).toBe(true);
    // «Alta P1 P2 P3» (urgency high, impact medium → P2); standard «P2 3h» in office hours; phone and web.
    const std = rowFor(t, { tier: 'standard', trial: false, impact: 'medium', urgency: 'high', channel: 'phone' });
    expect([std.eligible, std.priority, std.channels]).toEqual([true, 'P2', ['phone', 'web']]);
    expect(std.response).toEqual({ target: 'PT3H', text: '3 hours', calendar: 'office' });
    expect(std.resolution).toBeNull();
    // Premium «P1 15 min» 24 x 7; the customer's requested priority overrides the matrix.
    const prem = rowFor(t, { tier: 'premium', trial: false, impact: 'low', urgency: 'low', requestedPriority: 'P1', channel: 'web' });
    expect([prem.priority, prem.response]).toEqual(['P1', { target: 'PT15M', text: '15 minutes', calendar: 'always' }]);
    // «Non forniamo supporto telefonico per i prodotti della Comunità»
    const phone = rowFor(t, { tier: 'community', trial: false, impact: 'high', urgency: 'high', channel: 'phone' });
    expect(phone.eligible).toBe(false);
    expect(phone.reasons).toContain('community-phone');
    // Community e-mail: «in base al miglior impegno possibile» — best effort.
    const email = rowFor(t, { tier: 'community', trial: false, impact: 'low', urgency: 'low', channel: 'email' });
    expect([email.eligible, email.priority, email.response]).toEqual([true, 'P4', 'best-effort']);
  });

  it('oto: who may open a ticket, and the SLA table of P1, P2 and P3', async () => {
    const t = await tableOf(policy('oto'));
    expect(t.complete).toBe(true);
    const base = { requesterHasSupportSeat: true, supportModel: 'self-service', category: 'bug', accessTechnicalFailure: false, channel: 'email' };
    // «os únicos usuários que podem solicitar suporte são os do tipo "Gestor"»
    const seller = rowFor(t, { ...base, requesterRole: 'vendedor', severity: 'major' });
    expect(seller.eligible).toBe(false);
    expect(seller.reasons).toContain('requester-not-gestor');
    // P1: «Em até 02 horas | Em até 04 horas | 24X7»; phone accepted for P1.
    const p1 = rowFor(t, { ...base, requesterRole: 'gestor', severity: 'critical', channel: 'phone' });
    expect(p1.priority).toBe('P1');
    expect(p1.channels).toEqual(['email', 'phone']);
    expect(p1.response).toMatchObject({ text: '2 hours', calendar: 'always' });
    expect(p1.resolution).toMatchObject({ text: '4 hours', calendar: 'always' });
    // Support starts once users are trained: whether the ticket is before that, the dates decide.
    expect(p1.eligible).toBeNull();
    expect(p1.dependsOn).toEqual(['openedAt', 'supportStartsAt']);
    // P3: «Até 02 dias úteis | Em até 04 dias úteis | Segunda à sexta-feira em horário comercial»
    const p3 = rowFor(t, { ...base, requesterRole: 'gestor', severity: 'minor', supportModel: 'partner' });
    expect(p3.response).toMatchObject({ text: '2 business days', calendar: 'business' });
    expect(p3.resolution).toMatchObject({ text: '4 business days', calendar: 'business' });
    // «Problemas que não forem P1 seguirão o procedimento padrão» — e-mail, not phone.
    const p2phone = rowFor(t, { ...base, requesterRole: 'gestor', severity: 'major', channel: 'phone' });
    expect(p2phone.eligible).toBe(false);
    expect(p2phone.reasons).toEqual(['phone-only-for-p1']);
  });

  it('imagicle: the alarm table decides the priority, and the tiers’ response times', async () => {
    const t = await tableOf(policy('imagicle'));
    expect(t.complete).toBe(true);
    const ok = { cloudConnected: true, dataConsent: true, releaseSeason: 'winter' };
    // «Spazio su disco disponibile per ApplicationSuite in esaurimento — P4 - BASSO — < 8 ore»
    const disk = rowFor(t, { ...ok, tier: 'gold', alarm: 'disk-space-low' });
    expect(disk.priority).toBe('P4');
    expect(disk.response).toMatchObject({ text: '8 hours', calendar: 'extended' });
    // «P1 - CRITICO < 60 minuti» — platinum 24/7.
    const p1 = rowFor(t, { ...ok, tier: 'platinum', priority: 'P1' });
    expect(p1.response).toMatchObject({ text: '60 minutes', calendar: 'always' });
    // BASIC: best effort, and no proactive alarms.
    const basic = rowFor(t, { ...ok, tier: 'basic', priority: 'P2' });
    expect([basic.eligible, basic.response]).toEqual([true, 'best-effort']);
    const basicAlarm = rowFor(t, { ...ok, tier: 'basic', alarm: 'voip-stack-crash' });
    expect(basicAlarm.eligible).toBe(false);
    expect(basicAlarm.reasons).toContain('proactive-not-in-tier');
  });

  it('logbot: suspension, activations without a card, hourly billing without one', async () => {
    const t = await tableOf(policy('logbot'));
    expect(t.complete).toBe(true);
    // «comporta la sospensione dell'account e di tutti i servizi ad esso collegati»
    const suspended = rowFor(t, { category: 'hardware', channel: 'ticket-portal', accountStatus: 'suspended', hasCard: false });
    expect(suspended.eligible).toBe(false);
    expect(suspended.reasons).toEqual(['account-suspended']);
    // Kit activation: eligible with no card, no SLA.
    const kit = rowFor(t, { category: 'kit-activation', channel: 'phone', accountStatus: 'active', hasCard: false });
    expect([kit.eligible, kit.tier, kit.response]).toEqual([true, 'activation', 'best-effort']);
    // Without a card: best effort at the standard priority.
    const noCard = rowFor(t, { category: 'onboarding', channel: 'ticket-portal', accountStatus: 'active', hasCard: false });
    expect([noCard.tier, noCard.priority, noCard.response]).toEqual(['standard', 'standard', 'best-effort']);
    // With a card, the card's dates and balance decide: the table says so and does not guess.
    const card = rowFor(t, { category: 'onboarding', channel: 'ticket-portal', accountStatus: 'active', hasCard: true });
    expect(card.tier).toBeNull();
    expect(card.dependsOn).toContain('cardBalance');
  });

  it('fails the proof on a policy whose priority rules leave tickets without a priority', async () => {
    const gap = `policy: gap
title: A contract with a gap
version: "1"
effective: 2025-01-01
facts:
  severity: { type: enum, values: [high, low, cosmetic], required: true }
  channel: { type: enum, values: [phone, email], required: true }
priorities: [P1, P2]
priority:
  rules:
    - when: severity == "high" and channel == "phone"
      priority: P1
    - when: severity == "high"
      priority: P2
    - when: severity == "low"
      priority: P2
`;
    const t = await tableOf(gap, 'gap.yaml');
    expect(t.complete).toBe(false);
    // severity cosmetic gets no priority whatever the channel: one merged row.
    expect(t.gaps.map((g) => g.when)).toEqual([{ severity: 'cosmetic', channel: '*' }]);
    const dir = mkdtempSync(join(tmpdir(), 'spe-table-'));
    writeFileSync(join(dir, 'gap.yaml'), gap);
    const md = spe('table', join(dir, 'gap.yaml'));
    expect(md.status).toBe(1);
    expect(md.stdout).toContain('Not complete: 1 row (below) gets no priority or no SLA, and no deny reason.');
    expect(md.stdout).toContain('- severity = cosmetic, channel = any');
    const csv = spe('table', join(dir, 'gap.yaml'), '--format', 'csv');
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'severity,channel,eligible,reasons,tier,priority,channels,response,response calendar,resolution,resolution calendar,depends on,gap',
    );
    expect(csv.stdout).toContain('cosmetic,*,true,,,,,best-effort,,best-effort,,,true');
    const html = spe('table', join(dir, 'gap.yaml'), '--format', 'html');
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<tr class="gap">');
    expect(spe('table', join(dir, 'gap.yaml'), '--format', 'pdf').status).toBe(2);
  });

  it('proves the four contracts complete from the command line', () => {
    const r = spe('table', 'zmanda', '--format', 'json');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as DecisionTable & { proof: string };
    expect(t.complete).toBe(true);
    expect(t.combinations).toBe(3 * 2 * 3 * 3 * 5 * 4);
    expect(t.proof).toMatch(/^Complete: every ticket that passes the facts check gets a priority and an SLA/);
  });
});
