/**
 * Shared pieces of the live NLB tests: a small NLB template, and targets the tests own (TCP servers that
 * record what arrives, UDP echo targets with a TCP port for their health checks), so that a test can see
 * exactly what a target receives and take a target down without touching its open connections.
 */
import { once } from 'node:events';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { modelFromTemplate, Simulator, type SimulatorOptions } from '../../src/index';
import type { FlowRecord } from '../../src/live/flow';
import type { CfnTemplate } from '../../src/model/types';

export const STACK = 'NlbTest';
export const LISTENER = `${STACK}/Nlb/Listener`;
export const TG = `${STACK}/Nlb/Pool`;

export interface NlbSpec {
  /** Listener protocol (default TCP) and its AWS port (default 5432). */
  readonly protocol?: string;
  readonly port?: number;
  readonly alpnPolicy?: string;
  /** Target-group protocol (default: the listener's, TCP for TLS). */
  readonly tgProtocol?: string;
  readonly attributes?: Record<string, string | number | boolean>;
  readonly healthCheck?: Record<string, unknown>;
}

/** One network load balancer, one listener, one target group of `ip` targets (given at start). */
export function nlbTemplate(spec: NlbSpec = {}): CfnTemplate {
  const protocol = spec.protocol ?? 'TCP';
  const meta = (p: string) => ({ 'aws:cdk:path': `${STACK}/Nlb/${p}/Resource` });
  return {
    Resources: {
      Lb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'network', Subnets: ['subnet-a'] },
        Metadata: { 'aws:cdk:path': `${STACK}/Nlb/Resource` },
      },
      Pool: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          Port: 9000,
          Protocol: spec.tgProtocol ?? (protocol === 'TLS' ? 'TCP' : protocol),
          TargetType: 'ip',
          VpcId: 'vpc-12345678',
          HealthCheckProtocol: 'TCP',
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          ...(spec.healthCheck ?? {}),
          TargetGroupAttributes: Object.entries(spec.attributes ?? {}).map(([Key, Value]) => ({
            Key,
            Value: String(Value),
          })),
        },
        Metadata: meta('Pool'),
      },
      Listener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: { Ref: 'Lb' },
          Port: spec.port ?? 5432,
          Protocol: protocol,
          ...(protocol === 'TLS'
            ? { Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/test' }] }
            : {}),
          ...(spec.alpnPolicy ? { AlpnPolicy: [spec.alpnPolicy] } : {}),
          DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Pool' } }],
        },
        Metadata: meta('Listener'),
      },
    },
  } as unknown as CfnTemplate;
}

/**
 * Starts the template on free ports with the given targets. Health checks every 100 ms (75 ms timeout):
 * `healthCheckIntervalOverrideMs`, a SIMULATOR TEST CONVENIENCE and NOT AWS behaviour.
 */
export async function startNlb(
  spec: NlbSpec,
  targets: readonly { readonly port: number }[],
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const sim = await Simulator.fromModel(modelFromTemplate(nlbTemplate(spec), STACK), {
    ports: 0,
    targets: { [TG]: targets.map((t) => `127.0.0.1:${t.port}`) },
    healthCheckIntervalOverrideMs: 100,
    healthCheckTimeoutOverrideMs: 75,
    ...options,
  });
  await Promise.all(targets.map((_, i) => sim.waitForHealth(TG, i, 'healthy')));
  return sim;
}

/** The next `flow` event (a flow ended). */
export function nextFlow(sim: Simulator): Promise<FlowRecord> {
  return (once(sim, 'flow') as Promise<[FlowRecord]>).then(([f]) => f);
}

/** One connection a `TcpTarget` accepted: what arrived on it, and the socket. */
export interface Accepted {
  readonly socket: net.Socket;
  /** Every byte received so far. */
  received: Buffer;
  /** The peer address and port, as the target sees them. */
  readonly remote: { readonly ip: string; readonly port: number };
}

/**
 * A TCP target: records every connection and echoes `echo:<name>:<data>` back unless `echo` is off.
 * `refuse()` stops accepting (health checks fail) while open connections stay; `accept()` listens again.
 */
export class TcpTarget {
  readonly connections: Accepted[] = [];
  readonly #server: net.Server;
  readonly #waiters: ((c: Accepted) => void)[] = [];
  port = 0;

  private constructor(
    readonly name: string,
    readonly echo: boolean,
  ) {
    this.#server = net.createServer((socket) => {
      const c: Accepted = {
        socket,
        received: Buffer.alloc(0),
        remote: { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      };
      this.connections.push(c);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        c.received = Buffer.concat([c.received, chunk]);
        if (this.echo) socket.write(`echo:${this.name}:${chunk.toString('latin1')}`);
      });
      for (const w of this.#waiters.splice(0)) w(c);
    });
  }

  static async start(name: string, echo = true): Promise<TcpTarget> {
    const t = new TcpTarget(name, echo);
    await t.accept();
    return t;
  }

  /** Listen (again, on the same port once it had one). */
  async accept(): Promise<void> {
    this.#server.listen(this.port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  /**
   * Stop accepting: TCP health checks are refused from now on; connections already open stay open (the
   * listening socket closes at once, the server's close callback would wait for them).
   */
  refuse(): void {
    this.#server.close();
  }

  /** The first connection accepted from now on on which data arrives (TCP health checks send none). */
  nextConnection(): Promise<Accepted> {
    return new Promise((resolve) => {
      let done = false;
      const watch = (c: Accepted): void => {
        if (done) return;
        c.socket.once('data', () => {
          done = true;
          resolve(c);
        });
        this.#waiters.push(watch);
      };
      this.#waiters.push(watch);
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * A UDP target: answers every datagram with `<name>:<data>` from its port, and listens on TCP on the same
 * port number, for the target group's TCP health checks and for TCP flows (answered the same way).
 */
export class UdpTarget {
  readonly datagrams: { data: string; from: { address: string; port: number } }[] = [];
  private constructor(
    readonly name: string,
    readonly socket: dgram.Socket,
    readonly health: net.Server,
    readonly tcpConnections: Set<net.Socket>,
  ) {
    socket.on('message', (msg, rinfo) => {
      this.datagrams.push({ data: msg.toString(), from: { address: rinfo.address, port: rinfo.port } });
      socket.send(`${name}:${msg.toString()}`, rinfo.port, rinfo.address);
    });
  }

  static async start(name: string): Promise<UdpTarget> {
    for (;;) {
      const sockets = new Set<net.Socket>();
      const health = net.createServer((s) => {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => undefined);
        s.on('data', (chunk: Buffer) => s.write(`${name}:${chunk.toString()}`));
      });
      health.listen(0, '127.0.0.1');
      await once(health, 'listening');
      const port = (health.address() as net.AddressInfo).port;
      const socket = dgram.createSocket('udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(port, '127.0.0.1', () => resolve());
        });
        return new UdpTarget(name, socket, health, sockets);
      } catch {
        socket.close();
        await new Promise<void>((resolve) => health.close(() => resolve()));
      }
    }
  }

  get port(): number {
    return (this.health.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    this.socket.close();
    for (const s of this.tcpConnections) s.destroy();
    if (this.health.listening) await new Promise<void>((resolve) => this.health.close(() => resolve()));
  }
}

/** A UDP client on its own port: `ask` sends a datagram and resolves with the first reply. */
export class UdpClient {
  readonly socket = dgram.createSocket('udp4');
  readonly replies: { data: string; from: { address: string; port: number } }[] = [];

  constructor() {
    this.socket.on('message', (msg, rinfo) =>
      this.replies.push({ data: msg.toString(), from: { address: rinfo.address, port: rinfo.port } }),
    );
  }

  ask(port: number, data: string): Promise<{ data: string; from: { address: string; port: number } }> {
    const reply = once(this.socket, 'message').then((args) => {
      const [msg, rinfo] = args as [Buffer, dgram.RemoteInfo];
      return { data: msg.toString(), from: { address: rinfo.address, port: rinfo.port } };
    });
    this.socket.send(data, port, '127.0.0.1');
    return reply;
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

/** Open a TCP connection through the listener and wait for the target's echo of `hello`. */
export async function openEchoFlow(port: number, hello = 'hello'): Promise<{ socket: net.Socket; echo: string }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(hello);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return { socket, echo: chunk.toString() };
}

/** Round trip on an open flow: write `data`, resolve with the next chunk that comes back. */
export async function roundTrip(socket: net.Socket, data: string): Promise<string> {
  const reply = once(socket, 'data') as Promise<[Buffer]>;
  socket.write(data);
  return (await reply)[0].toString();
}

/** Resolves with the error code the socket ends with (`undefined` for a clean close). */
export function closedWith(socket: net.Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    let code: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => (code = e.code));
    socket.once('close', () => resolve(code));
  });
}
