// The policy language front end: load a policy file, check it, and report diagnostics.
// This file is the folder's public surface; the engine, server, CLI and editor import only this.
export type { Diagnostic, DiagnosticCode, Fix, Severity, Span } from './diagnostics.js';
export { DIAGNOSTIC_CODES, closest, didYouMean, fixesView, formatDiagnostic, formatSpan, hasErrors } from './diagnostics.js';
export type * from './ast.js';
export { childrenOf, exprKey, factsRead, printExpr, sameExpr, WEEKDAYS } from './ast.js';
export type * from './model.js';
export { CLOCK_EVENT_FACTS, DECISION_FACTS } from './model.js';
export { loadPolicy, type LoadResult } from './load.js';
// For the problems found outside one file's check (spe validate over many files).
export { duplicateId, yamlSyntax } from './problems/index.js';
export { formatPolicy, type FormatResult } from './format.js';
export { type CheckOptions } from './checks/index.js';
export {
  type Expected,
  type FactValueProblem,
  factValueHint,
  factValueMessage,
  factValueProblem,
  isExpected,
} from './fact-values.js';
export {
  FUNCTION_NAMES,
  FUNCTIONS,
  type FunctionName,
  functionNamed,
  isFunctionName,
  type LanguageFunction,
} from './functions.js';
export { businessDayMinutes, countText, dayLengths, durationMinutes, durationText, MINUTES_PER_DAY } from './durations.js';
export {
  type ZoneResult,
  canonicalZone,
  civilFromDays,
  DAY_KEYS,
  dateOfDays,
  daysFromCivil,
  daysInMonth,
  digitsAt,
  FIRST_INSTANT,
  formatInZone,
  INSTANT_RANGE_TEXT,
  isCountedInstant,
  LAST_INSTANT,
  isDate,
  isDateTime,
  isRealDate,
  isTimeZone,
  localDate,
  offsetAt,
  offsetText,
  readDateTime,
  utcText,
  zoneNames,
  zoneOffsets,
  type ZoneOffsets,
  zoneProblem,
} from './datetime.js';
export { type HolidayCatalog, holidaysFor, loadHolidayCatalog, mentionsHolidays } from './holidays.js';
export {
  parseDuration,
  parseExpression,
  parseMoney,
  parsePercent,
  parseRate,
  parseWeeklyHours,
  type ParseResult,
} from './expr.js';
export { absenceRead, absenceTestedFacts, policyExprs, valueRead } from './knowledge.js';
export { tierSlowerOnClock } from './problems/analysis.js';
export { Analyzer, type Verdict } from './analyze/analyzer.js';
export { type AbstractValue, OPAQUE } from './analyze/domains.js';
export { type Choices, valueChoices } from './choices.js';
export { policySchema } from './schema.js';
export { SourceFile } from './source.js';
export {
  BYTES,
  type BoundedCache,
  boundedCache,
  CACHE_BUDGET_BYTES,
  type CacheFigures,
  cacheFigures,
  type CacheLimits,
  unbudgetedCache,
} from './bounded-cache.js';
