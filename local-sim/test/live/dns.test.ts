/**
 * The live name server and live Route 53 checks (docs/aws-behaviour.md §7): two regional load balancers
 * behind a failover pair in a hosted zone, served on free ports. Route 53 health checks run every 500 ms
 * and target-group health checks every 200 ms: SIMULATOR TEST CONVENIENCES, NOT AWS (AWS: 10 or 30 s, and
 * at least 5 s). Waits are on events (`waitForDnsAnswer`, `waitForHealth`), never on sleeps.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { Simulator } from '../../src/index';
import { buildModel } from '../../src/model';
import type { CfnTemplate } from '../../src/model/types';
import { albTemplate } from '../model/fixtures';
import { allHealthy, get } from './helpers';

type Json = Record<string, unknown>;

/** Primary and Secondary regions (the same ALB shape) and a DNS stack with a hosted zone. */
function assembly(): ReturnType<typeof buildModel> {
  const region = (name: string) => {
    const t = JSON.parse(JSON.stringify(albTemplate()).replace(/WebPrimary\//g, `${name}/`)) as Json;
    t.Outputs = { Dns: { Value: { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'DNSName'] }, Export: { Name: `${name}:Dns` } } };
    return { stackName: name, template: t as unknown as CfnTemplate };
  };
  const rec = (name: string, props: Json): Json => ({
    Type: 'AWS::Route53::RecordSet',
    Properties: { HostedZoneId: { Ref: 'Zone' }, Name: name, ...props },
  });
  const alias = (name: string) => ({
    DNSName: { 'Fn::ImportValue': `${name}:Dns` },
    HostedZoneId: 'Z35SXDOTRQ7X7K',
    EvaluateTargetHealth: true,
  });
  const dns = {
    Resources: {
      Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'example.com.' } },
      PrimaryCheck: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'HTTP_STR_MATCH',
            FullyQualifiedDomainName: { 'Fn::ImportValue': 'Primary:Dns' },
            Port: 80,
            ResourcePath: '/',
            SearchString: '"target"',
            RequestInterval: 10,
            FailureThreshold: 2,
          },
        },
      },
      TcpCheck: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'TCP',
            FullyQualifiedDomainName: { 'Fn::ImportValue': 'Secondary:Dns' },
            Port: 80,
            RequestInterval: 10,
            FailureThreshold: 1,
          },
        },
      },
      ClosedPortCheck: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'TCP',
            FullyQualifiedDomainName: { 'Fn::ImportValue': 'Secondary:Dns' },
            Port: 81,
            RequestInterval: 10,
            FailureThreshold: 1,
          },
        },
      },
      ExternalCheck: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: { HealthCheckConfig: { Type: 'HTTP', IPAddress: '198.51.100.7', Port: 80, RequestInterval: 10 } },
      },
      Primary: rec('www.example.com.', {
        Type: 'A',
        SetIdentifier: 'primary',
        Failover: 'PRIMARY',
        HealthCheckId: { Ref: 'PrimaryCheck' },
        AliasTarget: alias('Primary'),
      }),
      Secondary: rec('www.example.com.', {
        Type: 'A',
        SetIdentifier: 'secondary',
        Failover: 'SECONDARY',
        AliasTarget: alias('Secondary'),
      }),
      Txt: rec('www.example.com.', { Type: 'TXT', TTL: '300', ResourceRecords: ['"hello world"'] }),
      Old: rec('old.example.com.', { Type: 'CNAME', TTL: '120', ResourceRecords: ['www.example.com'] }),
    },
  } as unknown as CfnTemplate;
  return buildModel([region('Primary'), region('Secondary'), { stackName: 'Dns', template: dns }]);
}

const APP = (region: string) => `${region}/Web/App`;

let sim: Simulator;

async function start(): Promise<Simulator> {
  sim = await Simulator.fromModel(assembly(), {
    ports: 0,
    demoBackends: 3,
    dnsPort: 0,
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
    route53IntervalOverrideMs: 500,
  });
  await Promise.all([allHealthy(sim, APP('Primary')), allHealthy(sim, APP('Secondary'))]);
  return sim;
}

afterEach(async () => {
  await sim?.stop();
});

function resolver(): dnsPromises.Resolver {
  const r = new dnsPromises.Resolver({ timeout: 5_000, tries: 2 });
  r.setServers([`127.0.0.1:${sim.dnsAddress!.port}`]);
  return r;
}

/** What a load balancer's name answers: one node address per zone (§2.4), sorted. */
const addressesOf = (lb: string) => [...sim.endpoints().dns!.loadBalancers.find((l) => l.id === lb)!.addresses].sort();
const sorted = (list: string[]) => [...list].sort();

/** One query over TCP (RFC 7766 framing), decoded. */
function tcpQuery(message: Buffer): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(sim.dnsAddress!.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.end();
        resolve(dnsPacket.decode(data.subarray(2, 2 + data.readUInt16BE(0))));
      }
    });
    socket.on('error', reject);
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(message.length, 0);
    socket.write(Buffer.concat([prefix, message]));
  });
}

/** One UDP exchange; resolves with the reply, or undefined when the server sent none before `probe` got one. */
function udpExchange(message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => {
      s.close();
      resolve(m);
    });
    s.on('error', reject);
    s.send(message, sim.dnsAddress!.port, '127.0.0.1');
  });
}

/** dns-packet decodes the RCODE and the AA flag, but its type declarations do not list them. */
const rcode = (p: dnsPacket.Packet) => (p as { rcode?: string }).rcode;
const authoritative = (p: dnsPacket.Packet) => (p as { flag_aa?: boolean }).flag_aa;

const query = (name: string, type: dnsPacket.RecordType, id = 7) =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] });

const hasDig = (() => {
  try {
    execFileSync('dig', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('dig', ['@127.0.0.1', '-p', String(sim.dnsAddress!.port), '+time=2', '+tries=1', ...args], (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
}

describe('live DNS server for the hosted zones (§7.3–§7.6)', () => {
  test('§7.5/§7.6 over UDP (node resolver): the failover alias answers the primary’s node addresses (one per zone, §2.4); TXT, CNAME, NXDOMAIN, REFUSED', async () => {
    await start();
    const r = resolver();
    const primary = addressesOf('Primary/Web/LB');
    expect(primary).toEqual([expect.stringMatching(/^127\.1\.\d+\.1$/), expect.stringMatching(/^127\.1\.\d+\.2$/)]);
    expect(addressesOf('Secondary/Web/LB')).not.toEqual(primary);
    const answer = await r.resolve4('www.example.com', { ttl: true });
    expect(answer.map((a) => a.ttl)).toEqual([60, 60]);
    expect(sorted(answer.map((a) => a.address))).toEqual(primary);
    expect(await r.resolveTxt('www.example.com')).toEqual([['hello world']]);
    expect(sorted(await r.resolve4('old.example.com'))).toEqual(primary);
    await expect(r.resolve4('nope.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve4('www.example.org')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  test('over TCP: authoritative answer with TTL 60; NXDOMAIN carries the zone SOA', async () => {
    await start();
    const a = await tcpQuery(query('www.example.com', 'A', 41));
    expect(a.id).toBe(41);
    expect(authoritative(a)).toBe(true);
    expect(rcode(a)).toBe('NOERROR');
    expect(sorted(a.answers!.map((x) => String((x as { data?: unknown }).data)))).toEqual(
      addressesOf('Primary/Web/LB'),
    );
    expect(a.answers).toMatchObject(a.answers!.map(() => ({ name: 'www.example.com', type: 'A', ttl: 60 })));
    const nx = await tcpQuery(query('nope.example.com', 'A'));
    expect(rcode(nx)).toBe('NXDOMAIN');
    expect(nx.authorities).toMatchObject([
      { name: 'example.com', type: 'SOA', ttl: 900, data: { rname: 'hostmaster.example.com', minimum: 86400 } },
    ]);
  });

  test('malformed packets get FORMERR or nothing, and the server keeps answering (UDP and TCP)', async () => {
    await start();
    // a runt (no header) and a response packet are dropped; garbage after a header is FORMERR
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) =>
      s.send(Buffer.from([1, 2, 3]), sim.dnsAddress!.port, '127.0.0.1', () => resolve()),
    );
    s.close();
    const garbage = Buffer.concat([
      Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]),
      Buffer.from('\xff\xff\xff'),
    ]);
    const formerr = dnsPacket.decode(await udpExchange(garbage));
    expect([formerr.id, rcode(formerr)]).toEqual([0x1234, 'FORMERR']);
    const notimp = Buffer.from(query('www.example.com', 'A', 9));
    notimp.writeUInt16BE(notimp.readUInt16BE(2) | (2 << 11), 2); // opcode STATUS
    expect(rcode(dnsPacket.decode(await udpExchange(notimp)))).toBe('NOTIMP');
    expect(rcode(await tcpQuery(garbage))).toBe('FORMERR');
    // still serving
    const nodes = addressesOf('Primary/Web/LB').length;
    expect(dnsPacket.decode(await udpExchange(query('www.example.com', 'A'))).answers).toHaveLength(nodes);
    expect((await tcpQuery(query('www.example.com', 'A'))).answers).toHaveLength(nodes);
  });

  (hasDig ? test : test.skip)(
    'dig @127.0.0.1 -p PORT shows the answer over UDP and TCP (skipped when dig is not installed: apt-get install dnsutils)',
    async () => {
      await start();
      const lines = (text: string) => sorted(text.trim().split('\n'));
      expect(lines(await dig('+short', 'www.example.com'))).toEqual(addressesOf('Primary/Web/LB'));
      expect(lines(await dig('+tcp', '+short', 'www.example.com'))).toEqual(addressesOf('Primary/Web/LB'));
      const nx = await dig('nope.example.com');
      expect(nx).toMatch(/status: NXDOMAIN/);
      expect(nx).toMatch(
        /example\.com\.\s+900\s+IN\s+SOA\s+ns\.ha-sim\.invalid\. hostmaster\.example\.com\. 1 7200 900 1209600 86400/,
      );
    },
  );

  test('§7.4/§7.5 every primary target fails its health checks → DNS answers the secondary; recovery brings the primary back', async () => {
    await start();
    const r = resolver();
    const secondaryAddresses = addressesOf('Secondary/Web/LB');
    const primaryAddresses = addressesOf('Primary/Web/LB');
    // changes while the targets first turned healthy (either Region may come up first) are not this test's
    const baseline = sim.dnsAnswerChanges().length;
    const failedAt = Date.now();
    for (const t of sim.targets(APP('Primary')).controls) await t.failHealthChecks();
    const change = await sim.waitForDnsAnswer('www.example.com', 'secondary');
    expect(change).toMatchObject({ name: 'www.example.com', recordType: 'A', from: ['primary'], to: ['secondary'] });
    // §7.6: clients that cached the primary's alias answer (TTL 60 s) move at most 60 s later
    expect(change!.previousTtlSeconds).toBe(60);
    expect(change!.clientsMoveBy - change!.at).toBe(60_000);
    expect(change!.at).toBeGreaterThanOrEqual(failedAt);
    expect(sim.engine.loadBalancerHealthy('Primary/Web/LB')).toBe(false);
    expect(sorted(await r.resolve4('www.example.com'))).toEqual(secondaryAddresses);
    // a client that follows DNS reaches the secondary's targets through its node address
    const node = sim.endpoints().dns!.loadBalancers.find((l) => l.id === 'Secondary/Web/LB')!.endpoints[0];
    const reply = await get(`http://${node.address}:${node.port}/`, { headers: { host: 'www.example.com' } });
    expect(reply.status).toBe(200);
    expect(sim.targets(APP('Secondary')).controls.map((c) => c.target.port)).toContain(reply.json().port);
    // recovery
    for (const t of sim.targets(APP('Primary')).controls) await t.recover();
    const back = await sim.waitForDnsAnswer('www.example.com', 'primary');
    expect(back).toMatchObject({ from: ['secondary'], to: ['primary'], previousTtlSeconds: 60 });
    // §1.5 each zone's node rejoins the answer once that node sees a healthy target (nodes probe on their own)
    await allHealthy(sim, APP('Primary'));
    expect(sorted(await r.resolve4('www.example.com'))).toEqual(primaryAddresses);
    expect(
      sim
        .dnsAnswerChanges()
        .slice(baseline)
        .map((c) => c.to[0]),
    ).toEqual(['secondary', 'primary']);
  });

  test('§7.2 TCP checks: a listener accepts the connection (healthy); a port without a listener fails every checker', async () => {
    await start();
    // the check on the closed port turns unhealthy after one result per checker (FailureThreshold 1)
    await sim.waitForRoute53Health('Dns/ClosedPortCheck', false);
    expect(sim.healthCheckStatus('Dns/ClosedPortCheck').healthy).toBe(false);
    const closed = sim.healthCheckStatus('Dns/ClosedPortCheck');
    expect(closed.observations!.find((o) => o.status)!.status).toBe(
      'Failure: connection failed (ECONNREFUSED (no listener the simulator serves on port 81 of Secondary/Web/LB))',
    );
    const open = sim.healthCheckStatus('Dns/TcpCheck');
    expect(open.healthy).toBe(true);
    const reported = open.observations!.filter((o) => o.status !== undefined);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((o) => o.healthy && o.status === 'Success: TCP connection established')).toBe(true);
  });

  test('§7.2 the endpoint health check fails through the load balancer (HTTP_STR_MATCH, 503 from every target) → secondary', async () => {
    await start();
    // Route 53 probes reach the primary's listener with their own Host and User-Agent
    expect(sim.route53Targets()).toEqual([
      {
        healthCheckId: 'Dns/PrimaryCheck',
        type: 'HTTP_STR_MATCH',
        probed: true,
        probes: `listener Primary/Web/LB/Http (127.0.0.1:${sim.port('Primary/Web/LB/Http')})`,
      },
      {
        healthCheckId: 'Dns/TcpCheck',
        type: 'TCP',
        probed: true,
        probes: `listener Secondary/Web/LB/Http (127.0.0.1:${sim.port('Secondary/Web/LB/Http')})`,
      },
      {
        healthCheckId: 'Dns/ClosedPortCheck',
        type: 'TCP',
        probed: true,
        probes: 'fails: ECONNREFUSED (no listener the simulator serves on port 81 of Secondary/Web/LB)',
      },
      {
        healthCheckId: 'Dns/ExternalCheck',
        type: 'HTTP',
        probed: false,
        probes:
          'not probed: 198.51.100.7:80 is outside this machine (not probed; stays healthy, simulator choice route53_external_endpoint)',
      },
    ]);
    const userAgent = await new Promise<string>((resolve) => {
      const onLog = (_line: string, entry: { userAgent?: string }) => {
        if (!entry.userAgent?.startsWith('Amazon-Route53-Health-Check-Service')) return;
        sim.off('access-log', onLog);
        resolve(entry.userAgent);
      };
      sim.on('access-log', onLog);
    });
    expect(userAgent).toMatch(/^Amazon-Route53-Health-Check-Service \(ref ha-sim [a-z0-9-]+#\d\)$/);
    // targets pass their own health checks but answer every other request with 503
    for (const t of sim.targets(APP('Primary')).controls) await t.respondWith(503);
    const change = await sim.waitForDnsAnswer('www.example.com', 'secondary');
    expect(change!.from).toEqual(['primary']);
    expect(sim.engine.loadBalancerHealthy('Primary/Web/LB')).toBe(true);
    const status = sim.healthCheckStatus('Dns/PrimaryCheck');
    expect(status.healthy).toBe(false);
    expect(status.observations).toHaveLength(16);
    expect(status.observations!.filter((o) => !o.healthy).length).toBeGreaterThanOrEqual(14);
    expect(status.observations!.find((o) => !o.healthy)!.status).toBe('Failure: HTTP status code 503');
    // the external endpoint was never probed and stays healthy (simulator choice route53_external_endpoint)
    expect(sim.healthCheckStatus('Dns/ExternalCheck')).toEqual({
      healthy: true,
      observations: expect.arrayContaining([{ region: 'us-east-1', index: 0, healthy: true }]),
    });
  });
});
