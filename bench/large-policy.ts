// A realistic 300-line policy for timing the validator: the Zmanda policy grown with more
// facts, rules, calendars and tests of the same kinds (deterministic, no randomness).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function largePolicy(root: string): string {
  const base = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
  const lines = base.split('\n');
  const extraFacts: string[] = [];
  const extraRules: string[] = [];
  const extraTests: string[] = [];
  // Grow it to about 300 lines, whatever the size of the base policy.
  const regions = Math.max(0, Math.ceil((300 - lines.length) / 9));
  for (let i = 0; i < regions; i++) {
    extraFacts.push(`  region${i}:`, '    type: enum', `    values: [north, south, east, west]`);
    extraRules.push(
      `  - deny: region-${i}-closed`,
      `    when: region${i} == "north" and channel in ["phone", "web"] and not trial and impact != "low"`,
      `    message: Region ${i} is served by a partner.`,
    );
    extraTests.push(
      `  - name: region ${i} partner ticket`,
      `    facts: { tier: standard, impact: high, urgency: low, channel: web, region${i}: north }`,
      '    expect: { eligible: false }',
    );
  }
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    if (line === 'facts:') out.push(...extraFacts);
    if (line === 'eligibility:') out.push(...extraRules);
    if (line === 'tests:') out.push(...extraTests);
  }
  return out.join('\n');
}
