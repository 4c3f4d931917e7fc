/** Property tests (STYLE.md): laws that must hold for every input, checked with fast-check. */
import fc from 'fast-check';
import { createEngine, globMatch, roundRobin, seededRandom, type HttpRequestInfo } from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, IDS, STACK } from '../model/fixtures';

const req: HttpRequestInfo = {
  method: 'GET',
  path: '/',
  query: '',
  headers: { host: 'a.example.com' },
  sourceIp: '192.0.2.1',
  protocol: 'http',
  port: 80,
};

describe('properties', () => {
  test('§4.2 a pattern without wildcards matches exactly itself (case-sensitive)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?]/.test(s)),
        fc.string(),
        (p, s) => {
          expect(globMatch(p, s)).toBe(p === s);
        },
      ),
    );
  });

  test('§4.2 "*" + x + "*" matches any text containing x', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?]/.test(s)),
        fc.string(),
        fc.string(),
        (x, a, b) => {
          expect(globMatch(`*${x}*`, a + x + b)).toBe(true);
        },
      ),
    );
  });

  test('§2.1 round_robin: k full rounds give every target exactly k requests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }), (n, k) => {
        const b = roundRobin();
        const pool = Array.from({ length: n }, (_, i) => ({ key: `t${i}`, weight: 1, outstanding: 0 }));
        const counts = new Map<string, number>();
        for (let i = 0; i < n * k; i++) {
          const key = b.pick(pool, { random: seededRandom(1), now: 0 }).key;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        expect([...counts.values()]).toEqual(Array(n).fill(k));
      }),
    );
  });

  test('§2.3/§3.1 sticky sessions stay put while healthy, and no request ever goes to a draining target', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), client: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('deregister' as const), target: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('register' as const), target: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 20_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer(), (ops, seed) => {
        const clock = {
          t: 0,
          now() {
            return this.t;
          },
        };
        const model = modelFromTemplate(
          albTemplate({
            targetGroups: {
              App: { attributes: { 'stickiness.enabled': true, 'deregistration_delay.timeout_seconds': 30 } },
            },
          }),
          STACK,
        );
        const engine = createEngine(model, { clock, random: seededRandom(seed), cookieKey: 'k' });
        const ids = ['10.0.1.10', '10.0.2.10', '10.0.3.10'];
        const cookies = new Map<number, { cookie: string; target: string }>();
        const probe = () => {
          for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'response', status: 200 });
        };
        probe();
        for (const o of ops) {
          if (o.kind === 'tick') {
            clock.t += o.ms;
            engine.advance();
            probe();
          } else if (o.kind === 'deregister') {
            engine.deregisterTargets(IDS.tg(), [{ id: ids[o.target], port: 8080 }]);
          } else if (o.kind === 'register') {
            engine.registerTargets(IDS.tg(), [{ id: ids[o.target], port: 8080 }]);
            probe();
          } else {
            const prior = cookies.get(o.client);
            const d = engine.route(IDS.lb, IDS.listener, {
              ...req,
              headers: { ...req.headers, cookie: prior?.cookie },
            });
            if (d.kind !== 'forward') continue;
            engine.requestFinished(d.requestId, { status: 200 });
            const state = engine.describeTargetHealth(IDS.tg(), [{ id: d.target.targetId, port: 8080 }])[0].TargetHealth
              .State;
            expect(state).not.toBe('draining');
            if (prior && d.stickiness !== 'repick') expect(d.target.targetId).toBe(prior.target);
            if (prior) {
              const priorState = engine.describeTargetHealth(IDS.tg(), [{ id: prior.target, port: 8080 }])[0]
                .TargetHealth.State;
              if (priorState === 'healthy') expect(d.target.targetId).toBe(prior.target);
            }
            cookies.set(o.client, {
              cookie: d.setCookies.map((c) => c.split(';')[0]).join('; '),
              target: d.target.targetId,
            });
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
