/**
 * One load-balancer node of `ha-sim --workers N`: a cluster worker process with its own event loop,
 * serving the listeners with its own engine (a follower: its balancing state, stickiness decisions and
 * requests in flight are its own, as on an AWS node) while the primary process decides target health
 * and owns registration, control and the other servers. Started by `node-workers.ts`; not a public
 * entry point.
 */
import cluster from 'node:cluster';
import type * as net from 'node:net';
import type { AccessLogEntry } from '../core/access-log';
import { createEngine, type Engine } from '../core/engine';
import type { ExchangeObservation } from '../core/exchange';
import { Metrics } from '../core/metrics';
import type { SimModel } from '../model/types';
import { ListenerHost, localRedirect, type LiveListener } from './listener-host';
import type { FromNode, NodeForwarding, SharedAddresses, ToNode } from './node-protocol';
import type { FlowRecord } from './flow';
import type { KeyPair } from './tls';
import { authKeysFrom } from '../idp/alb-keys';

/** How often cumulative counters go to the primary while they change. */
const METRICS_EVERY_MS = 1000;
/** Records (access-log entries, exchanges, flows) wait at most this long, or until this many are queued. */
const RECORDS_EVERY_MS = 50;
const RECORDS_BATCH = 500;

function send(m: FromNode): void {
  process.send?.(m);
}

/** §4.3 the primary's authentication keys (so a session cookie is good on every node) and test identity provider. */
function nodeAuth(auth: NonNullable<Extract<ToNode, { t: 'init' }>['auth']>) {
  const keys = authKeysFrom(auth.keys);
  const testIdp = auth.testIdp;
  return { keys: () => keys, ...(testIdp ? { testIdp: () => testIdp } : {}) };
}

class Node {
  readonly #engine: Engine;
  readonly #metrics = new Metrics();
  readonly #host: ListenerHost;
  readonly #listeners = new Map<string, LiveListener>();
  #model: SimModel;
  #ports: Readonly<Record<string, number>> = {};
  #forwarding: NodeForwarding;
  readonly #tls?: KeyPair;
  #accessLog: AccessLogEntry[] = [];
  #exchanges: ExchangeObservation[] = [];
  #flows: FlowRecord[] = [];
  #recordsTimer?: NodeJS.Timeout;
  readonly #metricsTimer: NodeJS.Timeout;
  #reported = '';
  #addresses: SharedAddresses = { nodes: [], targets: {} };

  constructor(init: Extract<ToNode, { t: 'init' }>) {
    this.#model = init.model;
    this.#forwarding = init.forwarding;
    if (init.tls) this.#tls = init.tls;
    this.#engine = createEngine(init.model, {
      clock: { now: () => Date.now() },
      random: { next: () => Math.random() },
      cookieKey: init.cookieKey,
      registerTemplateTargets: false,
      role: 'follower',
    });
    for (const input of init.health) this.#engine.mirror(input);
    this.#engine.onEvent((e) => this.#host.onEngineEvent(e));
    this.#host = new ListenerHost({
      engine: this.#engine,
      metrics: this.#metrics,
      model: () => this.#model,
      ...(init.idleTimeoutOverrideMs !== undefined ? { idleTimeoutOverrideMs: init.idleTimeoutOverrideMs } : {}),
      ...(init.connectTimeoutMs !== undefined ? { connectTimeoutMs: init.connectTimeoutMs } : {}),
      accessLog: {
        active: () => this.#forwarding.accessLog,
        write: (entry) => this.#record(this.#accessLog, entry),
      },
      onExchange: (o) => {
        if (this.#forwarding.exchanges) this.#record(this.#exchanges, o);
      },
      onFlow: (f) => {
        if (this.#forwarding.flows) this.#record(this.#flows, f);
      },
      localRedirect: (lb, location) => localRedirect(this.#model, lb, location, (id) => this.#ports[id]),
      // what the primary shares: node addresses route as their zone's node (§2.4), special targets' addresses
      zoneOf: (address) => this.#addresses.nodes.find((n) => n.address === address)?.zone,
      nodeAddress: (id, zone) => {
        const nodes = this.#addresses.nodes.filter((n) => n.loadBalancerId === id);
        return (nodes.find((n) => n.zone === zone) ?? nodes[0])?.address ?? '127.0.0.1';
      },
      targetAddress: (t) => this.#addresses.targets[`${t.targetGroupId}|${t.targetId}|${t.port}`],
      ...(init.auth ? { auth: nodeAuth(init.auth) } : {}),
      onError: (err) => send({ t: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    });
    this.#metricsTimer = setInterval(() => this.#reportMetrics(), METRICS_EVERY_MS);
    this.#metricsTimer.unref();
  }

  async handle(m: ToNode): Promise<void> {
    switch (m.t) {
      case 'init':
        return;
      case 'listen':
        return this.#listen(m);
      case 'close':
        await this.#close(m.ids, m.graceMs);
        send({ t: 'closed', seq: m.seq });
        return;
      case 'health':
        for (const input of m.inputs) this.#engine.mirror(input);
        this.#engine.advance(); // a follower's advance only hands over the events its inputs caused
        return;
      case 'model':
        this.#model = m.model;
        this.#engine.updateModel(m.model);
        this.#engine.advance();
        return;
      case 'ports':
        this.#ports = m.ports;
        return;
      case 'forwarding':
        this.#forwarding = m.forwarding;
        return;
      case 'addresses':
        this.#addresses = m.addresses;
        return;
      case 'accept':
        return; // taken with its socket as it arrives (`accept`)
      case 'sync':
        this.#flushRecords();
        send({ t: 'synced', seq: m.seq, metrics: this.#metrics.ownRows() });
        return;
      case 'stop':
        await this.#close([...this.#listeners.keys()], m.graceMs);
        this.#host.close();
        this.#flushRecords();
        clearInterval(this.#metricsTimer);
        send({ t: 'stopped', seq: m.seq, metrics: this.#metrics.ownRows() });
        process.disconnect?.();
        return;
    }
  }

  /**
   * A connection the primary accepted at a node address. Taken in the same turn as its message, before
   * any of its bytes are read, and handed to the listener's server like a connection of its own.
   */
  accept(id: string, socket: net.Socket | undefined): void {
    if (!socket) return;
    this.#host.acceptOnNode(this.#listeners.get(id), socket);
  }

  async #listen(m: Extract<ToNode, { t: 'listen' }>): Promise<void> {
    const ports: Record<string, number> = {};
    for (const spec of m.listeners) {
      const listener = this.#model.listeners.find((l) => l.id === spec.id);
      const lb = listener && this.#model.loadBalancers.find((b) => b.id === listener.loadBalancerId);
      if (!listener || !lb) continue;
      try {
        const tls = listener.protocol === 'HTTPS' || listener.protocol === 'TLS' ? this.#tls : undefined;
        const live = await this.#host.start(lb, listener, spec.port, spec.host, tls, spec.trustStorePem);
        if (!live) continue;
        this.#listeners.set(spec.id, live);
        ports[spec.id] = live.port;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        send({ t: 'failed', seq: m.seq, ...(e.code ? { code: e.code } : {}), message: e.message });
        return;
      }
    }
    send({ t: 'listening', seq: m.seq, ports });
  }

  async #close(ids: readonly string[], graceMs: number): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const live = this.#listeners.get(id);
        this.#listeners.delete(id);
        await live?.close(graceMs);
      }),
    );
  }

  #record<T>(queue: T[], item: T): void {
    queue.push(item);
    if (this.#accessLog.length + this.#exchanges.length + this.#flows.length >= RECORDS_BATCH) this.#flushRecords();
    else this.#recordsTimer ??= setTimeout(() => this.#flushRecords(), RECORDS_EVERY_MS);
  }

  #flushRecords(): void {
    if (this.#recordsTimer) clearTimeout(this.#recordsTimer);
    this.#recordsTimer = undefined;
    if (this.#accessLog.length + this.#exchanges.length + this.#flows.length === 0) return;
    send({ t: 'records', accessLog: this.#accessLog, exchanges: this.#exchanges, flows: this.#flows });
    this.#accessLog = [];
    this.#exchanges = [];
    this.#flows = [];
  }

  #reportMetrics(): void {
    const rows = this.#metrics.ownRows();
    const text = JSON.stringify(rows);
    if (text === this.#reported) return;
    this.#reported = text;
    send({ t: 'metrics', metrics: rows });
  }
}

/** Messages are handled one at a time, in order (a `listen` finishes before the next message runs). */
function main(): void {
  let node: Node | undefined;
  let chain = Promise.resolve();
  process.on('message', (m: ToNode, handle?: unknown) => {
    if (m.t === 'accept') {
      // not queued behind other messages: the socket must have its reader before its first bytes come
      // (the messages before it that matter, health inputs and listens, are applied synchronously or done)
      node?.accept(m.id, handle as net.Socket | undefined);
      return;
    }
    chain = chain.then(async () => {
      try {
        if (m.t === 'init') {
          node = new Node(m);
          send({ t: 'ready' });
          return;
        }
        await node?.handle(m);
      } catch (err) {
        send({ t: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    });
  });
  // the primary went away: nothing is left to serve for
  process.on('disconnect', () => process.exit(0));
}

if (cluster.isWorker) main();
