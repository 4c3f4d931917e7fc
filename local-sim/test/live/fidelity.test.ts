/**
 * Fidelity: one scenario — a timeline of requests, deregistration, re-registration, a failing health check
 * and a sticky client whose target fails — run in virtual time and live gives the same routing decisions
 * (the target of every request), statuses and stickiness cookies (§1.4, §2.1, §2.3, §3). Times differ
 * (the live run uses health checks every 200 ms and a 300 ms deregistration delay: SIMULATOR TEST
 * CONVENIENCES, NOT AWS; the virtual run uses the template's own settings), so each step waits for the
 * state it needs before the next requests, in both modes, on events (live) or virtual time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AccessLogEntry } from '../../src/core/access-log';
import type { TargetHealthState } from '@ha-load-balancer/spec';
import type { HttpRequestInfo } from '../../src/core/types';
import { DemoBackend } from '../../src/live/demo-backend';
import { Simulator } from '../../src/live/simulator';
import { buildModel } from '../../src/model';
import type { SimModel, TargetModel } from '../../src/model/types';
import { ok, ScriptedBackend, VirtualSimulator } from '../../src/virtual';
import { FIXTURE, get } from './helpers';

type Template = { Resources: Record<string, { Properties: Record<string, unknown> }> };
const template = JSON.parse(readFileSync(path.join(FIXTURE, 'LiveFixture.template.json'), 'utf8')) as Template;

const SITE = 'LiveFixture/Web/Site';
const API = 'LiveFixture/Web/Api';
const HTTP = 'LiveFixture/Web/Http';

/** One step of the scenario, as both modes perform it. */
type Step =
  | { readonly kind: 'requests'; readonly path: string; readonly count: number; readonly jar?: boolean }
  | { readonly kind: 'deregister' | 'register'; readonly tg: string; readonly target: number }
  | { readonly kind: 'fail-health' | 'recover'; readonly tg: string; readonly target: number }
  | { readonly kind: 'wait'; readonly tg: string; readonly target: number; readonly state: TargetHealthState }
  | { readonly kind: 'sticky-target-fails'; readonly tg: string };

const SCENARIO: readonly Step[] = [
  { kind: 'requests', path: '/', count: 4 },
  { kind: 'deregister', tg: SITE, target: 0 },
  { kind: 'requests', path: '/', count: 3 },
  { kind: 'wait', tg: SITE, target: 0, state: 'unused' },
  { kind: 'register', tg: SITE, target: 0 },
  { kind: 'wait', tg: SITE, target: 0, state: 'healthy' },
  { kind: 'requests', path: '/', count: 4 },
  { kind: 'fail-health', tg: SITE, target: 1 },
  { kind: 'wait', tg: SITE, target: 1, state: 'unhealthy' },
  { kind: 'requests', path: '/', count: 3 },
  { kind: 'recover', tg: SITE, target: 1 },
  { kind: 'wait', tg: SITE, target: 1, state: 'healthy' },
  { kind: 'requests', path: '/', count: 2 },
  // lb_cookie stickiness (§3): the client keeps its target until that target fails its checks
  { kind: 'requests', path: '/api/x', count: 3, jar: true },
  { kind: 'sticky-target-fails', tg: API },
  { kind: 'requests', path: '/api/x', count: 2, jar: true },
];

/** What one request left behind, in either mode. */
interface Seen {
  readonly path: string;
  readonly status: number;
  /** `127.0.0.1:port`, or `-` when no target served it. */
  readonly target: string;
  /** Names of the cookies set (values are signed with the time and differ). */
  readonly cookies: readonly string[];
}

function fromLog(e: AccessLogEntry): Seen {
  return {
    path: new URL(e.request!.url).pathname,
    status: e.elbStatusCode ?? 0,
    target: e.target ? `${e.target.ip}:${e.target.port}` : '-',
    cookies: [],
  };
}

function fixtureModel(backends: readonly DemoBackend[]): SimModel {
  const t = structuredClone(template);
  const targets = (bs: readonly DemoBackend[]) => bs.map((b) => ({ Id: '127.0.0.1', Port: b.port }));
  t.Resources.SiteTG!.Properties.Targets = targets(backends.slice(0, 2));
  t.Resources.ApiTG!.Properties.Targets = targets(backends.slice(2, 4));
  return buildModel([{ stackName: 'LiveFixture', template: t as never }]);
}

describe('one scenario, virtual and live: same routing decisions and statuses', () => {
  const backends: DemoBackend[] = [];
  let live: Simulator | undefined;
  afterAll(async () => {
    await live?.stop();
    await Promise.all(backends.map((b) => b.close()));
  });

  test('deregistration, re-registration, a failing check and a sticky client whose target fails', async () => {
    for (const name of ['site-a', 'site-b', 'api-a', 'api-b'])
      backends.push(await DemoBackend.start({ name, healthCheckPath: '/health' }));
    const model = fixtureModel(backends);
    const targetOf = (tg: string, i: number): TargetModel => {
      const b = tg === SITE ? backends[i]! : backends[2 + i]!;
      return { id: '127.0.0.1', port: b.port };
    };
    const backendOf = (tg: string, i: number): DemoBackend => (tg === SITE ? backends[i]! : backends[2 + i]!);

    // ---- virtual ---------------------------------------------------------------------------------------
    const virtual = new VirtualSimulator(model, { seed: 1 });
    const scripted = new Map<number, ScriptedBackend>();
    for (const b of backends) {
      const s = new ScriptedBackend().setRequest({ kind: 'response', status: 200, latencyMs: 1 });
      scripted.set(b.port, s);
      virtual.setBackend(`127.0.0.1:${b.port}`, s);
    }
    const stateOf = (tg: string, i: number) => {
      const t = targetOf(tg, i);
      return virtual.engine.describeTargetHealth(tg, [t])[0]!.TargetHealth.State;
    };
    const virtualSeen: Seen[] = [];
    let virtualJar: string | undefined;
    const virtualRequest = (p: string, jar: boolean): void => {
      const headers: Record<string, string> = { host: 'www.example.com' };
      if (jar && virtualJar) headers.cookie = virtualJar;
      const info: HttpRequestInfo = {
        method: 'GET',
        path: p,
        query: '',
        headers,
        sourceIp: '127.0.0.1',
        protocol: 'http',
        port: 80,
      };
      const r = virtual.request('LiveFixture/Web', HTTP, info);
      virtual.runFor(100);
      const cookies = r.setCookies.map((c) => c.split('=')[0]!).sort();
      if (jar && r.setCookies.length > 0) virtualJar = r.setCookies.map((c) => c.split(';')[0]!).join('; ');
      virtualSeen.push({ ...fromLog(virtual.accessLog.at(-1)!), cookies });
    };
    virtual.runFor(6_000); // the first checks pass (§1.4: initial → healthy after one)
    let virtualSticky: number | undefined;
    for (const step of SCENARIO) {
      switch (step.kind) {
        case 'requests':
          for (let i = 0; i < step.count; i++) virtualRequest(step.path, step.jar ?? false);
          break;
        case 'deregister':
          virtual.engine.deregisterTargets(step.tg, [targetOf(step.tg, step.target)]);
          break;
        case 'register':
          virtual.engine.registerTargets(step.tg, [targetOf(step.tg, step.target)]);
          break;
        case 'fail-health':
          scripted.get(backendOf(step.tg, step.target).port)!.setHealth(ok(500));
          break;
        case 'recover':
          scripted.get(backendOf(step.tg, step.target).port)!.setHealth(ok(200));
          break;
        case 'wait':
          for (let n = 0; stateOf(step.tg, step.target) !== step.state; n++) {
            if (n > 1_000) throw new Error(`virtual: ${step.tg}#${step.target} never ${step.state}`);
            virtual.runFor(1_000);
          }
          break;
        case 'sticky-target-fails': {
          const served = virtualSeen.at(-1)!.target;
          virtualSticky = [0, 1].find((i) => `127.0.0.1:${targetOf(step.tg, i).port}` === served)!;
          scripted.get(backendOf(step.tg, virtualSticky).port)!.setHealth(ok(500));
          for (let n = 0; stateOf(step.tg, virtualSticky) !== 'unhealthy'; n++) {
            if (n > 1_000) throw new Error('virtual: the sticky target never failed');
            virtual.runFor(1_000);
          }
          break;
        }
      }
    }

    // ---- live ------------------------------------------------------------------------------------------
    const liveLog: AccessLogEntry[] = [];
    live = await Simulator.fromModel(model, {
      ports: 0,
      targets: {
        [SITE]: backends.slice(0, 2).map((b) => `127.0.0.1:${b.port}`),
        [API]: backends.slice(2, 4).map((b) => `127.0.0.1:${b.port}`),
        'LiveFixture/Web/App': [],
        'LiveFixture/Web/Empty': [],
      },
      healthCheckIntervalOverrideMs: 200,
      healthCheckTimeoutOverrideMs: 150,
      deregistrationDelayOverrideMs: 300,
      accessLog: (_line, entry) => liveLog.push(entry),
    });
    for (const tg of [SITE, API]) for (let i = 0; i < 2; i++) await live.waitForHealth(tg, i, 'healthy');
    const url = live.url(HTTP);
    const liveSeen: Seen[] = [];
    let liveJar: string | undefined;
    let liveSticky: number | undefined;
    for (const step of SCENARIO) {
      switch (step.kind) {
        case 'requests':
          for (let i = 0; i < step.count; i++) {
            const headers: Record<string, string> = { host: 'www.example.com' };
            if (step.jar && liveJar) headers.cookie = liveJar;
            const res = await get(`${url}${step.path}`, { headers });
            const setCookie = res.headers['set-cookie'];
            const list = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
            if (step.jar && list.length > 0) liveJar = list.map((c) => c.split(';')[0]!).join('; ');
            liveSeen.push({ ...fromLog(liveLog.at(-1)!), cookies: list.map((c) => c.split('=')[0]!).sort() });
          }
          break;
        case 'deregister':
          live.deregisterTargets(step.tg, [targetOf(step.tg, step.target)]);
          break;
        case 'register':
          live.registerTargets(step.tg, [targetOf(step.tg, step.target)]);
          break;
        case 'fail-health':
          backendOf(step.tg, step.target).failHealthChecks();
          break;
        case 'recover':
          await backendOf(step.tg, step.target).recover();
          break;
        case 'wait':
          await live.waitForHealth(step.tg, step.target, step.state);
          break;
        case 'sticky-target-fails': {
          const served = liveSeen.at(-1)!.target;
          liveSticky = [0, 1].find((i) => `127.0.0.1:${targetOf(step.tg, i).port}` === served)!;
          backendOf(step.tg, liveSticky).failHealthChecks();
          await live.waitForHealth(step.tg, liveSticky, 'unhealthy');
          break;
        }
      }
    }

    // ---- the same decisions ----------------------------------------------------------------------------
    expect(liveSeen).toHaveLength(virtualSeen.length);
    expect(liveSeen).toEqual(virtualSeen);
    expect(liveSticky).toBe(virtualSticky);
    // and the scenario did what it says: the deregistered target got nothing, the sticky client moved
    const site = (i: number) => `127.0.0.1:${backends[i]!.port}`;
    expect(virtualSeen.slice(4, 7).map((s) => s.target)).toEqual([site(1), site(1), site(1)]);
    expect(virtualSeen.slice(11, 14).map((s) => s.target)).toEqual([site(0), site(0), site(0)]);
    const api = virtualSeen.filter((s) => s.path === '/api/x');
    expect(new Set(api.slice(0, 3).map((s) => s.target)).size).toBe(1);
    expect(api[3]!.target).not.toBe(api[2]!.target);
    expect(api[3]!.cookies).toContain('AWSALB');
  }, 60_000);
});
