// The compiled policy as a JSON product (`spe compile`, `GET /v1/policies/:id/rules`): the
// json-rules-engine rules of each stage, with what a service needs to run them itself.
import { printExpr } from '../dsl/index.js';
import type { CompiledPolicy } from './compile.js';
import { stageRules } from './jre.js';

export function rulesJson(compiled: CompiledPolicy) {
  return {
    policy: { id: compiled.id, version: compiled.version, revision: compiled.revision },
    howToRun: [
      'Run the stages in order, one json-rules-engine Engine per stage: new Engine(stage.rules).',
      'The derived stage gives derived facts: run it one derived fact at a time, in order; the fact takes the value of the one event that fires.',
      'Facts: every fact of factsSchema (null when not given, defaults applied), every derived and computed fact below, and `decision`: { tier, priority, channels } as decided by the earlier stages.',
      "Missing facts are never guessed: every rule is true, false or unknown. Each rule has a twin named `<rule>#false` whose event (type 'false', params.rule naming the rule) fires when the rule is false; a rule whose own event fires holds; a rule neither of which fires is unknown (a fact it reads was not given). Conditions check `notEqual null` first (a higher condition priority) wherever a missing value would otherwise pass.",
      "first-match stage: in priority order, the first rule that holds decides; a rule that is unknown before any that holds leaves the outcome null (tier, priority, channels, sla, billing). all-match stage: every rule that holds counts; an unknown one does not, and names its facts in missingFacts.",
      'Eligibility: a deny rule that holds makes eligible false; else a deny rule that is unknown makes eligible null (sla and billing null); else eligible is true.',
      'Each event carries the outcome, the rule name and its source file:line:col.',
    ],
    factsSchema: compiled.factsSchema,
    derivedFacts: compiled.derived.map((d) => ({
      id: d.name,
      expression: printExpr(d.expr),
      source: d.source,
      // 'rules': the derived stage's rules give it (run that stage first); 'expression': compute it yourself.
      computedBy: d.byRules ? ('rules' as const) : ('expression' as const),
    })),
    computedFacts: [...compiled.computed.keys()].map((id) => ({ id, expression: id })),
    stages: compiled.stages.map((s) => ({ name: s.name, mode: s.mode, rules: stageRules(s) })),
  };
}
