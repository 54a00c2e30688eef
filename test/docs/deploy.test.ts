// deploy/kubernetes.yaml, parsed: N replicas of `spe serve` reading the database URL and the
// admin token from the Secret it defines, ready when /healthz answers on the port it listens on,
// behind a Service that selects its pods; every option it passes is one `spe serve` takes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HELP } from '../../cli/serve.js';
import { root } from '../support/reliability.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
const docs = parseAllDocuments(readFileSync(join(root, 'deploy', 'kubernetes.yaml'), 'utf8')).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Doc;
});
const one = (kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes.yaml', () => {
  const secret = one('Secret');
  const deployment = one('Deployment');
  const service = one('Service');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const httpPort = container.ports.find((p: Doc) => p.name === 'http');

  it('runs several replicas of spe serve, listening beyond the pod on the port it declares', () => {
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
    const args: string[] = container.args;
    expect(args[0]).toBe('serve');
    expect(args[args.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(Number(args[args.indexOf('--port') + 1])).toBe(httpPort.containerPort);
    for (const option of args.filter((a) => a.startsWith('--'))) expect(HELP).toContain(`${option} `);
  });

  it('takes the database URL and the admin token from the Secret, never from plain values', () => {
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e]));
    for (const [name, key] of [
      ['SPE_STORE', 'database-url'],
      ['SPE_ADMIN_TOKEN', 'admin-token'],
    ] as const) {
      expect(env[name].value).toBeUndefined();
      expect(env[name].valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key });
      expect(typeof secret.stringData[key]).toBe('string');
    }
    expect(secret.stringData['database-url']).toMatch(/^postgres:\/\//);
    expect(HELP).toContain('SPE_STORE');
  });

  it('is ready and alive when /healthz answers on its http port', () => {
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect(probe.httpGet.port === 'http' || probe.httpGet.port === httpPort.containerPort).toBe(true);
    }
  });

  it('is reached through a Service that selects its pods and targets their http port', () => {
    for (const [label, value] of Object.entries(service.spec.selector)) expect(pod.metadata.labels[label]).toBe(value);
    const port = service.spec.ports[0];
    expect(port.targetPort === 'http' || port.targetPort === httpPort.containerPort).toBe(true);
  });
});
