// What every check reads: the policy, the scope of its conditions, the names it declares, and
// where problems go.
import type { Report, Span } from '../diagnostics.js';
import type { HolidayCatalog } from '../holidays.js';
import type { Calendar, FactDecl, Policy } from '../model.js';
import type { Analyzer } from '../analyze/analyzer.js';
import type { Scope } from './scope.js';

export interface CheckOptions {
  /** Holiday data; without it, holiday countries and regions are not checked. */
  holidays?: HolidayCatalog;
}

export type { Report };

export interface Context {
  policy: Policy;
  scope: Scope;
  report: Report;
  options: CheckOptions;
  calendars: Map<string, Calendar>;
  priorities: string[];
  /** Declared tiers, lowest first, each once. */
  tiers: string[];
  facts: Map<string, FactDecl>;
  /** The abstract interpreter of the policy's conditions, made on first use (after the facts are typed). */
  analyzer: () => Analyzer;
  /** Whether an error was reported inside `span` (anywhere, without one), by the reader or an earlier check. */
  hasErrorIn: (span?: Span) => boolean;
}
