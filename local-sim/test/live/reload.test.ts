/**
 * `Simulator.reload`: a new synthesis of the same app applied in place (what `ha-sim start --watch`
 * does). Untouched listeners keep their connections and a changed rule routes the next request; new
 * listeners start, removed ones close; a target group that leaves the app drains (§2.3).
 */
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import { buildModel, type SimModel } from '../../src/model';
import type { HealthChange, Simulator } from '../../src/live/simulator';
import { FIXTURE, get, startFixture, WEB_HTTP } from './helpers';
import * as path from 'node:path';

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
};
const original = JSON.parse(readFileSync(path.join(FIXTURE, 'LiveFixture.template.json'), 'utf8')) as Template;

function model(change: (t: Template) => void): SimModel {
  const t = structuredClone(original);
  change(t);
  return buildModel([{ stackName: 'LiveFixture', template: t }]);
}

let sim: Simulator;
afterEach(() => sim?.stop());

describe('Simulator.reload (ha-sim start --watch)', () => {
  test('a changed rule routes the next request on the same keep-alive connection', async () => {
    sim = await startFixture({ demoBackends: 1 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(sim.url(WEB_HTTP) + '/teapot', { agent });
      expect(before).toMatchObject({ status: 418, body: 'short and stout' });
      const socketsBefore = Object.values(agent.freeSockets).flat();
      expect(socketsBefore).toHaveLength(1);

      const summary = await sim.reload(
        model((t) => {
          const cfg = (
            t.Resources.TeapotRule.Properties.Actions as { FixedResponseConfig: Record<string, string> }[]
          )[0];
          cfg.FixedResponseConfig.StatusCode = '200';
          cfg.FixedResponseConfig.MessageBody = 'tall and thin';
        }),
      );
      expect(summary.listenersRerouted).toEqual([WEB_HTTP]);
      expect(summary.listenersRestarted).toEqual([]);

      const after = await get(sim.url(WEB_HTTP) + '/teapot', { agent });
      expect(after).toMatchObject({ status: 200, body: 'tall and thin' });
      // the very socket of the first request carried the second: the connection was not dropped
      expect(Object.values(agent.freeSockets).flat()).toEqual(socketsBefore);
    } finally {
      agent.destroy();
    }
  });

  test('an unchanged app reloads with no change and keeps every listener on its port', async () => {
    sim = await startFixture({ demoBackends: 1 });
    const port = sim.port(WEB_HTTP);
    const summary = await sim.reload(model(() => undefined));
    expect(summary).toEqual({
      listenersStarted: [],
      listenersStopped: [],
      listenersRestarted: [],
      listenersRerouted: [],
      targetGroupsAdded: [],
      targetGroupsRemoved: [],
    });
    expect(sim.port(WEB_HTTP)).toBe(port);
  });

  test('a new listener starts, a removed one closes, a changed port restarts', async () => {
    sim = await startFixture({ demoBackends: 1 });
    const edge = sim.url('LiveFixture/Edge/Http');
    const summary = await sim.reload(
      model((t) => {
        delete t.Resources.EdgeListener;
        t.Resources.HttpListener.Properties.Port = 8090;
        t.Resources.ExtraListener = {
          Type: 'AWS::ElasticLoadBalancingV2::Listener',
          Properties: {
            LoadBalancerArn: { Ref: 'WebLB' },
            Protocol: 'HTTP',
            Port: 8091,
            DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '204' } }],
          },
          Metadata: { 'aws:cdk:path': 'LiveFixture/Web/Extra/Resource' },
        };
      }),
    );
    expect(summary.listenersStopped).toEqual(['LiveFixture/Edge/Http']);
    expect(summary.listenersRestarted).toEqual([WEB_HTTP]);
    expect(summary.listenersStarted).toEqual(['LiveFixture/Web/Extra']);
    await expect(get(edge + '/')).rejects.toThrow(/ECONNREFUSED/);
    expect((await get(sim.url('LiveFixture/Web/Extra') + '/')).status).toBe(204);
    expect((await get(sim.url(WEB_HTTP) + '/teapot')).status).toBe(418);
  });

  test('§2.3 a target group that leaves the app drains its targets; rules no longer reach it', async () => {
    sim = await startFixture({ demoBackends: 1, deregistrationDelayOverrideMs: 60_000 });
    const app = 'LiveFixture/Web/App';
    const [target] = sim.describeTargetHealth(app);
    const changes: HealthChange[] = [];
    sim.on('health', (c) => changes.push(c));
    const summary = await sim.reload(
      model((t) => {
        delete t.Resources.AppRule;
        delete t.Resources.AppTG;
      }),
    );
    expect(summary.targetGroupsRemoved).toEqual([app]);
    expect(changes).toEqual([
      expect.objectContaining({
        targetGroupId: app,
        target: expect.objectContaining({ targetId: target!.Target.Id, port: target!.Target.Port }),
        to: 'draining',
        reason: 'Target.DeregistrationInProgress',
      }),
    ]);
    expect(() => sim.targets(app)).toThrow(/SIM_TARGET_GROUP_NOT_FOUND/);
  });

  test('a new target group gets demo backends like the others at start-up', async () => {
    sim = await startFixture({ demoBackends: 2 });
    const summary = await sim.reload(
      model((t) => {
        t.Resources.NewTG = {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          Properties: { Protocol: 'HTTP', Port: 80, TargetType: 'ip', VpcId: 'vpc-1' },
          Metadata: { 'aws:cdk:path': 'LiveFixture/Web/New/Resource' },
        };
        t.Resources.NewRule = {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: {
            ListenerArn: { Ref: 'HttpListener' },
            Priority: 5,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/new/*'] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'NewTG' } }],
          },
        };
      }),
    );
    expect(summary.targetGroupsAdded).toEqual(['LiveFixture/Web/New']);
    expect(sim.targets('LiveFixture/Web/New').length).toBe(2);
    const res = await get(sim.url(WEB_HTTP) + '/new/x');
    expect(res.status).toBe(200);
    expect(res.json().target).toMatch(/^NewTG#/);
  });

  test('an assembly with nothing to serve is refused and the running one stays', async () => {
    sim = await startFixture({ demoBackends: 1 });
    await expect(sim.reload(buildModel([{ stackName: 'S', template: { Resources: {} } }]))).rejects.toThrow(
      /SIM_NOTHING_TO_SERVE/,
    );
    expect((await get(sim.url(WEB_HTTP) + '/teapot')).status).toBe(418);
  });
});
