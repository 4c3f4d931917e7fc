import {
  createEngine,
  parseCookies,
  seededRandom,
  slowStartWeight,
  type Engine,
  type ConnectionDecision,
  type ForwardDecision,
  type HttpRequestInfo,
  type RouteDecision,
} from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, forward, IDS, STACK, tgRef, THREE_TARGETS, type AlbSpec } from '../model/fixtures';

class TestClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

function setup(spec: AlbSpec = {}, seed = 1) {
  const clock = new TestClock();
  const model = modelFromTemplate(albTemplate(spec), STACK);
  const engine = createEngine(model, { clock, random: seededRandom(seed), cookieKey: 'k' });
  return { clock, model, engine };
}

function req(over: Partial<HttpRequestInfo> = {}): HttpRequestInfo {
  return {
    method: 'GET',
    path: '/',
    query: '',
    headers: { host: 'www.example.com' },
    sourceIp: '198.51.100.1',
    protocol: 'http',
    port: 80,
    ...over,
  };
}

/** Answer every due probe with `status` (or the per-target function). */
function answerProbes(engine: Engine, status: number | ((targetId: string) => number) = 200): number {
  const probes = engine.probeDue();
  for (const p of probes) {
    engine.probeResult(p.probeId, {
      kind: 'response',
      status: typeof status === 'number' ? status : status(p.target.targetId),
    });
  }
  return probes.length;
}

/** The decision, which must be a forward (a test fails here rather than comparing `false` with a value). */
function forwarded<D extends RouteDecision | ConnectionDecision>(d: D): Extract<D, { kind: 'forward' }> {
  if (d.kind !== 'forward') throw new Error(`expected a forward decision, got ${JSON.stringify(d)}`);
  return d as Extract<D, { kind: 'forward' }>;
}

const states = (engine: Engine, tg = IDS.tg()) => engine.describeTargetHealth(tg).map((d) => d.TargetHealth.State);

describe('engine: health (§1.3, §1.4)', () => {
  test('§1.4 registered targets go initial → healthy after one passing probe; DescribeTargetHealth shape', () => {
    // Given
    const { engine } = setup();
    expect(engine.describeTargetHealth(IDS.tg())[0]).toEqual({
      Target: { Id: '10.0.1.10', Port: 8080 },
      HealthCheckPort: '8080',
      TargetHealth: {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      },
    });
    // When the first probes are sent: every node (one per zone of the load balancer) probes every target
    const probes = engine.probeDue();
    expect(probes).toHaveLength(6);
    expect(probes.map((p) => p.availabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1a',
      'us-east-1b',
      'us-east-1a',
      'us-east-1b',
    ]);
    expect(probes[0]).toMatchObject({
      protocol: 'HTTP',
      port: 8080,
      path: '/health',
      timeoutMs: 5000,
      userAgent: 'ELB-HealthChecker/2.0',
    });
    expect(engine.describeTargetHealth(IDS.tg())[0].TargetHealth.Reason).toBe('Elb.InitialHealthChecking');
    // and answered 200
    for (const p of probes) engine.probeResult(p.probeId, { kind: 'response', status: 200 });
    // Then
    expect(states(engine)).toEqual(['healthy', 'healthy', 'healthy']);
    expect(engine.describeTargetHealth(IDS.tg())[0].AnomalyDetection).toEqual({
      Result: 'normal',
      MitigationInEffect: 'no',
    });
  });

  test('§1.4 targets of a TG that no listener uses are unused / Target.NotInUse and never probed', () => {
    const { engine } = setup({ targetGroups: { App: {}, Spare: {} } });
    expect(engine.describeTargetHealth(IDS.tg('Spare'))[0].TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotInUse',
    });
    expect(engine.probeDue().every((p) => p.target.targetGroupId === IDS.tg('App'))).toBe(true);
  });

  test('§1.3 no answer by the timeout → the engine records Target.Timeout (ALB) at the deadline', () => {
    const { engine, clock } = setup({ targetGroups: { App: { targets: [{ Id: '10.0.0.1', Port: 80 }] } } });
    answerProbes(engine);
    // When two probes of each node go unanswered
    clock.t += 10_000;
    expect(engine.probeDue()).toHaveLength(2);
    clock.t += 5_000;
    engine.advance();
    expect(states(engine)).toEqual(['healthy']);
    clock.t += 5_000;
    expect(engine.probeDue()).toHaveLength(2);
    clock.t += 5_000;
    const events = engine.advance();
    // Then
    expect(engine.describeTargetHealth(IDS.tg())[0].TargetHealth).toMatchObject({
      State: 'unhealthy',
      Reason: 'Target.Timeout',
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'target-health-changed', from: 'healthy', to: 'unhealthy' }),
    );
  });

  test('§1.3 late probe results (after the deadline) are ignored', () => {
    const { engine, clock } = setup({ targetGroups: { App: { targets: [{ Id: '10.0.0.1', Port: 80 }] } } });
    const [p] = engine.probeDue();
    clock.t += 5_000;
    engine.probeResult(p.probeId, { kind: 'response', status: 200 });
    expect(states(engine)).toEqual(['initial']);
  });

  test('§1.1 nextWakeAt tells the shell when the next probe or deadline is due', () => {
    const { engine, clock } = setup();
    expect(engine.nextWakeAt()).toBe(clock.t);
    const probes = engine.probeDue();
    expect(engine.nextWakeAt()).toBe(clock.t + 5_000);
    for (const p of probes) engine.probeResult(p.probeId, { kind: 'response', status: 200 });
    expect(engine.nextWakeAt()).toBe(clock.t + 10_000);
  });
});

describe('engine: routing (§1.5, §2.1, §4)', () => {
  test('§2.1 round_robin over healthy targets in sequential order', () => {
    const { engine } = setup();
    answerProbes(engine);
    const picks = Array.from({ length: 6 }, () => {
      const d = engine.route(IDS.lb, IDS.listener, req());
      return d.kind === 'forward' ? d.target.targetId : d.kind;
    });
    expect(picks).toEqual(['10.0.1.10', '10.0.2.10', '10.0.3.10', '10.0.1.10', '10.0.2.10', '10.0.3.10']);
  });

  test('§1.5 unhealthy targets get no requests while another target is healthy', () => {
    const { engine } = setup();
    answerProbes(engine, (id) => (id === '10.0.2.10' ? 500 : 200));
    for (let i = 0; i < 6; i++) {
      const d = engine.route(IDS.lb, IDS.listener, req());
      expect(forwarded(d).target.targetId).not.toBe('10.0.2.10');
      expect(forwarded(d).failOpen).toBe(false);
    }
  });

  test('§1.5 every target unhealthy → fail open: routed to all targets, flagged failOpen', () => {
    const { engine, clock } = setup();
    answerProbes(engine, 500);
    clock.t += 10_000;
    answerProbes(engine, 500);
    expect(states(engine)).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    const targets = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const d = engine.route(IDS.lb, IDS.listener, req());
      expect(d).toMatchObject({ kind: 'forward', failOpen: true });
      if (d.kind === 'forward') targets.add(d.target.targetId);
    }
    expect(targets.size).toBe(3);
  });

  test('§1.5/§5.4 a target group with no registered targets → 503', () => {
    const { engine } = setup({ targetGroups: { App: { targets: [] } } });
    expect(engine.route(IDS.lb, IDS.listener, req())).toMatchObject({
      kind: 'error',
      status: 503,
      reason: 'NoRegisteredTargets',
      matchedRulePriority: 0,
    });
  });

  test('§2.1 least_outstanding_requests sends to the target with fewest in-flight requests', () => {
    const { engine } = setup({
      targetGroups: { App: { attributes: { 'load_balancing.algorithm.type': 'least_outstanding_requests' } } },
    });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    const second = engine.route(IDS.lb, IDS.listener, req());
    const third = engine.route(IDS.lb, IDS.listener, req());
    const ids = [first, second, third].map((d) => (d.kind === 'forward' ? d.target.targetId : ''));
    expect(new Set(ids).size).toBe(3);
    // When the second request finishes, its target has the fewest in flight
    if (second.kind !== 'forward') throw new Error('expected forward');
    engine.requestFinished(second.requestId, { status: 200 });
    const next = engine.route(IDS.lb, IDS.listener, req());
    expect(forwarded(next).target.targetId).toBe(second.target.targetId);
    expect(engine.inFlight(second.target)).toBe(1);
  });

  test('§5.4 a request the load balancer answers itself after choosing a target (464) leaves the in-flight set', () => {
    const { engine } = setup();
    answerProbes(engine);
    const d = engine.route(IDS.lb, IDS.listener, req());
    if (d.kind !== 'forward') throw new Error('expected forward');
    expect(engine.inFlight(d.target)).toBe(1);
    engine.requestFinished(d.requestId, { notSent: true });
    expect(engine.inFlight(d.target)).toBe(0);
  });

  test('§4.1 rule actions: redirect and fixed-response decisions with matched priority; listener found by port', () => {
    const { engine } = setup({
      rules: [
        {
          priority: 5,
          conditions: [{ Field: 'path-pattern', Values: ['/old/*'] }],
          actions: [
            {
              Type: 'redirect',
              RedirectConfig: { Protocol: 'HTTPS', Port: '443', Path: '/new/#{path}', StatusCode: 'HTTP_302' },
            },
          ],
        },
        {
          priority: 7,
          conditions: [{ Field: 'path-pattern', Values: ['/teapot'] }],
          actions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'short and stout' },
            },
          ],
        },
      ],
    });
    expect(engine.route(IDS.lb, '80', req({ path: '/old/a', query: 'q=1' }))).toMatchObject({
      kind: 'redirect',
      status: 302,
      location: 'https://www.example.com/new/old/a?q=1',
      matchedRulePriority: 5,
    });
    expect(engine.route(IDS.lb, IDS.listener, req({ path: '/teapot' }))).toMatchObject({
      kind: 'fixed',
      status: 418,
      contentType: 'text/plain',
      body: 'short and stout',
      matchedRulePriority: 7,
    });
  });

  test('unknown listener → error ListenerNotFound', () => {
    const { engine } = setup();
    expect(engine.route(IDS.lb, '8081', req())).toMatchObject({
      kind: 'error',
      reason: 'ListenerNotFound',
      matchedRulePriority: -1,
    });
  });

  test('§4.3 an authenticate action is not terminal: the engine routes by the forward after it (the edge authenticates)', () => {
    const { engine } = setup({
      defaultActions: [
        { Type: 'authenticate-cognito', Order: 1 },
        { ...forward('App'), Order: 2 },
      ],
    });
    answerProbes(engine);
    expect(engine.route(IDS.lb, IDS.listener, req())).toMatchObject({
      kind: 'forward',
      skippedActions: [],
    });
  });

  test('§4.3 simulator choice all_weights_zero: every weight 0 → 503', () => {
    const { engine } = setup({
      targetGroups: { Blue: {}, Green: {} },
      defaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tgRef('Blue'), Weight: 0 },
              { TargetGroupArn: tgRef('Green'), Weight: 0 },
            ],
          },
        },
      ],
    });
    expect(engine.route(IDS.lb, IDS.listener, req())).toMatchObject({
      kind: 'error',
      status: 503,
      reason: 'AllWeightsZero',
    });
  });

  test('§4.3 weighted forward splits proportionally to weight (10,000 requests, seeded)', () => {
    const { engine } = setup({
      targetGroups: { Blue: {}, Green: {} },
      defaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tgRef('Blue'), Weight: 10 },
              { TargetGroupArn: tgRef('Green'), Weight: 30 },
            ],
          },
        },
      ],
    });
    answerProbes(engine);
    let green = 0;
    for (let i = 0; i < 10_000; i++) {
      const d = engine.route(IDS.lb, IDS.listener, req());
      if (d.kind === 'forward') {
        if (d.targetGroupId === IDS.tg('Green')) green++;
        engine.requestFinished(d.requestId);
      }
    }
    expect(green).toBeGreaterThan(7300);
    expect(green).toBeLessThan(7700);
  });

  test('§2.4 a Lambda target group forwards to its function, in every zone; health checks off → unavailable', () => {
    const { engine } = setup({
      targetGroups: {
        Fn: {
          props: { TargetType: 'lambda', Port: undefined, Protocol: undefined },
          targets: [{ Id: 'arn:aws:lambda:eu-west-1:1:function:f' }],
        },
      },
    });
    const d = forwarded(engine.route(IDS.lb, IDS.listener, req({ availabilityZone: 'us-east-1b' })));
    expect(d.target).toEqual({
      targetGroupId: IDS.tg('Fn'),
      targetId: 'arn:aws:lambda:eu-west-1:1:function:f',
      port: 0,
    });
    expect(engine.targetZone(d.target)).toBeUndefined();
    expect(engine.describeTargetHealth(IDS.tg('Fn'))[0].TargetHealth).toMatchObject({
      State: 'unavailable',
      Reason: 'Target.HealthCheckDisabled',
    });
  });
});

describe('engine: deregistration (§2.3)', () => {
  test('§2.3 a draining target gets no new requests; in-flight requests at the end of the delay → abort with 502', () => {
    const { engine, clock } = setup({
      targetGroups: { App: { attributes: { 'deregistration_delay.timeout_seconds': 30 } } },
    });
    answerProbes(engine);
    const d = engine.route(IDS.lb, IDS.listener, req());
    if (d.kind !== 'forward') throw new Error('expected forward');
    // When the target is deregistered while its request is in flight
    engine.deregisterTargets(IDS.tg(), [{ id: d.target.targetId, port: d.target.port }]);
    expect(
      engine.describeTargetHealth(IDS.tg(), [{ id: d.target.targetId, port: 8080 }])[0].TargetHealth,
    ).toMatchObject({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
    });
    // Then no new request goes to it: round robin alternates over the two others
    const picks: string[] = [];
    for (let i = 0; i < 10; i++) {
      const n = forwarded(engine.route(IDS.lb, IDS.listener, req()));
      picks.push(n.target.targetId);
      engine.requestFinished(n.requestId);
    }
    const others = ['10.0.1.10', '10.0.2.10', '10.0.3.10'].filter((t) => t !== d.target.targetId);
    expect([...new Set(picks)].sort()).toEqual(others);
    expect(picks.filter((t) => t === others[0])).toHaveLength(5);
    expect(engine.nextWakeAt()).toBeLessThanOrEqual(clock.t + 30_000);
    clock.t += 29_999;
    expect(engine.advance().filter((e) => e.type === 'abort-requests')).toEqual([]);
    clock.t += 1;
    const events = engine.advance();
    // and the request still in flight is aborted with 502; the target is removed
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'abort-requests',
        requestIds: [d.requestId],
        status: 502,
        reason: 'DeregistrationDelayExpired',
      }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'target-removed' }));
    expect(
      engine.describeTargetHealth(IDS.tg(), [{ id: d.target.targetId, port: 8080 }])[0].TargetHealth,
    ).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotRegistered',
    });
    expect(engine.describeTargetHealth(IDS.tg())).toHaveLength(2);
  });

  test('§2.3 requests that finish before the delay ends are not aborted', () => {
    const { engine, clock } = setup({
      targetGroups: { App: { attributes: { 'deregistration_delay.timeout_seconds': 30 } } },
    });
    answerProbes(engine);
    const d = engine.route(IDS.lb, IDS.listener, req());
    if (d.kind !== 'forward') throw new Error('expected forward');
    engine.deregisterTargets(IDS.tg(), [{ id: d.target.targetId, port: d.target.port }]);
    engine.requestFinished(d.requestId, { status: 200 });
    clock.t += 30_000;
    expect(engine.advance().filter((e) => e.type === 'abort-requests')).toEqual([]);
  });

  test('§2.3 registering again after removal starts from initial', () => {
    const { engine, clock } = setup({
      targetGroups: {
        App: { targets: [{ Id: '10.0.0.1', Port: 80 }], attributes: { 'deregistration_delay.timeout_seconds': 0 } },
      },
    });
    answerProbes(engine);
    engine.deregisterTargets(IDS.tg(), [{ id: '10.0.0.1' }]);
    expect(engine.describeTargetHealth(IDS.tg())).toEqual([]);
    clock.t += 1;
    engine.registerTargets(IDS.tg(), [{ id: '10.0.0.1' }]);
    expect(states(engine)).toEqual(['initial']);
  });
});

describe('engine: target details for the dashboard (§1.4, §2.2, §2.3)', () => {
  test('§1.4 §2.2 §2.3 time in state, slow-start end and share, draining end, requests in flight', () => {
    const { engine, clock } = setup({
      targetGroups: {
        App: { attributes: { 'deregistration_delay.timeout_seconds': 30, 'slow_start.duration_seconds': 60 } },
      },
    });
    const t0 = clock.t;
    expect(engine.targetDetails(IDS.tg()).map((d) => [d.state, d.since])).toEqual([
      ['initial', t0],
      ['initial', t0],
      ['initial', t0],
    ]);
    // targets registered together skip slow start; one registered later enters it (§2.2)
    answerProbes(engine);
    clock.t += 1_000;
    engine.registerTargets(IDS.tg(), [{ id: '10.0.4.10', port: 8080 }]);
    answerProbes(engine);
    const healthyAt = clock.t;
    clock.t += 30_000;
    const late = () => engine.targetDetails(IDS.tg()).find((x) => x.target.targetId === '10.0.4.10')!;
    // healthy for 30 s of a 60 s slow start: half way up the ramp, ending 60 s after turning healthy
    expect(late()).toMatchObject({ state: 'healthy', since: healthyAt, slowStartUntil: healthyAt + 60_000 });
    expect(late().weight).toBeCloseTo(slowStartWeight(clock.t, healthyAt, 60_000), 12);
    expect(late().weight).toBeCloseTo(0.5, 12);
    const early = engine.targetDetails(IDS.tg()).find((x) => x.target.targetId === '10.0.1.10')!;
    expect(early).toMatchObject({ state: 'healthy', since: t0, weight: 1, inFlight: 0 });
    expect(early.slowStartUntil).toBeUndefined();
    const d = forwarded(engine.route(IDS.lb, IDS.listener, req()));
    engine.deregisterTargets(IDS.tg(), [{ id: '10.0.2.10', port: 8080 }]);
    const drained = engine.targetDetails(IDS.tg()).find((x) => x.target.targetId === '10.0.2.10')!;
    expect(drained).toMatchObject({ state: 'draining', since: clock.t, drainingUntil: clock.t + 30_000 });
    const busy = engine.targetDetails(IDS.tg()).find((x) => x.target.targetId === d.target.targetId)!;
    expect(busy.inFlight).toBe(1);
    clock.t += 30_000;
    // after the slow start the share is whole and no end is given
    expect(late().weight).toBe(1);
    expect(late().slowStartUntil).toBeUndefined();
  });
});

describe('engine: stickiness (§3)', () => {
  const sticky = {
    'stickiness.enabled': true,
    'stickiness.type': 'lb_cookie',
    'stickiness.lb_cookie.duration_seconds': 60,
  };
  const cookieHeader = (setCookies: readonly string[]) => setCookies.map((c) => c.split(';')[0]).join('; ');

  test('§3.1 first request issues AWSALB + AWSALBCORS; the cookie then pins the target', () => {
    const { engine } = setup({ targetGroups: { App: { attributes: sticky } } });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    expect(first.stickiness).toBe('new');
    expect(first.setCookies.map((c) => c.split('=')[0])).toEqual(['AWSALB', 'AWSALBCORS']);
    for (let i = 0; i < 5; i++) {
      const next = engine.route(
        IDS.lb,
        IDS.listener,
        req({ headers: { host: 'www.example.com', cookie: cookieHeader(first.setCookies) } }),
      );
      expect(next).toMatchObject({ kind: 'forward', stickiness: 'hit', target: first.target });
      expect(forwarded(next).setCookies).toHaveLength(2);
    }
  });

  test('§3.1 cookie expired after the stickiness duration → re-pick and re-issue', () => {
    const { engine, clock } = setup({ targetGroups: { App: { attributes: sticky } } });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    clock.t += 60_000;
    const later = engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: cookieHeader(first.setCookies) } }));
    expect(later).toMatchObject({ kind: 'forward', stickiness: 'repick' });
  });

  test('§3.1 sticky target unhealthy → re-pick a healthy target', () => {
    const { engine, clock } = setup({ targetGroups: { App: { attributes: sticky } } });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    const bad = first.target.targetId;
    clock.t += 10_000;
    answerProbes(engine, (id) => (id === bad ? 500 : 200));
    clock.t += 10_000;
    answerProbes(engine, (id) => (id === bad ? 500 : 200));
    const next = engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: cookieHeader(first.setCookies) } }));
    expect(next).toMatchObject({ kind: 'forward', stickiness: 'repick' });
    expect(forwarded(next).target.targetId).not.toBe(bad);
  });

  test('§3.1 sticky target draining → new requests go to a healthy target', () => {
    const { engine } = setup({ targetGroups: { App: { attributes: sticky } } });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    engine.deregisterTargets(IDS.tg(), [{ id: first.target.targetId, port: first.target.port }]);
    const next = forwarded(
      engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: cookieHeader(first.setCookies) } })),
    );
    expect(next.stickiness).toBe('repick');
    // a healthy target other than the draining one, and the cookie now points at it
    expect(next.target.targetId).not.toBe(first.target.targetId);
    expect(
      engine.describeTargetHealth(IDS.tg(), [{ id: next.target.targetId, port: 8080 }])[0]!.TargetHealth.State,
    ).toBe('healthy');
    const again = forwarded(
      engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: cookieHeader(next.setCookies) } })),
    );
    expect(again).toMatchObject({ stickiness: 'hit', target: next.target });
  });

  test('§3.1 a tampered cookie is treated as invalid (re-pick)', () => {
    const { engine } = setup({ targetGroups: { App: { attributes: sticky } } });
    answerProbes(engine);
    const next = engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: 'AWSALB=not-a-real-cookie' } }));
    expect(next).toMatchObject({ kind: 'forward', stickiness: 'repick' });
  });

  test('§3.2 app_cookie: AWSALBAPP-0 is issued when the target sets the app cookie; it then pins the target', () => {
    const { engine } = setup({
      targetGroups: {
        App: {
          attributes: {
            'stickiness.enabled': true,
            'stickiness.type': 'app_cookie',
            'stickiness.app_cookie.cookie_name': 'SESSION',
          },
        },
      },
    });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    expect(first.setCookies).toEqual([]);
    expect(first.appCookie?.cookieName).toBe('SESSION');
    expect(first.appCookie?.setCookies[0]).toMatch(/^AWSALBAPP-0=/);
    const cookie = `SESSION=abc; ${cookieHeader(first.appCookie!.setCookies)}`;
    for (let i = 0; i < 4; i++) {
      const next = engine.route(IDS.lb, IDS.listener, req({ headers: { cookie } }));
      expect(next).toMatchObject({ kind: 'forward', stickiness: 'hit', target: first.target });
      expect(forwarded(next).setCookies[0]).toMatch(/^AWSALBAPP-0=/);
    }
  });

  test('§3.3 target-group stickiness: AWSALBTG pins the target group of a weighted forward', () => {
    const { engine } = setup({
      targetGroups: { Blue: {}, Green: {} },
      defaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tgRef('Blue'), Weight: 50 },
              { TargetGroupArn: tgRef('Green'), Weight: 50 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
          },
        },
      ],
    });
    answerProbes(engine);
    const first = engine.route(IDS.lb, IDS.listener, req());
    if (first.kind !== 'forward') throw new Error('expected forward');
    expect(first.setCookies.map((c) => c.split('=')[0])).toEqual(['AWSALBTG', 'AWSALBTGCORS']);
    const cookies = parseCookies([cookieHeader(first.setCookies)]);
    expect(cookies.has('AWSALBTG')).toBe(true);
    for (let i = 0; i < 20; i++) {
      const next = engine.route(IDS.lb, IDS.listener, req({ headers: { cookie: cookieHeader(first.setCookies) } }));
      expect(forwarded(next).targetGroupId).toBe(first.targetGroupId);
    }
  });

  test('§3.3 simulator choice sticky_tg_unusable: AWSALBTG for a TG without registered targets → chosen by weight again', () => {
    const { engine, clock } = setup({
      targetGroups: { Blue: {}, Green: { attributes: { 'deregistration_delay.timeout_seconds': 0 } } },
      defaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tgRef('Blue'), Weight: 999 },
              { TargetGroupArn: tgRef('Green'), Weight: 1 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
          },
        },
      ],
    });
    answerProbes(engine);
    // Given a client stuck to Green (weight 1: found among the first requests of this seed)
    let green: ForwardDecision | undefined;
    for (let i = 0; i < 20_000 && !green; i++) {
      const d = forwarded(engine.route(IDS.lb, IDS.listener, req()));
      if (d.targetGroupId === IDS.tg('Green')) green = d;
    }
    const cookie = green!.setCookies.map((c) => c.split(';')[0]).join('; ');
    expect(forwarded(engine.route(IDS.lb, IDS.listener, req({ headers: { cookie } }))).targetGroupId).toBe(
      IDS.tg('Green'),
    );
    // When Green loses every target
    engine.deregisterTargets(
      IDS.tg('Green'),
      THREE_TARGETS.map((t) => ({ id: t.Id, port: t.Port })),
    );
    clock.t += 1;
    engine.advance();
    expect(engine.describeTargetHealth(IDS.tg('Green'))).toEqual([]);
    // Then the cookie is ignored: the weights choose Blue, and the cookie is re-issued for Blue
    const next = forwarded(engine.route(IDS.lb, IDS.listener, req({ headers: { cookie } })));
    expect(next.targetGroupId).toBe(IDS.tg('Blue'));
    expect(next.setCookies.some((c) => c.startsWith('AWSALBTG='))).toBe(true);
  });
});

describe('engine: NLB flows (§6.2, §3.5)', () => {
  const flow = (sourcePort: number, sourceIp = '198.51.100.9') => ({
    protocol: 'TCP' as const,
    sourceIp,
    sourcePort,
    destinationIp: '10.0.0.100',
    destinationPort: 80,
    sequence: sourcePort * 7,
  });

  test('§6.2 flows spread over healthy targets by flow hash; a flow maps to one target', () => {
    const { engine } = setup({ lbType: 'network' });
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'connected' });
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const d = engine.routeConnection(IDS.lb, IDS.listener, flow(40_000 + i));
      if (d.kind === 'forward') seen.add(d.target.targetId);
    }
    expect(seen.size).toBe(3);
    const a = engine.routeConnection(IDS.lb, IDS.listener, flow(50_000));
    const b = engine.routeConnection(IDS.lb, IDS.listener, flow(50_000));
    expect(a.kind === 'forward' && b.kind === 'forward' && a.target.targetId === b.target.targetId).toBe(true);
  });

  test('§3.5 source_ip stickiness: every flow of one client IP goes to the same target', () => {
    const { engine } = setup({
      lbType: 'network',
      targetGroups: { App: { attributes: { 'stickiness.enabled': true, 'stickiness.type': 'source_ip' } } },
    });
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'connected' });
    const targets = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const d = engine.routeConnection(IDS.lb, IDS.listener, flow(40_000 + i));
      if (d.kind === 'forward') targets.add(d.target.targetId);
    }
    expect(targets.size).toBe(1);
  });
});

describe('engine: NLB unhealthy targets (§6.6)', () => {
  const flow = {
    protocol: 'TCP' as const,
    sourceIp: '198.51.100.9',
    sourcePort: 40_000,
    destinationIp: '10.0.0.100',
    destinationPort: 80,
  };

  test('§6.6 connections of a target that turns unhealthy are reset (connection_termination default true)', () => {
    const { engine, clock } = setup({ lbType: 'network' });
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'connected' });
    const d = engine.routeConnection(IDS.lb, IDS.listener, flow);
    if (d.kind !== 'forward') throw new Error('expected forward');
    for (let i = 0; i < 2; i++) {
      clock.t += 10_000;
      for (const p of engine.probeDue()) {
        engine.probeResult(
          p.probeId,
          p.target.targetId === d.target.targetId ? { kind: 'error' } : { kind: 'connected' },
        );
      }
    }
    expect(engine.advance()).toContainEqual(
      expect.objectContaining({ type: 'terminate-connections', requestIds: [d.requestId], reason: 'TargetUnhealthy' }),
    );
    expect(engine.inFlight(d.target)).toBe(0);
  });

  test('§6.6 with a draining interval and termination off, the target goes unhealthy.draining and takes no new flows', () => {
    const { engine, clock } = setup({
      lbType: 'network',
      targetGroups: {
        App: {
          attributes: {
            'target_health_state.unhealthy.connection_termination.enabled': false,
            'target_health_state.unhealthy.draining_interval_seconds': 60,
          },
        },
      },
    });
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'connected' });
    for (let i = 0; i < 2; i++) {
      clock.t += 10_000;
      for (const p of engine.probeDue()) {
        engine.probeResult(p.probeId, p.target.targetId === '10.0.1.10' ? { kind: 'error' } : { kind: 'connected' });
      }
    }
    expect(states(engine)).toEqual(['unhealthy.draining', 'healthy', 'healthy']);
    for (let i = 0; i < 50; i++) {
      const d = engine.routeConnection(IDS.lb, IDS.listener, { ...flow, sourcePort: 41_000 + i });
      expect(forwarded(d).target.targetId).not.toBe('10.0.1.10');
    }
    expect(engine.advance().filter((e) => e.type === 'terminate-connections')).toEqual([]);
    clock.t += 60_000;
    engine.advance();
    expect(states(engine)[0]).toBe('unhealthy');
  });
});
