/**
 * Runs a `Scenario` in virtual time: simulated targets behind the engine, a seeded workload of clients
 * (address, cookie jar, DNS cache with the record's TTL, keep-alive session), and the timeline's
 * failures; measures what clients saw and how long detection and failover took, set against the
 * theoretical figures of docs/aws-behaviour.md (§1.3/§1.4: interval × threshold; §7.2/§7.6: Route 53
 * interval × FailureThreshold plus the TTL).
 *
 * Deterministic: the same model, scenario and seed give the same result, byte for byte (nothing here
 * reads the wall clock; every random draw comes from a seeded generator).
 */
import { ELB_ALIAS_TTL_SECONDS } from '@ha-load-balancer/spec';
import { ALL_BALANCERS, fnv1a, weightedRoundRobin, type BalancerFactory, type BalancerName } from '../core/balancers';
import { randomInt, seededRandom } from '../core/random';
import type { HttpRequestInfo, Random, TargetKey } from '../core/types';
import { SimulatorError } from '../errors';
import { findListener, findLoadBalancer, findTargetGroup } from '../model/lookup';
import type { ActionModel, SimModel, TargetGroupModel, TargetModel } from '../model/types';
import { RunRecorder, isError, type CdfPoint, type LatencySummary, type TargetLoad } from './recorder';
import type { Scenario, TargetSelection, TimelineAction, TimelineEvent } from './scenario';
import { VirtualSimulator, type VirtualOutcome } from './simulator';
import { SimulatedTarget, type TargetBehaviour } from './target';

export interface RunOptions {
  /** Use this algorithm for the scenario's `compare.targetGroup` (or the given group). Not AWS for the classic ones. */
  readonly algorithm?: BalancerName;
  readonly algorithmTargetGroup?: string;
  /** Replace the scenario's seed. */
  readonly seed?: number;
  /** Called between slices of virtual time with the share of the run done (0–1) and requests sent so far. */
  readonly onProgress?: (done: number, requests: number) => void;
}

/** Detection and failover of one timeline failure, measured and theoretical (ms after the event). */
export interface FailureReport {
  readonly entry: number;
  readonly at: number;
  readonly action: string;
  readonly description: string;
  /** When every affected target was unhealthy (targets), or DNS stopped answering with the failed Region. */
  readonly detectedAfterMs?: number;
  /** Upper bound from the settings, e.g. interval × threshold (undefined when not applicable). */
  readonly theoreticalDetectMs?: number;
  /** The last failed request caused by this failure ended this long after it (undefined: none failed). */
  readonly lastErrorAfterMs?: number;
  /** Upper bound on when clients stop seeing errors (detection, plus the DNS TTL for a Region). */
  readonly theoreticalFailoverMs?: number;
  /** How the theoretical figures were computed. */
  readonly formula?: string;
  /** Requests that failed because of this failure. */
  readonly errors: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly seed: number;
  readonly algorithm?: string;
  readonly durationMs: number;
  readonly requests: { readonly sent: number; readonly completed: number; readonly errors: number };
  readonly statuses: Readonly<Record<string, number>>;
  /** Errors by `status cause` (status `none` when the client got no answer). */
  readonly errorsByCause: Readonly<Record<string, number>>;
  readonly latencyMs: LatencySummary;
  readonly latencyCdf: readonly CdfPoint[];
  readonly bucketMs: number;
  readonly startMs: number;
  readonly requestSeries: readonly number[];
  readonly errorSeries: readonly number[];
  readonly targets: readonly TargetLoad[];
  readonly failures: readonly FailureReport[];
  /**
   * Client sessions, and the sticky ones (holding a cookie from the load balancer) that reached another
   * target of the same group than the one their cookie named.
   */
  readonly sessions: { readonly total: number; readonly moved: number };
  /** DNS answers over time (workloads that resolve a name). */
  readonly dns?: readonly { readonly at: number; readonly answer: string }[];
}

const targetKeyString = (tg: string, id: string, port: number) => `${tg}|${id}:${port}`;

/** A workload client: address, connection, cookie jar, DNS cache. */
interface Client {
  readonly ip: string;
  remaining: number;
  session: number;
  connection: string;
  jar?: Map<string, string>;
  cookie?: string;
  headers: Readonly<Record<string, string>>;
  lb?: string;
  lbExpiresAt: number;
  sessionTarget?: TargetKey;
  moved: boolean;
  inflight: number;
  done: (o: VirtualOutcome) => void;
}

interface Watch {
  readonly report: {
    entry: number;
    at: number;
    action: string;
    description: string;
    detectedAfterMs?: number;
    theoreticalDetectMs?: number;
    lastErrorAfterMs?: number;
    theoreticalFailoverMs?: number;
    formula?: string;
    errors: number;
  };
  readonly targets: Set<string>;
  readonly pending: Set<string>;
  readonly lbs?: Set<string>;
  /** Region watch: DNS still answered with a failed load balancer. */
  dnsPending?: boolean;
}

/** A client's address: 198.18.0.0/15 is reserved for benchmarks (RFC 2544). */
function clientIp(i: number): string {
  const n = i % 131_072;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

function parseSetCookie(header: string): [string, string] | undefined {
  const first = header.split(';', 1)[0];
  const eq = first.indexOf('=');
  return eq > 0 ? [first.slice(0, eq).trim(), first.slice(eq + 1).trim()] : undefined;
}

export function runScenario(model: SimModel, scenario: Scenario, options: RunOptions = {}): ScenarioResult {
  const seed = options.seed ?? scenario.seed;
  const w = scenario.workload;

  // ---- the app with the scenario's targets --------------------------------------------------------
  const setups = new Map<string, { setup: Scenario['targets'][number]; tg: TargetGroupModel }>();
  for (const setup of scenario.targets) {
    const tg = findTargetGroup(model, setup.targetGroup);
    if (!tg)
      throw new SimulatorError(
        'SIM_TARGET_GROUP_NOT_FOUND',
        `scenario ${scenario.name}: no target group "${setup.targetGroup}"; target groups: ${model.targetGroups.map((t) => t.id).join(', ')}`,
      );
    setups.set(tg.id, { setup, tg });
  }
  const specsOf = new Map<string, { model: TargetModel; behaviour: TargetBehaviour; weight?: number }[]>();
  const simModel: SimModel = {
    ...model,
    targetGroups: model.targetGroups.map((tg) => {
      const s = setups.get(tg.id)?.setup;
      const list = s?.targets
        ? s.targets.map((t) => ({
            model: { id: t.id, port: t.port ?? tg.port, ...(t.zone ? { availabilityZone: t.zone } : {}) },
            behaviour: t.behaviour,
            weight: t.weight,
          }))
        : tg.targets.map((t, i) => ({
            model: s?.zones?.length ? { ...t, availabilityZone: s.zones[i % s.zones.length] } : t,
            behaviour: s?.behaviour ?? DEFAULT_BEHAVIOUR,
          }));
      specsOf.set(tg.id, list);
      return { ...tg, targets: list.map((x) => x.model) };
    }),
  };

  // ---- the what-if algorithm -------------------------------------------------------------------------
  let override: { tgId: string; factory: BalancerFactory } | undefined;
  if (options.algorithm) {
    const ref = options.algorithmTargetGroup ?? scenario.compare?.targetGroup;
    const tg = ref ? findTargetGroup(simModel, ref) : undefined;
    if (!tg)
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        `scenario ${scenario.name}: name the target group whose algorithm to replace (compare.targetGroup)`,
      );
    const weights: Record<string, number> = {};
    for (const s of specsOf.get(tg.id) ?? [])
      if (s.weight !== undefined) weights[`${s.model.id}:${s.model.port ?? tg.port}`] = s.weight;
    const factory =
      options.algorithm === 'weighted_round_robin' ? weightedRoundRobin(weights) : ALL_BALANCERS[options.algorithm];
    override = { tgId: tg.id, factory };
  }

  const sim = new VirtualSimulator(simModel, {
    seed,
    balancerOverride: override ? (tg) => (tg.id === override!.tgId ? override!.factory : undefined) : undefined,
  });

  // ---- simulated targets -----------------------------------------------------------------------------
  /** Every simulated target by group id, then by `id:port`. */
  const targets = new Map<string, Map<string, SimulatedTarget>>();
  const zoneOf = new Map<string, string>();
  const addTarget = (tg: TargetGroupModel, t: TargetModel, behaviour: TargetBehaviour): SimulatedTarget => {
    const port = t.port ?? tg.port ?? 0;
    const key = `${t.id}:${port}`;
    const existing = targets.get(tg.id)?.get(key);
    if (existing) return existing;
    const random = seededRandom((seed ^ fnv1a(`${tg.id}|${key}`)) >>> 0);
    const target = new SimulatedTarget(behaviour, random, t.availabilityZone);
    let byKey = targets.get(tg.id);
    if (!byKey) targets.set(tg.id, (byKey = new Map()));
    byKey.set(key, target);
    sim.setBackend(key, target);
    if (t.availabilityZone) zoneOf.set(targetKeyString(tg.id, t.id, port), t.availabilityZone);
    return target;
  };
  for (const tg of simModel.targetGroups) for (const s of specsOf.get(tg.id) ?? []) addTarget(tg, s.model, s.behaviour);
  // Each target id:port has one backend in the simulator: groups that share an address share it.

  const tgOf = (ref: string, at: string): TargetGroupModel => {
    const tg = findTargetGroup(simModel, ref);
    if (!tg)
      throw new SimulatorError(
        'SIM_TARGET_GROUP_NOT_FOUND',
        `scenario ${scenario.name}: ${at}: no target group "${ref}"`,
      );
    return tg;
  };
  const selected = (sel: TargetSelection, at: string): { tg: TargetGroupModel; models: TargetModel[] } => {
    const tg = tgOf(sel.targetGroup, at);
    const known = specsOf.get(tg.id) ?? [];
    if (!sel.ids) return { tg, models: known.map((k) => k.model) };
    const models = sel.ids.map((id) => {
      const hit = known.find((k) => k.model.id === id || `${k.model.id}:${k.model.port ?? tg.port}` === id);
      if (!hit)
        throw new SimulatorError(
          'SIM_SCENARIO_INVALID',
          `scenario ${scenario.name}: ${at}: target group ${tg.id} has no target "${id}"; targets: ${known.map((k) => k.model.id).join(', ')}`,
        );
      return hit.model;
    });
    return { tg, models };
  };
  const simTarget = (tg: TargetGroupModel, t: TargetModel) =>
    targets.get(tg.id)?.get(`${t.id}:${t.port ?? tg.port ?? 0}`);

  // ---- the entry point ---------------------------------------------------------------------------------
  const fixedLb = w.loadBalancer !== undefined ? findLoadBalancer(simModel, w.loadBalancer) : undefined;
  if (w.loadBalancer !== undefined && !fixedLb)
    throw new SimulatorError(
      'SIM_LOAD_BALANCER_NOT_FOUND',
      `scenario ${scenario.name}: workload.loadBalancer: no load balancer "${w.loadBalancer}"`,
    );
  const listenerOf = (lbId: string) => {
    const byRef = findListener(simModel, w.listener);
    return byRef && byRef.loadBalancerId === lbId
      ? byRef
      : simModel.listeners.find((l) => l.loadBalancerId === lbId && String(l.port) === w.listener);
  };
  if (fixedLb && !listenerOf(fixedLb.id))
    throw new SimulatorError(
      'SIM_LISTENER_NOT_FOUND',
      `scenario ${scenario.name}: workload.listener: load balancer ${fixedLb.id} has no listener "${w.listener}"`,
    );
  const listenerPort = fixedLb ? listenerOf(fixedLb.id)!.port : Number(w.listener);
  const protocol: HttpRequestInfo['protocol'] = fixedLb
    ? listenerOf(fixedLb.id)!.protocol === 'HTTPS'
      ? 'https'
      : 'http'
    : listenerPort === 443
      ? 'https'
      : 'http';
  if (w.dns !== undefined && !Number.isInteger(listenerPort))
    throw new SimulatorError(
      'SIM_SCENARIO_INVALID',
      `scenario ${scenario.name}: workload.listener must be a port with dns`,
    );
  const dnsTtlMs = (() => {
    if (w.dns === undefined) return 0;
    const answer = sim.engine.resolveRecord(w.dns, 'A');
    if (!answer)
      throw new SimulatorError(
        'SIM_SCENARIO_INVALID',
        `scenario ${scenario.name}: workload.dns: no A record "${w.dns}"`,
      );
    // §7.6: an alias record has no TTL of its own; a load balancer's name has 60 s
    return (answer.ttl ?? ELB_ALIAS_TTL_SECONDS) * 1000;
  })();

  // ---- measuring -----------------------------------------------------------------------------------------
  const start = scenario.warmupMs;
  const span = scenario.durationMs - start;
  const recorder = new RunRecorder(start, span / scenario.buckets, scenario.buckets, (k) =>
    zoneOf.get(targetKeyString(k.targetGroupId, k.targetId, k.port)),
  );
  const watches: Watch[] = [];
  const failedLbs = new Set<string>();
  const dnsAnswers: { at: number; answer: string }[] = [];
  let lastAnswer = '';

  // The answer can change only with an engine event (health, registration, Route 53) or a timeline event.
  let dnsDirty = true;
  sim.engine.onEvent((e) => {
    dnsDirty = true;
    if (e.type !== 'target-health-changed' || (e.to !== 'unhealthy' && e.to !== 'unhealthy.draining')) return;
    if (watches.length === 0) return;
    const key = targetKeyString(e.target.targetGroupId, e.target.targetId, e.target.port);
    for (const wt of watches) {
      if (!wt.pending.delete(key) || wt.pending.size > 0) continue;
      if (wt.report.detectedAfterMs === undefined && !wt.lbs) wt.report.detectedAfterMs = e.at - wt.report.at;
    }
  });

  const recordDns = (now: number) => {
    if (w.dns === undefined || !dnsDirty) return;
    dnsDirty = false;
    const answer = sim.engine.resolveRecord(w.dns, 'A');
    const text = answer ? (answer.setIdentifier ?? answer.id) : '(none)';
    if (text !== lastAnswer) {
      lastAnswer = text;
      dnsAnswers.push({ at: now, answer: text });
    }
    const lb = answer?.aliasTarget?.loadBalancerId;
    for (const wt of watches) {
      if (wt.dnsPending && lb !== undefined && !wt.lbs!.has(lb)) {
        wt.dnsPending = false;
        wt.report.detectedAfterMs = now - wt.report.at;
      }
    }
  };
  sim.onTick(recordDns);

  // Route 53 probes of a load balancer in a failed Region cannot connect (§7.2); others see its health (§7.5).
  for (const hc of simModel.healthChecks)
    sim.setRoute53Endpoint(hc.id, (_now, p) => {
      if (p.loadBalancerId !== undefined && failedLbs.has(p.loadBalancerId)) return {};
      const up = p.loadBalancerId === undefined || sim.engine.loadBalancerHealthy(p.loadBalancerId);
      return { connectMs: 1, status: up ? 200 : 503, responseMs: 1, bodyMs: 1, body: p.searchString ?? '' };
    });

  const noteError = (o: VirtualOutcome, lb: string | undefined) => {
    if (watches.length === 0) return;
    const d = o.decision;
    const key = d.kind === 'forward' ? targetKeyString(d.targetGroupId, d.target.targetId, d.target.port) : undefined;
    for (const wt of watches) {
      if ((key !== undefined && wt.targets.has(key)) || (lb !== undefined && wt.lbs?.has(lb))) {
        wt.report.errors++;
        wt.report.lastErrorAfterMs = o.doneAt - wt.report.at;
      }
    }
  };

  // ---- the workload ------------------------------------------------------------------------------------
  const wr: Random = seededRandom((seed ^ 0x9e3779b9) >>> 0);
  const pathTotal = w.paths.reduce((s, p) => s + p.weight, 0);
  const pickPath = (): string => {
    if (w.paths.length === 1) return w.paths[0].path;
    let x = wr.next() * pathTotal;
    for (const p of w.paths) if ((x -= p.weight) < 0) return p.path;
    return w.paths[w.paths.length - 1].path;
  };
  const plainHeaders: Readonly<Record<string, string>> = { host: w.host, ...w.headers };
  let sent = 0;
  let sessions = 0;
  let moved = 0;
  const clients: Client[] = [];
  for (let i = 0; i < w.clients; i++) {
    const c: Client = {
      ip: clientIp(i),
      remaining: 0,
      session: 0,
      connection: '',
      headers: plainHeaders,
      lbExpiresAt: -Infinity,
      moved: false,
      inflight: 0,
      done: (o) => {
        c.inflight--;
        const lb = o.decision.loadBalancerId;
        if (isError(o.status)) noteError(o, lb);
        recorder.outcome(o);
        if (o.setCookies.length > 0) {
          c.jar ??= new Map();
          for (const h of o.setCookies) {
            const kv = parseSetCookie(h);
            if (kv) c.jar.set(kv[0], kv[1]);
          }
          c.cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
          c.headers = { ...plainHeaders, cookie: c.cookie };
        }
        if (c.remaining === 0 && c.inflight === 0) sim.engine.connectionClosed(c.connection);
      },
    };
    clients.push(c);
  }

  const entryLb = (c: Client, now: number): string | undefined => {
    if (fixedLb) return fixedLb.id;
    if (now >= c.lbExpiresAt) {
      // the client's resolver asks Route 53 again once the cached answer expired (§7.6)
      const answer = sim.engine.resolveRecord(w.dns!, 'A');
      c.lb = answer?.aliasTarget?.loadBalancerId;
      c.lbExpiresAt = now + dnsTtlMs;
    }
    return c.lb;
  };

  let rate = w.rate;
  const end = scenario.durationMs;
  let arrivalScheduled = false;
  const nextGap = (): number => (w.arrivals === 'constant' ? 1000 / rate : (-Math.log(1 - wr.next()) * 1000) / rate);
  const arrive = (): void => {
    arrivalScheduled = false;
    const now = sim.clock.now();
    dispatch(now);
    if (rate > 0 && (w.requests === undefined || sent < w.requests)) {
      const next = now + nextGap();
      if (next < end) {
        arrivalScheduled = true;
        sim.scheduleWorkload(next, arrive);
      }
    }
  };
  const dispatch = (now: number): void => {
    const c = clients[w.clients === 1 ? 0 : randomInt(wr, w.clients)];
    if (c.remaining === 0) {
      c.remaining = w.sessionLength;
      c.session++;
      sessions++;
      c.connection = `${c.ip}#${c.session}`;
      c.jar = undefined;
      c.cookie = undefined;
      c.headers = plainHeaders;
      c.sessionTarget = undefined;
      c.moved = false;
    }
    c.remaining--;
    sent++;
    const lb = entryLb(c, now);
    if (lb === undefined || failedLbs.has(lb)) {
      // the load balancer's Region is down (or nothing to resolve): no answer at all
      recorder.sent(now, undefined);
      const cause = lb === undefined ? 'no_dns_answer' : 'region_unavailable';
      const o: VirtualOutcome = {
        decision: {
          kind: 'error',
          loadBalancerId: lb ?? '',
          listenerId: w.listener,
          matchedRulePriority: -1,
          status: 0,
          reason: cause,
        },
        cause,
        setCookies: [],
        sentAt: now,
        doneAt: now,
      };
      noteError(o, lb);
      recorder.outcome(o);
      return;
    }
    c.inflight++;
    const req: HttpRequestInfo = {
      method: w.method,
      path: pickPath(),
      query: w.query,
      headers: c.headers,
      sourceIp: w.sourceIp ?? c.ip,
      protocol,
      port: listenerPort,
      connectionId: c.connection,
    };
    const d = sim.send(lb, fixedLb ? w.listener : String(listenerPort), req, c.done);
    if (d.kind === 'forward') {
      recorder.sent(now, d.target);
      // a sticky session (one that holds a cookie) that reaches another target of the same group moved
      if (c.sessionTarget === undefined || c.jar === undefined) c.sessionTarget = d.target;
      else if (
        !c.moved &&
        d.targetGroupId === c.sessionTarget.targetGroupId &&
        (d.target.targetId !== c.sessionTarget.targetId || d.target.port !== c.sessionTarget.port)
      ) {
        c.moved = true;
        moved++;
      }
    } else recorder.sent(now, undefined);
  };

  // ---- the timeline ------------------------------------------------------------------------------------
  const watch = (e: TimelineEvent, description: string, keys: string[], extra: Partial<Watch> = {}): Watch => {
    const wt: Watch = {
      report: { entry: e.entry, at: e.at, action: e.action.kind, description, errors: 0 },
      targets: new Set(keys),
      pending: new Set(keys),
      ...extra,
    };
    watches.push(wt);
    return wt;
  };
  /** §1.3/§1.4 upper bound: the next probe comes within one interval, then `threshold` failures in a row. */
  const healthBound = (tg: TargetGroupModel, hang: boolean): { ms: number; formula: string } => {
    const hc = tg.healthCheck;
    const ms = hc.intervalSeconds * 1000 * hc.unhealthyThresholdCount + (hang ? hc.timeoutSeconds * 1000 : 0);
    return {
      ms,
      formula: `${hc.intervalSeconds} s interval × ${hc.unhealthyThresholdCount} unhealthy threshold${hang ? ` + ${hc.timeoutSeconds} s timeout` : ''} (§1.4)`,
    };
  };
  const failTargets = (
    e: TimelineEvent,
    tg: TargetGroupModel,
    models: TargetModel[],
    description: string,
    apply: (t: SimulatedTarget) => void,
    hang: boolean,
  ) => {
    for (const t of models) {
      const st = simTarget(tg, t);
      if (st) apply(st);
    }
    const bound = healthBound(tg, hang);
    const wt = watch(
      e,
      description,
      models.map((t) => targetKeyString(tg.id, t.id, t.port ?? tg.port ?? 0)),
    );
    wt.report.theoreticalDetectMs = bound.ms;
    wt.report.theoreticalFailoverMs = bound.ms;
    wt.report.formula = bound.formula;
  };
  const ids = (models: TargetModel[]) =>
    models.length > 3 ? `${models.length} targets` : models.map((m) => m.id).join(', ');

  const perform = (e: TimelineEvent): void => {
    const a: TimelineAction = e.action;
    const at = `timeline[${e.entry}]`;
    switch (a.kind) {
      case 'deregister': {
        const { tg, models } = selected(a.select, at);
        sim.engine.deregisterTargets(tg.id, models);
        watch(
          e,
          `deregister ${ids(models)} of ${tg.id} (deregistration delay ${tg.attributes.deregistrationDelaySeconds} s)`,
          models.map((t) => targetKeyString(tg.id, t.id, t.port ?? tg.port ?? 0)),
        );
        break;
      }
      case 'register': {
        const { tg, models } = selected(a.select, at);
        for (const t of models) {
          const st = simTarget(tg, t);
          if (st) st.requestFailure = st.healthFailure = undefined;
        }
        sim.engine.registerTargets(tg.id, models);
        break;
      }
      case 'fail':
      case 'failHealthCheck': {
        const { tg, models } = selected(a.select, at);
        const both = a.kind === 'fail';
        failTargets(
          e,
          tg,
          models,
          `${both ? 'fail' : 'fail health checks of'} ${ids(models)} of ${tg.id} (${a.mode})`,
          (t) => {
            t.healthFailure = a.mode;
            if (both) t.requestFailure = a.mode;
          },
          a.mode === 'hang',
        );
        break;
      }
      case 'slow': {
        const { models, tg } = selected(a.select, at);
        for (const t of models) {
          const st = simTarget(tg, t);
          if (st) st.slowFactor = a.factor;
        }
        break;
      }
      case 'recover': {
        const { models, tg } = selected(a.select, at);
        for (const t of models) {
          const st = simTarget(tg, t);
          if (st) {
            st.requestFailure = st.healthFailure = undefined;
            st.slowFactor = 1;
          }
        }
        break;
      }
      case 'failZone':
      case 'recoverZone': {
        // The engine has no notion of a load-balancer node per zone: a zone outage is modelled as every
        // target in that zone failing (requests and health checks), which the other zones' targets absorb.
        let worst: { ms: number; formula: string } | undefined;
        const keys: string[] = [];
        for (const tg of simModel.targetGroups) {
          for (const s of specsOf.get(tg.id) ?? []) {
            if (s.model.availabilityZone !== a.zone) continue;
            const st = simTarget(tg, s.model);
            if (!st) continue;
            if (a.kind === 'failZone') {
              st.requestFailure = st.healthFailure = a.mode;
              keys.push(targetKeyString(tg.id, s.model.id, s.model.port ?? tg.port ?? 0));
              const b = healthBound(tg, a.mode === 'hang');
              if (!worst || b.ms > worst.ms) worst = b;
            } else st.requestFailure = st.healthFailure = undefined;
          }
        }
        if (a.kind === 'failZone') {
          const wt = watch(e, `fail zone ${a.zone} (${keys.length} targets, ${a.mode})`, keys);
          wt.report.theoreticalDetectMs = worst?.ms;
          wt.report.theoreticalFailoverMs = worst?.ms;
          wt.report.formula = worst?.formula;
        }
        break;
      }
      case 'failRegion':
      case 'recoverRegion': {
        // A Region is the stacks deployed there (the model does not carry stack Regions): its load
        // balancers stop answering and its targets refuse connections and fail their health checks.
        const stacks = new Set(a.stacks);
        for (const s of a.stacks)
          if (!simModel.stackNames.includes(s))
            throw new SimulatorError(
              'SIM_SCENARIO_INVALID',
              `scenario ${scenario.name}: ${at}: no stack "${s}"; stacks: ${simModel.stackNames.join(', ')}`,
            );
        const lbs = simModel.loadBalancers.filter((lb) => stacks.has(lb.stackName)).map((lb) => lb.id);
        const keys: string[] = [];
        for (const tg of simModel.targetGroups) {
          if (!stacks.has(tg.stackName)) continue;
          for (const s of specsOf.get(tg.id) ?? []) {
            const st = simTarget(tg, s.model);
            if (!st) continue;
            st.requestFailure = st.healthFailure = a.kind === 'failRegion' ? 'refuse' : undefined;
            keys.push(targetKeyString(tg.id, s.model.id, s.model.port ?? tg.port ?? 0));
          }
        }
        for (const lb of lbs) {
          if (a.kind === 'failRegion') failedLbs.add(lb);
          else failedLbs.delete(lb);
        }
        if (a.kind === 'failRegion') {
          const wt = watch(e, `fail Region of stacks ${a.stacks.join(', ')}`, keys, {
            lbs: new Set(lbs),
            dnsPending: w.dns !== undefined,
          });
          const bound = regionBound(simModel, new Set(lbs), dnsTtlMs);
          if (bound) {
            wt.report.theoreticalDetectMs = bound.detectMs;
            wt.report.theoreticalFailoverMs = bound.detectMs + dnsTtlMs;
            wt.report.formula = `${bound.formula}, + ${dnsTtlMs / 1000} s DNS TTL for clients (§7.6)`;
          }
        }
        break;
      }
      case 'setWeights':
        sim.updateModel(withForwardWeights(sim.engine.model, a, scenario.name, at));
        break;
      case 'setRate':
        rate = a.rate;
        if (rate > 0 && !arrivalScheduled && sim.clock.now() >= start) {
          arrivalScheduled = true;
          sim.scheduleWorkload(sim.clock.now() + nextGap(), arrive);
        }
        break;
    }
  };
  // Check every reference of the timeline before the run, so that a typo fails at once.
  for (const e of scenario.timeline) {
    const a = e.action;
    const at = `timeline[${e.entry}]`;
    if ('select' in a) selected(a.select, at);
    if (a.kind === 'setWeights') withForwardWeights(simModel, a, scenario.name, at);
    if (a.kind === 'failRegion' || a.kind === 'recoverRegion')
      for (const st of a.stacks)
        if (!simModel.stackNames.includes(st))
          throw new SimulatorError(
            'SIM_SCENARIO_INVALID',
            `scenario ${scenario.name}: ${at}: no stack "${st}"; stacks: ${simModel.stackNames.join(', ')}`,
          );
  }
  for (const e of scenario.timeline)
    sim.schedule(e.at, () => {
      dnsDirty = true;
      perform(e);
    });
  if (rate > 0) {
    arrivalScheduled = true;
    sim.scheduleWorkload(start, arrive);
  }

  // ---- run ---------------------------------------------------------------------------------------------
  recordDns(0);
  const slices = 100;
  for (let i = 1; i <= slices; i++) {
    sim.runUntil((scenario.durationMs * i) / slices);
    options.onProgress?.(i / slices, sent);
  }
  // let requests in flight at the end finish (at most the idle timeout, §5.2)
  const idle = Math.max(60, ...simModel.loadBalancers.map((lb) => lb.attributes.idleTimeoutSeconds)) * 1000;
  for (let t = 0; t < idle && recorder.completed < sent; t += 1000) sim.runFor(1000);

  const a = options.algorithm;
  return {
    scenario: scenario.name,
    seed,
    ...(a ? { algorithm: a } : {}),
    durationMs: scenario.durationMs,
    requests: { sent, completed: recorder.completed, errors: recorder.errors },
    statuses: recorder.statuses(),
    errorsByCause: recorder.errorsByCause(),
    latencyMs: recorder.latency(),
    latencyCdf: recorder.cdf(),
    bucketMs: recorder.bucketMs,
    startMs: start,
    requestSeries: recorder.requestSeries(),
    errorSeries: recorder.errorSeries(),
    targets: recorder.targets(),
    failures: watches.map((wt) => ({ ...wt.report })),
    sessions: { total: sessions, moved },
    ...(w.dns !== undefined ? { dns: dnsAnswers } : {}),
  };
}

/** Targets of groups the scenario does not describe answer in 10 ms (a simulator choice for scenarios). */
const DEFAULT_BEHAVIOUR: TargetBehaviour = { latency: { kind: 'fixed', ms: 10 } };

/**
 * §7.2–§7.5 upper bound on when Route 53 stops answering with a failed Region's load balancer: the
 * earlier of its record's health check (RequestInterval × FailureThreshold) and, for an alias with
 * EvaluateTargetHealth, its target groups turning unhealthy (interval × unhealthy threshold).
 */
function regionBound(
  model: SimModel,
  lbs: ReadonlySet<string>,
  ttlMs: number,
): { detectMs: number; formula: string } | undefined {
  void ttlMs;
  const record = model.recordSets.find(
    (r) => r.aliasTarget?.loadBalancerId !== undefined && lbs.has(r.aliasTarget.loadBalancerId),
  );
  if (!record) return undefined;
  const options: { ms: number; formula: string }[] = [];
  const hc = record.healthCheckId ? model.healthChecks.find((h) => h.id === record.healthCheckId) : undefined;
  if (hc)
    options.push({
      ms: hc.requestIntervalSeconds * 1000 * hc.failureThreshold,
      formula: `Route 53 check ${hc.requestIntervalSeconds} s × FailureThreshold ${hc.failureThreshold} (§7.2)`,
    });
  if (record.aliasTarget?.evaluateTargetHealth) {
    const tgs = model.targetGroups.filter(
      (t) => t.loadBalancerIds.some((id) => lbs.has(id)) && t.inUse && t.targets.length > 0,
    );
    const fastest = tgs
      .map((t) => ({
        ms: t.healthCheck.intervalSeconds * 1000 * t.healthCheck.unhealthyThresholdCount,
        formula: `target health ${t.healthCheck.intervalSeconds} s × ${t.healthCheck.unhealthyThresholdCount} (EvaluateTargetHealth, §7.5)`,
      }))
      .sort((x, y) => x.ms - y.ms)[0];
    if (fastest) options.push(fastest);
  }
  const best = options.sort((x, y) => x.ms - y.ms)[0];
  return best ? { detectMs: best.ms, formula: best.formula } : undefined;
}

/** The model with new weights on a forward action (§4.3 weighted target groups). */
function withForwardWeights(
  model: SimModel,
  a: Extract<TimelineAction, { kind: 'setWeights' }>,
  scenario: string,
  at: string,
): SimModel {
  const listener = findListener(model, a.listener);
  if (!listener)
    throw new SimulatorError('SIM_LISTENER_NOT_FOUND', `scenario ${scenario}: ${at}: no listener "${a.listener}"`);
  const resolve = (ref: string) => {
    const tg = findTargetGroup(model, ref);
    if (!tg)
      throw new SimulatorError('SIM_TARGET_GROUP_NOT_FOUND', `scenario ${scenario}: ${at}: no target group "${ref}"`);
    return tg.id;
  };
  const weights = new Map(Object.entries(a.weights).map(([ref, n]) => [resolve(ref), n]));
  const reweigh = (actions: readonly ActionModel[]): ActionModel[] =>
    actions.map((x) =>
      x.type === 'forward'
        ? {
            ...x,
            targetGroups: x.targetGroups.map((t) => ({ ...t, weight: weights.get(t.targetGroupId) ?? t.weight })),
          }
        : x,
    );
  if (a.rule !== undefined && !listener.rules.some((r) => r.priority === a.rule))
    throw new SimulatorError(
      'SIM_SCENARIO_INVALID',
      `scenario ${scenario}: ${at}: listener ${listener.id} has no rule with priority ${a.rule}`,
    );
  const changed = {
    ...listener,
    ...(a.rule === undefined
      ? { defaultActions: reweigh(listener.defaultActions) }
      : { rules: listener.rules.map((r) => (r.priority === a.rule ? { ...r, actions: reweigh(r.actions) } : r)) }),
  };
  return { ...model, listeners: model.listeners.map((l) => (l.id === listener.id ? changed : l)) };
}
