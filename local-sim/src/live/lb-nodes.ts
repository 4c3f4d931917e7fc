/**
 * SIMULATOR CONVENIENCE, NOT AWS: each load balancer gets a loopback address of its own, its "node
 * address", so that DNS answers tell load balancers apart (on AWS a load-balancer name resolves to the
 * public addresses of its nodes, one per enabled Availability Zone). Load balancer n (in the order the
 * simulator first meets them, kept across reloads) has `127.1.n.1`; the last byte is left for one node
 * per zone later (`127.1.n.z`). On a node address every listener of the load balancer listens on its
 * mapped port (443 → 8443) and forwards bytes, untouched, to the listener's socket on the simulator's
 * host; so `curl --resolve www.example.com:8443:<address from dig>` reaches whichever load balancer DNS
 * chose. Systems without the whole 127.0.0.0/8 on loopback (macOS by default) cannot bind these
 * addresses: then `available` is false and every load balancer answers with the simulator's host.
 */
import * as net from 'node:net';

/** First two bytes of node addresses. */
export const NODE_ADDRESS_PREFIX = '127.1';
/** Load balancers that can have a node address (third byte 1-254). */
const MAX_LOAD_BALANCERS = 254;

/** One listener as a node serves it. */
export interface NodeListener {
  readonly loadBalancerId: string;
  readonly listenerId: string;
  /** Port to listen on at the node address (0 = free port). */
  readonly port: number;
  /** Where the listener's own socket is. */
  readonly target: { readonly host: string; readonly port: number };
}

export interface NodeEndpoint {
  readonly listenerId: string;
  readonly address: string;
  readonly port: number;
}

class Forwarder {
  readonly #sockets = new Set<net.Socket>();

  private constructor(
    readonly server: net.Server,
    readonly spec: NodeListener,
    readonly address: string,
  ) {
    server.on('connection', (client) => this.#pipe(client));
  }

  static async start(spec: NodeListener, address: string): Promise<Forwarder> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    return new Forwarder(server, spec, address);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  #pipe(client: net.Socket): void {
    const upstream = net.connect({ host: this.spec.target.host, port: this.spec.target.port });
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    }
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export class LoadBalancerNodes {
  readonly #addresses = new Map<string, string>();
  readonly #forwarders = new Map<string, Forwarder>();
  #available = true;

  /** False once binding a node address failed with EADDRNOTAVAIL (no 127.0.0.0/8 on loopback). */
  get available(): boolean {
    return this.#available;
  }

  /** The address of a load balancer's node; assigned on first use and kept. */
  addressOf(loadBalancerId: string): string | undefined {
    let a = this.#addresses.get(loadBalancerId);
    if (a === undefined && this.#addresses.size < MAX_LOAD_BALANCERS) {
      a = `${NODE_ADDRESS_PREFIX}.${this.#addresses.size + 1}.1`;
      this.#addresses.set(loadBalancerId, a);
    }
    return a;
  }

  /** The load balancer a node address belongs to. */
  loadBalancerAt(address: string): string | undefined {
    for (const [id, a] of this.#addresses) if (a === address) return id;
    return undefined;
  }

  /** Node addresses of a load balancer that serve traffic (empty when nodes are not available). */
  addresses(loadBalancerId: string): string[] {
    if (!this.#available) return [];
    const a = this.addressOf(loadBalancerId);
    return a !== undefined && [...this.#forwarders.values()].some((f) => f.address === a) ? [a] : [];
  }

  /** Listeners served on the node addresses of a load balancer. */
  endpoints(loadBalancerId: string): NodeEndpoint[] {
    return [...this.#forwarders.values()]
      .filter((f) => f.spec.loadBalancerId === loadBalancerId)
      .map((f) => ({ listenerId: f.spec.listenerId, address: f.address, port: f.port }));
  }

  /**
   * Serve exactly these listeners on their load balancers' node addresses: unchanged ones keep their
   * sockets, changed ones restart, others close. Rejects on a port conflict (EADDRINUSE); returns quietly,
   * with `available` false, when the system cannot bind the addresses at all.
   */
  async sync(listeners: readonly NodeListener[]): Promise<void> {
    const wanted = new Map(listeners.map((l) => [l.listenerId, l]));
    for (const [id, f] of [...this.#forwarders]) {
      const w = wanted.get(id);
      if (w && JSON.stringify(w) === JSON.stringify(f.spec) && this.addressOf(w.loadBalancerId) === f.address) continue;
      this.#forwarders.delete(id);
      await f.close();
    }
    if (!this.#available) return;
    for (const l of listeners) {
      if (this.#forwarders.has(l.listenerId)) continue;
      const address = this.addressOf(l.loadBalancerId);
      if (address === undefined) continue;
      try {
        this.#forwarders.set(l.listenerId, await Forwarder.start(l, address));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw err;
        this.#available = false;
        await this.close();
        return;
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.#forwarders.values()];
    this.#forwarders.clear();
    await Promise.all(all.map((f) => f.close()));
  }
}
