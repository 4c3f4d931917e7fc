/**
 * The primary's side of `ha-sim --workers N`: N load-balancer node processes (cluster workers, one event
 * loop each) that serve the listeners, while this process keeps the leader engine (health checks,
 * registration, Route 53), control, the admin/API/DNS servers and the targets it started.
 *
 * Shared by every node: the model, the stickiness cookie key (a cookie one node issued is honoured by the
 * others), target health and registration (the leader's health inputs, mirrored in order), and the
 * listeners' sockets (the cluster hands each new connection to the next node in turn). Each node's own:
 * balancing state (round-robin position, least-outstanding counts), requests in flight and their
 * aborts at the end of draining, anomaly detection, and its counters, which the primary sums.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AccessLogEntry } from '../core/access-log';
import type { HealthInput } from '../core/engine';
import type { ExchangeObservation } from '../core/exchange';
import type { MetricsRows } from '../core/metrics';
import type { SimModel } from '../model/types';
import { SimulatorError } from '../errors';
import type { LiveListener } from './listener-host';
import type * as net from 'node:net';
import type { FromNode, ListenSpec, NodeForwarding, NodeSettings, SharedAddresses, ToNode } from './node-protocol';
import type { FlowRecord } from './flow';

type Worker = ReturnType<typeof cluster.fork>;

/** The compiled worker entry (`dist/live/node-worker.js`), also when this module runs from sources (tests). */
function workerScript(): string {
  const here = __filename.endsWith('.ts')
    ? resolve(__dirname, '..', '..', 'dist', 'live', 'node-worker.js')
    : join(__dirname, 'node-worker.js');
  if (!existsSync(here)) {
    throw new SimulatorError('SIM_INTERNAL', `the load-balancer node script ${here} is missing; run "npm run build"`);
  }
  return here;
}

export interface NodeWorkersOptions extends NodeSettings {
  readonly count: number;
  readonly onAccessLog: (entry: AccessLogEntry) => void;
  readonly onExchange: (o: ExchangeObservation) => void;
  readonly onFlow: (f: FlowRecord) => void;
  /** Cumulative counters of node `node` (1-based). */
  readonly onMetrics: (node: number, rows: MetricsRows) => void;
  readonly onError: (err: unknown) => void;
}

interface Pending {
  readonly resolve: (m: FromNode) => void;
  readonly reject: (err: Error) => void;
}

class NodeProcess {
  readonly #pending = new Map<number, Pending>();
  #exited = false;

  constructor(
    readonly node: number,
    readonly worker: Worker,
    readonly o: NodeWorkersOptions,
  ) {
    worker.on('message', (m: FromNode) => this.#onMessage(m));
    worker.on('error', () => undefined); // EPIPE on a channel closing while stopping; exits are handled below
    worker.on('exit', (code, signal) => {
      this.#exited = true;
      const err = new SimulatorError(
        'SIM_INTERNAL',
        `load-balancer node ${node} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`})`,
      );
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.worker.process.pid;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  send(m: ToNode, socket?: net.Socket): void {
    // a node that is stopping may close its channel first: what it no longer takes is of no use to it
    if (!this.#exited && this.worker.isConnected()) this.worker.send(m, socket, () => undefined);
    else socket?.destroy();
  }

  /** Send a message that carries `seq` and wait for the answer with the same `seq`. */
  ask(m: ToNode & { seq: number }): Promise<FromNode> {
    if (this.#exited)
      return Promise.reject(new SimulatorError('SIM_INTERNAL', `load-balancer node ${this.node} is gone`));
    return new Promise((resolvePromise, reject) => {
      this.#pending.set(m.seq, { resolve: resolvePromise, reject });
      this.send(m);
    });
  }

  #onMessage(m: FromNode): void {
    switch (m.t) {
      case 'records':
        for (const e of m.accessLog) this.o.onAccessLog(e);
        for (const x of m.exchanges) this.o.onExchange(x);
        for (const f of m.flows) this.o.onFlow(f);
        return;
      case 'metrics':
        this.o.onMetrics(this.node, m.metrics);
        return;
      case 'synced':
      case 'stopped':
        this.o.onMetrics(this.node, m.metrics);
        break;
      case 'failed':
        if (m.seq === undefined) {
          this.o.onError(new SimulatorError('SIM_INTERNAL', `load-balancer node ${this.node}: ${m.message}`));
          return;
        }
        break;
      default:
        break;
    }
    if ('seq' in m && m.seq !== undefined) {
      const p = this.#pending.get(m.seq);
      this.#pending.delete(m.seq);
      p?.resolve(m);
    }
  }
}

/** A listener whose socket the nodes share. */
class RemoteListener implements LiveListener {
  constructor(
    readonly id: string,
    readonly port: number,
    readonly scheme: 'http' | 'https' | 'tcp' | 'tls',
    readonly nodes: NodeWorkers,
  ) {}

  close(graceMs = 0): Promise<void> {
    return this.nodes.closeListeners([this.id], graceMs);
  }
}

export class NodeWorkers {
  readonly #nodes: NodeProcess[];
  #seq = 1;
  #outbox: HealthInput[] = [];
  /** Listeners the nodes serve, and the node that gets the next connection accepted at a node address. */
  readonly #served = new Set<string>();
  #nextAccept = 0;
  #flushScheduled = false;

  private constructor(nodes: NodeProcess[]) {
    this.#nodes = nodes;
  }

  /** Fork `count` node processes and wait until each has its engine. */
  static async start(o: NodeWorkersOptions): Promise<NodeWorkers> {
    cluster.setupPrimary({ exec: workerScript(), args: [], execArgv: [], serialization: 'advanced', silent: false });
    const nodes: NodeProcess[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 1; i <= o.count; i++) {
      const worker = cluster.fork();
      const n = new NodeProcess(i, worker, o);
      nodes.push(n);
      ready.push(
        new Promise<void>((resolvePromise, reject) => {
          const onMessage = (m: FromNode) => {
            if (m.t !== 'ready') return;
            worker.off('message', onMessage);
            resolvePromise();
          };
          worker.on('message', onMessage);
          worker.once('exit', (code) =>
            reject(new SimulatorError('SIM_INTERNAL', `load-balancer node ${i} exited (code ${code}) while starting`)),
          );
          worker.once('online', () =>
            n.send({
              t: 'init',
              node: i,
              model: o.model,
              cookieKey: o.cookieKey,
              ...(o.tls ? { tls: o.tls } : {}),
              ...(o.auth ? { auth: o.auth } : {}),
              ...(o.idleTimeoutOverrideMs !== undefined ? { idleTimeoutOverrideMs: o.idleTimeoutOverrideMs } : {}),
              ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
              forwarding: o.forwarding,
              health: o.health,
            } satisfies ToNode),
          );
        }),
      );
    }
    const group = new NodeWorkers(nodes);
    try {
      await Promise.all(ready);
    } catch (err) {
      await group.stop(0).catch(() => undefined);
      throw err;
    }
    return group;
  }

  get count(): number {
    return this.#nodes.length;
  }

  /** Node numbers (1-based) and process ids. */
  processes(): { node: number; pid: number | undefined; alive: boolean }[] {
    return this.#nodes.map((n) => ({ node: n.node, pid: n.pid, alive: n.alive }));
  }

  #live(): NodeProcess[] {
    return this.#nodes.filter((n) => n.alive);
  }

  /**
   * Every node listens on the same sockets (the first bind decides a free port; the others share it).
   * Rejects with the first node's error (e.g. `EADDRINUSE` as the error's `code`).
   */
  async listen(
    specs: readonly (ListenSpec & { scheme: RemoteListener['scheme'] })[],
  ): Promise<Map<string, LiveListener>> {
    this.#flush();
    const out = new Map<string, LiveListener>();
    for (const spec of specs) {
      // one listener at a time, so that a port 0 bind is shared: the cluster keys sockets by address and port.
      // Everything of the spec but the scheme goes to the nodes: §5.1 verify mode needs the trust store's CA.
      const { scheme: _scheme, ...listen } = spec;
      const answers = await Promise.all(
        this.#live().map((n) => n.ask({ t: 'listen', seq: this.#seq++, listeners: [listen] })),
      );
      const failed = answers.find((a) => a.t === 'failed');
      if (failed && failed.t === 'failed') {
        const err = new Error(failed.message) as NodeJS.ErrnoException;
        if (failed.code) err.code = failed.code;
        throw err;
      }
      const ports = new Set(answers.map((a) => (a.t === 'listening' ? a.ports[spec.id] : undefined)));
      const [port] = [...ports];
      if (ports.size !== 1 || port === undefined) {
        throw new SimulatorError('SIM_INTERNAL', `load-balancer nodes disagree on the port of ${spec.id}`);
      }
      out.set(spec.id, new RemoteListener(spec.id, port, spec.scheme, this));
      this.#served.add(spec.id);
    }
    return out;
  }

  /**
   * Hand a connection accepted at a node address to the next node process (round robin, as the cluster
   * hands out the listeners' own connections). False when no node serves listener `id`.
   */
  accept(id: string, socket: net.Socket): boolean {
    const live = this.#live();
    if (!this.#served.has(id) || live.length === 0) return false;
    this.#flush(); // health inputs first: the node routes with what the primary knew when it accepted
    live[this.#nextAccept++ % live.length]!.send({ t: 'accept', id }, socket);
    return true;
  }

  addresses(addresses: SharedAddresses): void {
    for (const n of this.#live()) n.send({ t: 'addresses', addresses });
  }

  async closeListeners(ids: readonly string[], graceMs: number): Promise<void> {
    for (const id of ids) this.#served.delete(id);
    await Promise.all(
      this.#live().map((n) => n.ask({ t: 'close', seq: this.#seq++, ids, graceMs }).catch(() => undefined)),
    );
  }

  /** One health input of the leader; sent in order, batched per turn of the event loop. */
  health(input: HealthInput): void {
    this.#outbox.push(input);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0) return;
    const inputs = this.#outbox;
    this.#outbox = [];
    for (const n of this.#live()) n.send({ t: 'health', inputs });
  }

  /** A new model: health inputs queued so far go first, those the model change causes come after it. */
  model(model: SimModel): void {
    this.#flush();
    for (const n of this.#live()) n.send({ t: 'model', model });
  }

  ports(ports: Readonly<Record<string, number>>): void {
    for (const n of this.#live()) n.send({ t: 'ports', ports });
  }

  forwarding(forwarding: NodeForwarding): void {
    for (const n of this.#live()) n.send({ t: 'forwarding', forwarding });
  }

  /** Resolves once every node has applied everything sent so far and reported its counters and records. */
  async settle(): Promise<void> {
    this.#flush();
    await Promise.all(this.#live().map((n) => n.ask({ t: 'sync', seq: this.#seq++ })));
  }

  /** Close every node's listeners (requests in progress may finish for `graceMs`), then end the processes. */
  async stop(graceMs: number): Promise<void> {
    this.#flush();
    await Promise.all(
      this.#nodes.map(async (n) => {
        if (!n.alive) return;
        const exited = new Promise<void>((r) => n.worker.once('exit', () => r()));
        await n.ask({ t: 'stop', seq: this.#seq++, graceMs }).catch(() => undefined);
        const kill = setTimeout(() => n.worker.process.kill('SIGKILL'), 5000);
        kill.unref();
        await exited;
        clearTimeout(kill);
      }),
    );
  }
}
