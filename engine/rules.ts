// What compiling a policy produces: named, ordered stages of rules, each rule its json-rules-engine
// conditions (when it holds, when it is false) and its outcome. Plain data: `spe compile` prints
// it, json-rules-engine runs it, and engine/fast/ builds the fast path from it.
import type { Condition } from './conditions.js';

export type StageName =
  'derived' | 'tier' | 'priority' | 'channels' | 'eligibility' | 'sla' | 'billing' | 'notices' | 'entitlements' | 'actions';

/** What a rule decides when it matches. */
export type Outcome =
  | { kind: 'tier'; tier: string }
  | { kind: 'priority'; priority: string; override?: boolean }
  | { kind: 'channels'; channels: string[] }
  | { kind: 'deny'; code: string; message: string }
  | {
      kind: 'sla';
      tier: string;
      priority: string;
      bestEffort: boolean;
      response: Target | null;
      resolution: Target | null;
      /** Targets of declared windows (`windows:`), when the rule gives any. */
      windows?: { window: string; target: Target }[];
    }
  | { kind: 'billing'; plan: string }
  | { kind: 'notice'; id: string; message: string }
  | { kind: 'derived'; fact: string; value: string | number | boolean | null }
  | { kind: 'grant'; id: string; message?: string };

export interface Target {
  minutes: number;
  /** `minutes` as an ISO 8601 duration, as decisions show it. */
  iso: string;
  text: string;
  calendar: string | null;
}

export interface CompiledRule {
  name: string;
  stage: StageName;
  /** json-rules-engine priority: within a stage, higher runs and wins first. */
  priority: number;
  /** When the rule holds (json-rules-engine JSON). */
  conditions: Condition;
  /** When it does not hold; when neither does, the rule is unknown (a fact it needs is missing). */
  whenFalse: Condition;
  outcome: Outcome;
  source: string;
  /** The reads that can make the rule unknown: those of facts that may be missing. */
  unknownReads: { fact: string; path?: string }[];
  /** What the conditions read: fact ids, and `decision.*` names. */
  reads: string[];
  /** Declared facts the rule depends on, through derived and computed facts. */
  dependsOn: string[];
  /** Facts (declared and derived) whose values its conditions read, not only whether they were given. */
  valueReads: string[];
  /** Whether its conditions take an instant's date in the policy's zone (a zone fact not given leaves it unknown). */
  asksZone: boolean;
}

export interface Stage {
  name: StageName;
  /** first-match: the highest-priority matching rule decides; all-match: every matching rule counts. */
  mode: 'first-match' | 'all-match';
  rules: CompiledRule[];
  /** Skipped for a ticket that is not eligible. */
  eligibleOnly: boolean;
}

/** Stages that are skipped for a ticket that is not eligible. */
export const ONLY_WHEN_ELIGIBLE: ReadonlySet<StageName> = new Set<StageName>([
  'sla',
  'billing',
  'notices',
  'entitlements',
  'actions',
]);
