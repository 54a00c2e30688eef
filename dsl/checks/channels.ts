// Channels: the channel fact and the values allowed.
import { unknownFact, unknownValue } from '../problems/index.js';
import type { Context } from './context.js';
import { tableValue, undeclared } from './names.js';

export function checkChannels({ policy, report, facts }: Context): void {
  const c = policy.channels;
  if (!c) return;
  const f = facts.get(c.fact.name);
  if (!f) {
    report(unknownFact({ where: 'field', ...undeclared(c.fact, [...facts.keys()]) }));
    return;
  }
  if (f.type !== 'enum') return;
  for (const n of [...c.byTier.flatMap((b) => b.allow), ...c.rules.flatMap((r) => r.allow)]) {
    if (!(f.values ?? []).includes(n.name)) report(unknownValue(tableValue(n, f)));
  }
}
