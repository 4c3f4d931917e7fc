/**
 * What the live simulator shows the code around it: the shapes of its events and descriptions, the
 * controls of its targets, and the part of `Simulator` the admin server uses (`AdminHost`). Kept apart
 * from `simulator.ts` so that the admin server (`admin/`), which the simulator starts, does not import
 * the simulator back.
 */
import type { EventEmitter } from 'node:events';
import type { TargetHealthState } from '@ha-load-balancer/spec';
import type { AccessLogEntry } from '../core/access-log';
import type {
  DnsAnswerChange,
  Engine,
  HealthCheckStatusChange,
  TargetHealthDescription,
  TargetKey,
} from '../core/engine';
import type { ExchangeObservation } from '../core/exchange';
import type { Metrics } from '../core/metrics';
import type { SimModel, TargetModel } from '../model';
import { SimulatorError } from '../errors';
import type { DemoBackend } from './demo-backend';
import type { EndpointsDescription } from './endpoints';
import type { FlowRecord } from './flow';
import type { LambdaFailureReport } from './lambda-target';
import type { PrometheusExporter } from './prometheus';
import type { TargetOutput, TargetProcess } from './target-process';

/** What a target's control needs of the simulator: its engine and (de)registration. */
export interface TargetHost {
  readonly engine: Engine;
  registerTargets(targetGroupRef: string, targets: readonly TargetModel[]): void;
  deregisterTargets(targetGroupRef: string, targets: readonly TargetModel[]): void;
}

/** Where the probes of one Route 53 health check go in the live simulator (simulator choice `route53_external_endpoint`). */
export interface Route53CheckTarget {
  readonly healthCheckId: string;
  readonly type: string;
  /** E.g. `listener WebPrimary/Web/Https (127.0.0.1:8443)`, or why it is not probed. */
  readonly probes: string;
  readonly probed: boolean;
}

/** One Availability Zone of the running simulator (`Simulator.zones()`). */
export interface ZoneDescription {
  readonly availabilityZone: string;
  /** Failed with `failZone` and not recovered. */
  readonly failed: boolean;
  readonly loadBalancers: readonly {
    readonly id: string;
    /** The node's loopback address (with the DNS server and node addresses available). */
    readonly nodeAddress?: string;
    /** Whether the load balancer's DNS name answers with this zone's node now (§1.5). */
    readonly inDns: boolean;
  }[];
}

/** A health transition as the simulator reports it. */
export interface HealthChange {
  readonly targetGroupId: string;
  readonly target: TargetKey;
  /** Index of the target in its group's registration order (as `targets(tg).get(i)`). */
  readonly index: number;
  readonly from: TargetHealthState;
  readonly to: TargetHealthState;
  readonly reason?: string;
  readonly at: number;
}

/** What `reload` changed. Listener and target-group ids as in the model. */
export interface ReloadSummary {
  /** Listeners that are new in this synthesis. */
  readonly listenersStarted: readonly string[];
  /** Listeners that left the app (their connections are closed). */
  readonly listenersStopped: readonly string[];
  /** Listeners whose port, protocol, TLS settings or load-balancer attributes changed (restarted). */
  readonly listenersRestarted: readonly string[];
  /** Listeners that kept their sockets and whose rules or default actions changed. */
  readonly listenersRerouted: readonly string[];
  readonly targetGroupsAdded: readonly string[];
  /** Target groups that left the app: their targets drain for the deregistration delay. */
  readonly targetGroupsRemoved: readonly string[];
}

export interface SimulatorEvents {
  health: [change: HealthChange];
  'access-log': [line: string, entry: AccessLogEntry];
  /** An NLB flow (TCP / TLS connection, or UDP flow) ended; its metrics are already counted. */
  flow: [flow: FlowRecord];
  /** A line printed by a target process the simulator started. */
  'target-output': [output: TargetOutput];
  /** A target process ended without being stopped by the simulator. */
  'target-exit': [name: string, code: number | null, signal: NodeJS.Signals | null];
  reload: [summary: ReloadSummary];
  /** One HTTP request through an ALB listener, as the metrics and the access log saw it. */
  exchange: [observation: ExchangeObservation];
  /** Route 53 answers another record for a name (§7.6), with when clients caching the old answer move. */
  'dns-answer': [change: DnsAnswerChange];
  /** A Route 53 health check turned healthy or unhealthy (§7.2). */
  'route53-health': [change: HealthCheckStatusChange];
  /**
   * A Lambda target's request the load balancer answered 502 itself, with the reason AWS logs
   * (`LambdaUnhandled`, `LambdaTimeout`, `LambdaInvalidResponse`, `LambdaResponseTooLarge`, ...).
   */
  'lambda-error': [report: LambdaFailureReport];
  /** An Availability Zone failed or recovered (`failZone` / `recoverZone`). */
  zone: [change: { readonly availabilityZone: string; readonly failed: boolean; readonly at: number }];
  error: [err: unknown];
}

/** Control of one registered target (a demo backend or a process when the simulator started it). */
export class TargetControl {
  constructor(
    readonly sim: TargetHost,
    readonly targetGroupId: string,
    readonly index: number,
    readonly target: TargetKey,
    readonly backend: DemoBackend | undefined,
    readonly process?: TargetProcess,
  ) {}

  /** The demo backend's or process's name, when the simulator started this target. */
  get name(): string | undefined {
    return this.backend?.name ?? this.process?.name;
  }

  /**
   * The target's Availability Zone: as registered, or as the simulator placed it (simulator choice
   * `target_zone_spread`); undefined while not registered or for targets in every zone.
   */
  get availabilityZone(): string | undefined {
    return this.sim.engine.targetZone(this.target);
  }

  #demo(): DemoBackend {
    if (!this.backend) {
      throw new SimulatorError(
        'SIM_NO_DEMO_BACKENDS',
        `target ${this.target.targetId}:${this.target.port} of ${this.targetGroupId} is not a demo backend`,
      );
    }
    return this.backend;
  }

  get url(): string {
    return `http://${this.target.targetId}:${this.target.port}`;
  }
  /** Health checks answer 503 from now on. */
  async failHealthChecks(): Promise<void> {
    this.#demo().failHealthChecks();
  }
  /** Back to normal (health checks pass, 200, no delay, server up). */
  async recover(): Promise<void> {
    await this.#demo().recover();
  }
  /** Every normal response gets `status` (undefined: back to 200). */
  async respondWith(status: number | undefined): Promise<void> {
    this.#demo().respondWith(status);
  }
  async slow(ms: number): Promise<void> {
    this.#demo().slow(ms);
  }
  async hang(on = true): Promise<void> {
    this.#demo().hang(on);
  }
  async reset(on = true): Promise<void> {
    this.#demo().reset(on);
  }
  /** Take the target down: a demo backend closes its port, a target process is stopped. */
  async down(): Promise<void> {
    if (this.process) await this.process.stop();
    else await this.#demo().down();
  }
  /** Bring it back up (a target process is started again on the same port). */
  async up(): Promise<void> {
    if (this.process) await this.process.restart();
    else await this.#demo().up();
  }
  /** `DeregisterTargets` for this target: it goes `draining` for the deregistration delay (§2.3). */
  deregister(): void {
    this.sim.deregisterTargets(this.targetGroupId, [{ id: this.target.targetId, port: this.target.port }]);
  }
  /** `RegisterTargets` for this target again. */
  register(): void {
    this.sim.registerTargets(this.targetGroupId, [{ id: this.target.targetId, port: this.target.port }]);
  }
  /** `DescribeTargetHealth` of this target (`unused` / `Target.NotRegistered` once deregistered and drained). */
  health(): TargetHealthDescription | undefined {
    return this.sim.engine.describeTargetHealth(this.targetGroupId, [
      { id: this.target.targetId, port: this.target.port },
    ])[0];
  }
}

export class TargetSet {
  constructor(
    readonly targetGroupId: string,
    readonly controls: readonly TargetControl[],
  ) {}
  get(index: number): TargetControl {
    const c = this.controls[index];
    if (!c) {
      throw new SimulatorError(
        'SIM_TARGET_NOT_FOUND',
        `target group ${this.targetGroupId} has ${this.controls.length} targets; index ${index} does not exist`,
      );
    }
    return c;
  }
  get length(): number {
    return this.controls.length;
  }
}

/** One load-balancer node process of `--workers N` (`Simulator.nodes()`). */
export interface NodeDescription {
  readonly node: number;
  readonly pid: number | undefined;
  readonly requests: number;
  readonly flows: number;
  readonly activeConnections: number;
}

/**
 * The part of `Simulator` the admin server (dashboard, controls, events, request timeline) reads and
 * drives. `Simulator` implements it.
 */
export interface AdminHost extends TargetHost, Pick<EventEmitter<SimulatorEvents>, 'on' | 'off' | 'emit'> {
  readonly model: SimModel;
  readonly declaredModel: SimModel;
  readonly metrics: Metrics;
  readonly prometheus: PrometheusExporter;
  targets(targetGroupRef: string): TargetSet;
  failZone(availabilityZone: string): Promise<void>;
  recoverZone(availabilityZone: string): Promise<void>;
  zones(): ZoneDescription[];
  dnsAnswerChanges(): readonly DnsAnswerChange[];
  route53Targets(): Route53CheckTarget[];
  endpoints(): EndpointsDescription;
  nodes(): NodeDescription[];
}
