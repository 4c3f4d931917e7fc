/**
 * The engine facade: the one object both shells (live proxy, virtual time) drive. It owns the mutable
 * simulation state (target health, balancer state, in-flight requests) and delegates every decision to
 * the pure modules beside it (`target-health`, `candidates`, `balancers/*`, `stickiness`, `rules`,
 * `redirect`, ...). It never performs I/O and never reads the wall clock: time comes from `clock`, and
 * randomness from `random`.
 *
 * Typical shell loop:
 * ```ts
 * const engine = createEngine(model, { clock, random, cookieKey });
 * // requests
 * const d = engine.route(lbId, listenerId, request);
 * if (d.kind === 'forward') { ...proxy to d.target...; engine.requestFinished(d.requestId, { status }); }
 * // timers: call at engine.nextWakeAt() (or periodically)
 * const events = engine.advance();
 * for (const probe of engine.probeDue()) { ...probe...; engine.probeResult(probe.probeId, outcome); }
 * // events: abort-requests → answer 502 (§2.3); terminate-connections → reset NLB flows (§6.6)
 * engine.onEvent((e) => ...);
 * // Route 53 (optional, §7): at engine.route53NextWakeAt()
 * for (const p of engine.route53ProbeDue()) { ...probe...; engine.route53ProbeResult(p.probeId, observation); }
 * engine.resolveRecord('www.example.com', 'A'); // the record chosen (failover, weighted, multivalue)
 * engine.dnsQuery('www.example.com', 'A', { loadBalancerAddresses: () => ['127.0.0.1'] }); // a DNS answer
 * // events: dns-answer-changed → when clients caching the old answer move (§7.6)
 * ```
 *
 * App cookies (§3.2): when `d.appCookie` is set and the target's response sets a cookie named
 * `d.appCookie.cookieName`, add `d.appCookie.setCookies` to the response; always add `d.setCookies`.
 */
export * from './types';
export type {
  CheckerId,
  CheckerObservation,
  DnsAnswerChange,
  HealthCheckStatusChange,
  Route53ProbeRequest,
} from './route53-checks';
export type { R53ProbeObservation } from './route53';
export type { DnsAnswer, DnsLookups, DnsRcode, DnsRecordData } from './route53-dns';
export { createEngine } from './engine-impl';
export type { Engine, EngineOptions } from './engine-impl';
