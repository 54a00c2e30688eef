// Prometheus metrics: requests by route and status with latencies, decisions by policy and
// outcome, policy reloads and failures. One registry per app, so tests can run several.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spe_' });
  return {
    registry,
    requests: new Counter({
      name: 'spe_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'spe_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route', 'method'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'spe_decisions_total',
      help: 'Decisions by policy and outcome',
      labelNames: ['policy', 'eligible', 'priority'] as const,
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'spe_policy_reloads_total',
      help: 'Policy (re)loads from disk by policy and result',
      labelNames: ['policy', 'result'] as const,
      registers: [registry],
    }),
    storeAvailable: new Gauge({
      name: 'spe_store_available',
      help: 'Whether the policy store can be reached (0 while the database is away; the last revisions keep serving)',
      // With workers: 0 when any worker has lost the database.
      aggregator: 'min',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
