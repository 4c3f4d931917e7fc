/**
 * SIMULATOR CONVENIENCE, NOT AWS: every load-balancer node gets a loopback address of its own, so that
 * DNS answers tell load balancers and their zones apart (on AWS a load-balancer name resolves to one
 * address per enabled Availability Zone, that zone's node, §2.4, §6.7). Load balancer n (in the order
 * the simulator first meets them, kept across reloads) has `127.1.n.z` for its z-th zone
 * (`availabilityZones` of the model, in order: `127.1.1.1` is the first load balancer's first zone,
 * `127.1.1.2` its second). On a node address every listener of the load balancer listens on its mapped
 * port (443 → 8443); a connection accepted there is handed, as it is, to the listener's own server, which
 * routes it as that zone's node (`zoneAt(localAddress)`). So `curl --resolve www.example.com:8443:<address
 * from dig>` reaches the node DNS chose, and the target sees the real client address. A node of a
 * failed zone closes its sockets (connections are refused) until the zone recovers. Systems without the
 * whole 127.0.0.0/8 on loopback (macOS by default) cannot bind these addresses: then `available` is false
 * and every load balancer answers with the simulator's host.
 */
import * as net from 'node:net';

/** First two bytes of node addresses. */
export const NODE_ADDRESS_PREFIX = '127.1';
/** Load balancers that can have node addresses (third byte 1-254), and zones per load balancer (fourth byte). */
const MAX_LOAD_BALANCERS = 254;
const MAX_ZONES = 254;

/** One listener as the nodes of its load balancer serve it. */
export interface NodeListener {
  readonly loadBalancerId: string;
  readonly listenerId: string;
  /** The load balancer's zones, in model order: zone i is served at `127.1.n.(i+1)`. */
  readonly zones: readonly string[];
  /** Port to listen on at each node address (0 = a free port per node). */
  readonly port: number;
}

export interface NodeEndpoint {
  readonly listenerId: string;
  readonly availabilityZone: string;
  readonly address: string;
  readonly port: number;
  /** False while the zone is failed (nothing listens). */
  readonly serving: boolean;
}

/** Hands a connection accepted on a node address to the listener's server. */
export type AcceptConnection = (listenerId: string, socket: net.Socket) => void;

/** One listener on one node address. */
class NodeSocket {
  #server?: net.Server;
  readonly #sockets = new Set<net.Socket>();
  /** The port once bound (a node keeps its port when its zone fails and comes back). */
  port: number;

  constructor(
    readonly spec: NodeListener,
    readonly zone: string,
    readonly address: string,
    private readonly accept: AcceptConnection,
    private readonly pauseOnConnect: boolean,
  ) {
    this.port = spec.port;
  }

  get serving(): boolean {
    return this.#server !== undefined;
  }

  async open(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer({ pauseOnConnect: this.pauseOnConnect }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      this.accept(this.spec.listenerId, socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Stop listening and cut every connection that came in through this node. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class LoadBalancerNodes {
  /** Third byte of each load balancer's addresses. */
  readonly #index = new Map<string, number>();
  /** By `listenerId|zone`. */
  readonly #nodes = new Map<string, NodeSocket>();
  readonly #failed = new Set<string>();
  #available = true;
  /**
   * Accept connections without reading from them (`net.Server` `pauseOnConnect`), for sockets handed to
   * another process (`ha-sim --workers`). Applies to node sockets opened afterwards.
   */
  pauseOnConnect = false;

  constructor(private readonly accept: AcceptConnection) {}

  /** False once binding a node address failed with EADDRNOTAVAIL (no 127.0.0.0/8 on loopback). */
  get available(): boolean {
    return this.#available;
  }

  /** The address of a load balancer's node in its `zoneIndex`-th zone; assigned on first use and kept. */
  addressOf(loadBalancerId: string, zoneIndex: number): string | undefined {
    let n = this.#index.get(loadBalancerId);
    if (n === undefined && this.#index.size < MAX_LOAD_BALANCERS) {
      n = this.#index.size + 1;
      this.#index.set(loadBalancerId, n);
    }
    return n === undefined || zoneIndex < 0 || zoneIndex >= MAX_ZONES
      ? undefined
      : `${NODE_ADDRESS_PREFIX}.${n}.${zoneIndex + 1}`;
  }

  /** The load balancer and zone a node address belongs to. */
  nodeAt(address: string | undefined): { loadBalancerId: string; availabilityZone: string } | undefined {
    if (address === undefined || !address.startsWith(`${NODE_ADDRESS_PREFIX}.`)) return undefined;
    for (const node of this.#nodes.values()) {
      if (node.address === address) return { loadBalancerId: node.spec.loadBalancerId, availabilityZone: node.zone };
    }
    return undefined;
  }

  /** Addresses of the given zones' nodes of a load balancer that serve now (empty without node addresses). */
  addresses(loadBalancerId: string, zones: readonly string[]): string[] {
    if (!this.#available) return [];
    const out: string[] = [];
    for (const zone of zones) {
      const node = [...this.#nodes.values()].find(
        (x) => x.spec.loadBalancerId === loadBalancerId && x.zone === zone && x.serving,
      );
      if (node && !out.includes(node.address)) out.push(node.address);
    }
    return out;
  }

  /** Listeners served on the node addresses of a load balancer, zone by zone. */
  endpoints(loadBalancerId: string): NodeEndpoint[] {
    return [...this.#nodes.values()]
      .filter((n) => n.spec.loadBalancerId === loadBalancerId)
      .map((n) => ({
        listenerId: n.spec.listenerId,
        availabilityZone: n.zone,
        address: n.address,
        port: n.port,
        serving: n.serving,
      }));
  }

  /**
   * Serve exactly these listeners on their load balancers' node addresses: unchanged ones keep their
   * sockets, changed ones restart, others close; nodes of failed zones stay closed. Rejects on a port
   * conflict (EADDRINUSE); returns quietly, with `available` false, when the system cannot bind the
   * addresses at all.
   */
  async sync(listeners: readonly NodeListener[]): Promise<void> {
    const wanted = new Map<string, { spec: NodeListener; zone: string; address: string }>();
    for (const l of listeners) {
      l.zones.forEach((zone, i) => {
        const address = this.addressOf(l.loadBalancerId, i);
        if (address !== undefined) wanted.set(`${l.listenerId}|${zone}`, { spec: l, zone, address });
      });
    }
    for (const [key, node] of [...this.#nodes]) {
      const w = wanted.get(key);
      if (w && JSON.stringify(w.spec) === JSON.stringify(node.spec) && w.address === node.address) continue;
      this.#nodes.delete(key);
      await node.close();
    }
    if (!this.#available) return;
    for (const [key, w] of wanted) {
      if (this.#nodes.has(key)) continue;
      const node = new NodeSocket(w.spec, w.zone, w.address, this.accept, this.pauseOnConnect);
      this.#nodes.set(key, node);
      if (this.#failed.has(w.zone)) continue;
      if (!(await this.#open(node))) return;
    }
  }

  /** Open a node's socket; false (and every node closed) when node addresses cannot be bound here. */
  async #open(node: NodeSocket): Promise<boolean> {
    try {
      await node.open();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw err;
      this.#available = false;
      await this.close();
      return false;
    }
  }

  /**
   * A zone fails (every load balancer's node in it closes: connections are refused, open ones are cut)
   * or comes back (its nodes listen again on the same ports).
   */
  async setZoneFailed(zone: string, failed: boolean): Promise<void> {
    if (failed) this.#failed.add(zone);
    else this.#failed.delete(zone);
    for (const node of this.#nodes.values()) {
      if (node.zone !== zone) continue;
      if (failed) await node.close();
      else if (this.#available && !(await this.#open(node))) return;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((n) => n.close()));
  }
}
