// The `channels` stage: the channels a ticket may use, by rule or by tier.
import type { Compiler } from '../compiler.js';
import { decisionIs } from './exprs.js';

export function compileChannels(c: Compiler): void {
  const ch = c.policy.channels;
  if (!ch) return;
  ch.rules.forEach((r, i) =>
    c.add(
      'channels',
      `channels.rules.${r.id ?? i + 1}`,
      r.when ? [r.when] : [],
      { kind: 'channels', channels: r.allow.map((a) => a.name) },
      r.span,
    ),
  );
  for (const b of ch.byTier) {
    c.add(
      'channels',
      `channels.byTier.${b.tier.name}`,
      [decisionIs('tier', b.tier.name, b.tier.span)],
      { kind: 'channels', channels: b.allow.map((a) => a.name) },
      b.tier.span,
    );
  }
}
