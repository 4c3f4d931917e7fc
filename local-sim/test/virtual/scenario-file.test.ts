import { parseScenario } from '../../src/virtual';

const BASE = `
name: s
duration: 2m
workload: { loadBalancer: LB, listener: 80, rate: 10 }
`;

describe('scenario files (YAML)', () => {
  test('durations, latency kinds, defaults and an expanded flap', () => {
    const s = parseScenario(`
name: demo
seed: 7
duration: 1h
warmup: 1500ms
workload:
  dns: www.example.com.
  listener: 443
  rate: 50
  arrivals: constant
  paths: { '/': 3, '/api': 1 }
  clients: 20
  sessionLength: 4
targets:
  TG:
    count: 3
    zones: [a, b]
    latency: { lognormal: { median: 20ms, sigma: 0.5 } }
    concurrency: 4
  Other:
    list:
      - { id: 10.0.0.1, latency: { uniform: [1ms, 2s] }, weight: 3 }
      - { id: 10.0.0.2, latency: { histogram: [[10ms, 9], [1s, 1]] } }
timeline:
  - at: 30s
    flap: { targetGroup: TG, targets: [sim-1], every: 10s, times: 2 }
  - at: 5m
    failZone: { zone: a }
`);
    expect(s).toMatchObject({ name: 'demo', seed: 7, durationMs: 3_600_000, warmupMs: 1500, buckets: 60 });
    expect(s.workload).toMatchObject({
      dns: 'www.example.com.',
      host: 'www.example.com',
      listener: '443',
      arrivals: 'constant',
      clients: 20,
      sessionLength: 4,
      method: 'GET',
      paths: [
        { path: '/', weight: 3 },
        { path: '/api', weight: 1 },
      ],
    });
    expect(s.targets[0].targets!.map((t) => [t.id, t.zone])).toEqual([
      ['sim-1', 'a'],
      ['sim-2', 'b'],
      ['sim-3', 'a'],
    ]);
    expect(s.targets[0].behaviour).toEqual({
      latency: { kind: 'lognormal', medianMs: 20, sigma: 0.5 },
      concurrency: 4,
      errorRate: undefined,
      errorStatus: undefined,
    });
    expect(s.targets[1].targets![0]).toMatchObject({
      weight: 3,
      behaviour: { latency: { kind: 'uniform', minMs: 1, maxMs: 2000 } },
    });
    expect(s.targets[1].targets![1].behaviour.latency).toEqual({
      kind: 'histogram',
      buckets: [
        { upToMs: 10, weight: 9 },
        { upToMs: 1000, weight: 1 },
      ],
    });
    // a flap is health checks failing and recovering in turn
    expect(s.timeline.map((e) => [e.at, e.action.kind])).toEqual([
      [30_000, 'failHealthCheck'],
      [40_000, 'recover'],
      [50_000, 'failHealthCheck'],
      [60_000, 'recover'],
      [300_000, 'failZone'],
    ]);
  });

  test.each([
    ['bad YAML', 'name: [', 'not valid YAML'],
    ['unknown key', `${BASE}colour: red`, 'colour: unknown key'],
    ['bad duration', BASE.replace('2m', 'two minutes'), 'duration: must be a duration such as 250ms'],
    ['no entry point', 'name: s\nduration: 1m\nworkload: { listener: 80, rate: 1 }', 'give loadBalancer or dns'],
    [
      'unknown action',
      `${BASE}timeline:\n  - { at: 1s, explode: {} }`,
      'timeline[0]: needs "at" and exactly one action',
    ],
    [
      'event after the end',
      `${BASE}timeline:\n  - { at: 3m, failZone: { zone: a } }`,
      'timeline[0].at: is after the end',
    ],
    ['bad latency', `${BASE}targets: { TG: { latency: { gamma: 3 } } }`, 'targets.TG.latency: unknown latency "gamma"'],
    [
      'bad failure mode',
      `${BASE}timeline:\n  - { at: 1s, fail: { targetGroup: TG, mode: explode } }`,
      'mode: must be refuse, hang or an HTTP status',
    ],
    ['unknown algorithm', `${BASE}compare: { targetGroup: TG, algorithms: [fastest] }`, 'unknown algorithm "fastest"'],
  ])('%s → SIM_SCENARIO_INVALID naming the file and the key', (_name, text, message) => {
    expect(() => parseScenario(text, 'x.yaml')).toThrow(
      expect.objectContaining({ code: 'SIM_SCENARIO_INVALID', message: expect.stringContaining(message) }),
    );
    expect(() => parseScenario(text, 'x.yaml')).toThrow(/^SIM_SCENARIO_INVALID: x\.yaml: /);
  });
});
