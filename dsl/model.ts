// The checked policy: what the YAML says, with every expression parsed and every part
// carrying its source span. The engine compiles from this and from nothing else.
import type { Duration, Expr, MoneyLiteral, PercentLiteral, RateLiteral, TimeRange, WeeklyHours } from './ast.js';
import type { Span } from './diagnostics.js';

export type FactType =
  'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime' | 'enum' | 'timezone' | 'intervals' | 'events';

/** A name as written, with where it was written. */
export interface Named {
  name: string;
  span: Span;
}

export interface FactDecl extends Named {
  type: FactType;
  values?: string[];
  default?: unknown;
  defaultSpan?: Span;
  required: boolean;
  description?: string;
  /** The least and greatest value a number or integer fact may take (inclusive). */
  min?: number;
  minSpan?: Span;
  max?: number;
  maxSpan?: Span;
}

export interface DerivedFact extends Named {
  expr: Expr;
}

export interface Holidays {
  country: string;
  countrySpan: Span;
  region?: string;
  regionSpan?: Span;
  /** Enum facts whose values are the country and region codes; `country` and `region` apply when they are not given. */
  countryFact?: Named;
  regionFact?: Named;
  types: string[];
  span: Span;
}

export interface Calendar extends Named {
  timezone?: { name: string; span: Span };
  timezoneFact?: Named;
  hours: WeeklyHours;
  /** Set when the hours did not parse (already reported), so no check reads them as closed. */
  hoursInvalid?: true;
  holidays?: Holidays;
  closed: { date: string; span: Span }[];
  open: { date: string; ranges: TimeRange[]; span: Span }[];
}

/** Where a rule's name is written, for messages about the name itself. */
interface HasIdSpan {
  idSpan?: Span;
}

export interface DenyRule extends HasIdSpan {
  code: string;
  when: Expr;
  message?: string;
  span: Span;
}

export interface ChannelRule extends HasIdSpan {
  id?: string;
  when?: Expr;
  allow: Named[];
  span: Span;
}

export interface Channels {
  fact: Named;
  byTier: { tier: Named; allow: Named[] }[];
  rules: ChannelRule[];
  deny: { code: string; message?: string };
  span: Span;
}

export interface PriorityRule extends HasIdSpan {
  id?: string;
  when: Expr;
  priority: Named;
  span: Span;
}

export interface PriorityMatrix {
  rows: Named;
  columns: Named;
  cells: { row: Named; column: Named; priority: Named }[];
  /** Rows as written, for completeness checks. */
  rowSpans: Named[];
  span: Span;
}

export interface PriorityLookup {
  fact: Named;
  table: { value: Named; priority: Named }[];
  span: Span;
}

export interface PrioritySection {
  override?: Named;
  rules: PriorityRule[];
  lookup?: PriorityLookup;
  matrix?: PriorityMatrix;
  from?: Named;
  default?: Named;
  span: Span;
}

export interface Tiers {
  levels: Named[];
  of: Expr;
  /** True when `of:` was left out and the fact `tier` is assumed. */
  ofDefaulted: boolean;
  /** The tier whose SLA targets a ticket gets, when that is not its own tier (Zmanda's trial customers). */
  slaOf?: Expr;
  span: Span;
}

/**
 * A window the policy declares besides `response` and `resolution` (`windows:`): which ticket
 * events start, stop, pause and resume its clock, which end it for good, and whether it starts
 * again after each stop (next reply, periodic update). `opened`, `responded` and `resolved` are
 * the events of `openedAt`, `respondedAt` and `resolvedAt`; `pauses` pause every window.
 */
export interface WindowDecl extends Named {
  start: Named[];
  stop: Named[];
  pause: Named[];
  resume: Named[];
  end: Named[];
  repeat: boolean;
  description?: string;
}

/** A target of a declared window, written in an SLA cell beside `response` and `resolution`. */
export interface WindowTarget {
  window: Named;
  duration: Duration;
}

/** `calendar:` as an expression (`region`, `if federal then "us-federal" else region`): its value names the calendar. */
export interface CalendarChoice {
  expr: Expr;
  text: string;
  span: Span;
}

export interface SlaTargets {
  response?: Duration;
  resolution?: Duration;
  calendar?: Named;
  /** Or the calendar chosen by the ticket's facts. */
  calendarOf?: CalendarChoice;
  /** Targets of declared windows (`update: 4 hours`), in the order written. */
  windows?: WindowTarget[];
  /** Set when a target was written but did not parse (already reported). */
  invalid?: true;
}

export type SlaCell =
  | { kind: 'best-effort'; span: Span }
  | { kind: 'targets'; targets: SlaTargets; span: Span }
  | { kind: 'rules'; rules: (SlaTargets & HasIdSpan & { id?: string; when?: Expr; span: Span })[]; span: Span };

export interface SlaTier {
  tier: Named;
  bestEffort: boolean;
  /** `others: best-effort`: the priorities the tier does not list get no SLA. */
  othersBestEffort: boolean;
  calendar?: Named;
  calendarOf?: CalendarChoice;
  cells: { priority: Named; cell: SlaCell }[];
  span: Span;
}

export interface BillingPlan extends HasIdSpan {
  id: string;
  when?: Expr;
  rate: RateLiteral;
  minimum?: Duration;
  increment?: Duration;
  tax?: PercentLiteral;
  balance?: Named;
  span: Span;
}

export interface PriceListEntry {
  sku: string;
  credits?: MoneyLiteral;
  price: MoneyLiteral;
  tax?: PercentLiteral;
  span: Span;
}

export interface Billing {
  currencies: Record<string, number>;
  worked?: Named;
  plans: BillingPlan[];
  priceList: PriceListEntry[];
  purchase?: { sku: Named; quantity?: Named };
  /** Notices shown on the bill when their condition holds (e.g. why a card did not pay). */
  notices: Grant[];
  span: Span;
}

export interface Grant extends HasIdSpan {
  id: string;
  when?: Expr;
  message?: string;
  span: Span;
}

/** A condition every request must meet (`assert:`); a request that fails it is refused, never decided. */
export interface Assertion extends HasIdSpan {
  code: string;
  check: Expr;
  message: string;
  span: Span;
}

export interface PolicyTest extends HasIdSpan {
  name: string;
  facts: Record<string, unknown>;
  /** Where each fact's name and value are written. */
  factSpans: Record<string, { key: Span; value: Span }>;
  /** Where each expected field's name and value are written. */
  expectSpans: Record<string, { key: Span; value: Span }>;
  now?: string;
  expect: Record<string, unknown>;
  span: Span;
}

export interface Policy {
  file: string;
  id: string;
  idSpan: Span;
  title: string;
  version: string;
  effective: string;
  description?: string;
  /** Where an instant becomes a date: an IANA zone, as written. */
  zone?: { name: string; span: Span };
  /** Or the fact of type timezone that holds the zone (its default applying). */
  zoneFact?: Named;
  facts: FactDecl[];
  derived: DerivedFact[];
  assert: Assertion[];
  priorities: Named[];
  tiers?: Tiers;
  calendars: Calendar[];
  /** Declared SLA windows besides response and resolution. */
  windows: WindowDecl[];
  eligibility: DenyRule[];
  channels?: Channels;
  priority?: PrioritySection;
  sla: SlaTier[];
  billing?: Billing;
  entitlements: Grant[];
  actions: Grant[];
  tests: PolicyTest[];
  /**
   * `file:line:col` of the parts written once and used again through YAML aliases or merge keys
   * (a block kept under `definitions:`): rules from one such part are one rule to test.
   */
  reused?: ReadonlySet<string>;
  span: Span;
}

/** Names that conditions may read besides declared and derived facts: what the decision has decided so far. */
export const DECISION_FACTS = ['decision.tier', 'decision.priority'] as const;

/**
 * Facts the SLA clock reads by name, when a policy declares them. Not given, each says that
 * its event has not happened (yet): no response, no resolution, no pause.
 */
export const CLOCK_EVENT_FACTS = ['respondedAt', 'resolvedAt', 'pauses', 'events'] as const;
