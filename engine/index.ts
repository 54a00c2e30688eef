// The engine's public surface: compile a checked policy, evaluate facts into decisions.
export {
  compilePolicy,
  compileSource,
  type CompileOptions,
  type CompileResult,
  revisionOf,
  type CompiledPolicy,
  type CompiledRule,
  type Stage,
  type StageName,
} from './compile.js';
export type {
  Billing,
  BillingLine,
  BillingNotice,
  Decision,
  EvaluationResult,
  FactProblem,
  Reason,
  SlaWindow,
  TraceStep,
  ExplainEvent,
} from './decision.js';
export { evaluate, evaluateWith, slaTimelines, type EvaluateOptions } from './evaluate.js';
export type { ClosedPiece, Timeline } from './sla.js';
export { evaluateReference, stageMatchOf, stageRules } from './jre.js';
// The business clock on its own (the clock bench times it against Temporal).
export { BusinessCalendar, type CalendarRules } from './calendar.js';
export { dueAt } from './clock.js';
export { type WhyNot, whyNot, whyNotText } from './why-not.js';
export { rulesJson } from './rules-json.js';
export {
  type Coverage,
  type Mismatch,
  type TestResult,
  matches,
  runPolicyTest,
  runPolicyTests,
  valueAt,
} from './policy-tests.js';
export { type SampleOptions, sampleTickets, seededRandom } from './sample.js';
export { type DecisionLogLine, MASKED, decisionLogLine, isDecisionLogLine, personalFacts } from './decision-log.js';
export {
  type ChangedTicket,
  type ImpactDetails,
  type ImpactError,
  type ImpactField,
  type ImpactPart,
  type ReplaySkips,
  type ImpactSummary,
  type Sides,
  type TicketInput,
  IMPACT_FIELDS,
  ImpactTally,
  REPORT_KEEP,
  SHIFT_LABELS,
  changedFields,
  impactOf,
} from './impact.js';
export { validatePolicy } from './validate.js';
export { checkTierOrderOnClock } from './tier-order.js';
export { ANY, type Cell, type DecisionTable, type TableRow, type TableTarget, decidingFacts, decisionTable } from './table.js';
export { formatTable, proofText, TABLE_FORMATS, type TableFormat } from './table-format.js';
