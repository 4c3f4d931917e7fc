/**
 * NLB health checks on real sockets (docs/aws-behaviour.md §1.1): the `Host` header of HTTP checks names
 * the load-balancer node and the listener port; with proxy protocol v2 on, check connections begin with a
 * PPv2 header that carries no address (LOCAL command).
 */
import * as https from 'node:https';
import * as net from 'node:net';
import { once } from 'node:events';
import type { Simulator } from '../../src/index';
import { selfSignedCertificate } from '../../src/live/tls';
import { startNlb, TG } from './nlb-helpers';

/** The 16 bytes of a PPv2 LOCAL header: signature, version 2 / LOCAL, AF_UNSPEC, length 0. */
const PPV2_LOCAL = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00,
]);

interface Check {
  /** Bytes before the HTTP request line (a PPv2 header, when one was sent). */
  readonly preamble: Buffer;
  readonly requestLine: string;
  readonly headers: Record<string, string>;
}

/**
 * A target that answers HTTP health checks with 200 and records each one; a PPv2 header (signature, 16
 * fixed bytes, then the length they give) is taken off before the request is read.
 */
class CheckTarget {
  readonly checks: Check[] = [];
  /** Raw bytes of every connection that sent something, in order (TCP checks). */
  readonly connections: Buffer[] = [];
  readonly #waiters: ((c: Check) => void)[] = [];
  readonly #sockets = new Set<net.Socket>();
  private constructor(readonly server: net.Server) {}

  static async start(): Promise<CheckTarget> {
    const server = net.createServer();
    const t = new CheckTarget(server);
    server.on('connection', (s) => t.#serve(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return t;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  nextCheck(): Promise<Check> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #serve(s: net.Socket): void {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
    let got = Buffer.alloc(0);
    s.on('error', () => undefined);
    s.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const signature = PPV2_LOCAL.subarray(0, 12);
      const hasHeader = got.length >= 16 && got.subarray(0, 12).equals(signature);
      const skip = hasHeader ? 16 + got.readUInt16BE(14) : 0;
      const text = got.subarray(skip).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [requestLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const check = { preamble: got.subarray(0, skip), requestLine, headers };
      this.checks.push(check);
      for (const w of this.#waiters.splice(0)) w(check);
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    s.on('close', () => {
      if (got.length > 0) this.connections.push(got);
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sim: Simulator | undefined;
let target: CheckTarget | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  await target?.close();
  target = undefined;
});

const HTTP_CHECK = { HealthCheckProtocol: 'HTTP', HealthCheckPath: '/ping' };

describe('NLB HTTP health checks (§1.1)', () => {
  test('§1.1 Host names the node address and the listener port, not the target', async () => {
    target = await CheckTarget.start();
    sim = await startNlb({ port: 5432, healthCheck: HTTP_CHECK }, [target]);
    const check = await target.nextCheck();
    expect(check.requestLine).toBe('GET /ping HTTP/1.1');
    // without the DNS server the load balancer's node is reached on the simulator's host
    expect(check.headers.host).toBe('127.0.0.1:5432');
    expect(check.headers['user-agent']).toBe('ELB-HealthChecker/2.0');
    expect(check.preamble).toHaveLength(0);
  });

  test('§1.1 with node addresses (DNS server on) Host names the node address the load balancer answers with', async () => {
    target = await CheckTarget.start();
    sim = await startNlb({ port: 5432, healthCheck: HTTP_CHECK }, [target], { dnsPort: 0 });
    const lb = sim.endpoints().dns!.loadBalancers[0];
    const node = lb.addresses[0];
    expect(node).toBeDefined();
    const check = await target.nextCheck();
    expect(check.headers.host).toBe(`${node}:5432`);
    expect(check.headers.host).not.toContain(String(target.port));
  });

  test('§1.1 with proxy protocol v2 on, an HTTP check begins with a PPv2 LOCAL header without addresses', async () => {
    target = await CheckTarget.start();
    sim = await startNlb({ healthCheck: HTTP_CHECK, attributes: { 'proxy_protocol_v2.enabled': true } }, [target]);
    const check = await target.nextCheck();
    expect([...check.preamble]).toEqual([...PPV2_LOCAL]);
    expect(check.requestLine).toBe('GET /ping HTTP/1.1');
  });

  test('§1.1 with proxy protocol v2 on, an HTTPS check sends the PPv2 LOCAL header before the TLS handshake', async () => {
    // an HTTPS server behind a front that takes the PPv2 header off each connection
    const { key, cert } = await selfSignedCertificate();
    const hosts: string[] = [];
    const secure = https.createServer({ key, cert }, (req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end();
    });
    secure.listen(0, '127.0.0.1');
    await once(secure, 'listening');
    const preambles: Buffer[] = [];
    const front = net.createServer((s) => {
      s.on('error', () => undefined);
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        got = Buffer.concat([got, chunk]);
        if (got.length < 16 || got.length < 16 + got.readUInt16BE(14)) return;
        s.off('data', onData);
        const length = 16 + got.readUInt16BE(14);
        preambles.push(got.subarray(0, length));
        const inner = net.connect((secure.address() as net.AddressInfo).port, '127.0.0.1');
        inner.on('error', () => s.destroy());
        inner.write(got.subarray(length));
        s.pipe(inner).pipe(s);
      };
      s.on('data', onData);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    try {
      const port = (front.address() as net.AddressInfo).port;
      sim = await startNlb(
        {
          port: 8443,
          healthCheck: { HealthCheckProtocol: 'HTTPS', HealthCheckPath: '/ping' },
          attributes: { 'proxy_protocol_v2.enabled': true },
        },
        [{ port }],
      );
      expect([...preambles[0]]).toEqual([...PPV2_LOCAL]);
      expect(hosts[0]).toBe('127.0.0.1:8443');
    } finally {
      await sim?.stop();
      sim = undefined;
      front.close();
      secure.closeAllConnections();
      secure.close();
    }
  });

  test('§1.1 with proxy protocol v2 on, a TCP check connection carries the PPv2 LOCAL header and nothing else', async () => {
    target = await CheckTarget.start();
    sim = await startNlb({ attributes: { 'proxy_protocol_v2.enabled': true } }, [target]);
    await sim.waitForHealth(TG, 0, 'healthy');
    // a TCP check closes right after connecting; wait for one complete connection
    while (target.connections.length === 0) await once(target.server, 'connection').then(([s]) => once(s, 'close'));
    expect([...target.connections[0]]).toEqual([...PPV2_LOCAL]);
  });
});
