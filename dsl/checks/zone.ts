// The policy's zone: an IANA zone of a place, or a fact of type timezone; not both.
import { canonicalZone } from '../datetime.js';
import { factType, twoZones, unknownFact } from '../problems/index.js';
import { checkDerivedZone } from './calendars.js';
import type { Context } from './context.js';
import { undeclared, zoneNameProblem } from './names.js';

/** The policy's zone: an IANA zone of a place, or a fact of type timezone; not both. */
export function checkZone({ policy, report, facts }: Context): void {
  if (policy.zone) {
    const zone = canonicalZone(policy.zone.name);
    if (!zone.ok) report(zoneNameProblem(policy.zone.span, policy.zone.name, zone));
  }
  if (policy.zoneFact) {
    const f = facts.get(policy.zoneFact.name);
    const derived = policy.derived.find((d) => d.name === policy.zoneFact!.name);
    if (derived) checkDerivedZone(derived, policy, report);
    else if (!f) report(unknownFact({ where: 'field', ...undeclared(policy.zoneFact, [...facts.keys()]) }));
    else if (f.type !== 'timezone')
      report(factType({ kind: 'zone-fact', span: policy.zoneFact.span, fact: f.name, type: f.type }));
  }
  if (policy.zone && policy.zoneFact) report(twoZones({ span: policy.zoneFact.span }));
}
