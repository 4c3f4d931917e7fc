/** Shared helpers for the live simulator tests: fixture, HTTP client, raw sockets. */
import * as http from 'node:http';
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { modelFromTemplate, Simulator, type SimModel, type SimulatorOptions } from '../../src/index';

export const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');
export const WEB_HTTP = 'LiveFixture/Web/Http';
export const WEB_HTTPS = 'LiveFixture/Web/Https';
export const EDGE_HTTP = 'LiveFixture/Edge/Http';
export const SITE = 'LiveFixture/Web/Site';
export const API = 'LiveFixture/Web/Api';
export const APP = 'LiveFixture/Web/App';
export const EMPTY = 'LiveFixture/Web/Empty';
/** ProtocolVersion HTTP2, behind the HTTPS listener's `/stream/*` rule. */
export const STREAM = 'LiveFixture/Web/Stream';
export const EDGE_POOL = 'LiveFixture/Edge/Pool';

/**
 * Starts the fixture on free ports with 3 demo backends per target group and the Empty group without
 * targets. Health checks run every 200 ms (150 ms timeout): `healthCheckIntervalOverrideMs`, a simulator
 * test convenience and NOT AWS behaviour (the fixture itself uses the AWS minimum of 5 s).
 */
export async function startFixture(options: SimulatorOptions = {}): Promise<Simulator> {
  return Simulator.start(FIXTURE, {
    ports: 0,
    demoBackends: 3,
    targets: { [EMPTY]: [] },
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
    ...options,
  });
}

/**
 * Resolves with the index of the first target of `tg` that receives a request other than a health
 * check (health checks arriving first are skipped, not consumed).
 */
export function firstRequest(sim: Simulator, tg: string): Promise<number> {
  return new Promise((resolve) => {
    const controls = sim.targets(tg).controls;
    const listeners = controls.map((c, i) => {
      const on = (r: { healthCheck: boolean }): void => {
        if (r.healthCheck) return;
        controls.forEach((d, j) => d.backend!.off('request', listeners[j]!));
        resolve(i);
      };
      c.backend!.on('request', on);
      return on;
    });
  });
}

/**
 * Counts the health-check answers with `status` a target's demo backend sends from now on; `stop()`
 * returns the count. Start it before changing the backend, so that no check is missed.
 */
export function countChecks(sim: Simulator, tg: string, index: number, status: number): { stop(): number } {
  const backend = sim.targets(tg).get(index).backend!;
  let n = 0;
  const on = (r: { healthCheck: boolean; status: number }): void => {
    if (r.healthCheck && r.status === status) n++;
  };
  backend.on('response', on);
  return {
    stop() {
      backend.off('response', on);
      return n;
    },
  };
}

export async function allHealthy(sim: Simulator, tg: string): Promise<void> {
  const n = sim.targets(tg).length;
  await Promise.all(Array.from({ length: n }, (_, i) => sim.waitForHealth(tg, i, 'healthy')));
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = EchoBody>(): T;
}

export interface EchoBody {
  target: string;
  port: number;
  request: { method: string; url: string; httpVersion: string };
  headers: Array<[string, string]>;
  body: string;
}

/** One HTTP request; `agent: false` unless given (a fresh connection). */
export function get(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; agent?: http.Agent | false; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        maxHeaderSize: 64 * 1024,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function header(echo: EchoBody, name: string): string[] {
  return echo.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

/** Send raw bytes and collect what comes back until the server closes or `until` matches. */
export function raw(port: number, data: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c) => {
      got += c.toString('latin1');
      if (until && until.test(got)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('end', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('error', (e) => (got ? resolve(got) : reject(e)));
    s.write(data);
  });
}

/** The live fixture plus a Route 53 failover pair for www.example.com (alias to WebLB and a static secondary). */
export function fixtureWithRecords(): SimModel {
  const template = JSON.parse(readFileSync(path.join(FIXTURE, 'LiveFixture.template.json'), 'utf8'));
  const meta = (p: string) => ({ 'aws:cdk:path': `LiveFixture/Dns/${p}` });
  Object.assign(template.Resources, {
    Check: {
      Type: 'AWS::Route53::HealthCheck',
      Properties: {
        HealthCheckConfig: {
          Type: 'HTTP',
          FullyQualifiedDomainName: { 'Fn::GetAtt': ['WebLB', 'DNSName'] },
          Port: 80,
          ResourcePath: '/health',
        },
      },
      Metadata: meta('Check'),
    },
    Primary: {
      Type: 'AWS::Route53::RecordSet',
      Properties: {
        HostedZoneId: 'Z0EXAMPLE1234567890',
        Name: 'www.example.com.',
        Type: 'A',
        SetIdentifier: 'primary',
        Failover: 'PRIMARY',
        HealthCheckId: { Ref: 'Check' },
        AliasTarget: {
          DNSName: { 'Fn::GetAtt': ['WebLB', 'DNSName'] },
          HostedZoneId: { 'Fn::GetAtt': ['WebLB', 'CanonicalHostedZoneID'] },
          EvaluateTargetHealth: true,
        },
      },
      Metadata: meta('Primary'),
    },
    Secondary: {
      Type: 'AWS::Route53::RecordSet',
      Properties: {
        HostedZoneId: 'Z0EXAMPLE1234567890',
        Name: 'www.example.com.',
        Type: 'A',
        SetIdentifier: 'secondary',
        Failover: 'SECONDARY',
        TTL: '60',
        ResourceRecords: ['192.0.2.10'],
      },
      Metadata: meta('Secondary'),
    },
  });
  return modelFromTemplate(template, 'LiveFixture');
}
