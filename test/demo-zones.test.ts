/**
 * The README walkthrough "Fail an Availability Zone" on the demo app (bin/demo.ts), live
 * (docs/aws-behaviour.md §1.5, §2.4): the primary ALB has a node per zone at its own loopback address;
 * failing us-east-1b through the admin port takes that node out of DNS (www.example.com keeps answering
 * the primary, now with one address) and node us-east-1a moves the traffic to the targets of its own
 * zone once its health checks find the others down (the ALB's cross-zone is on). Recovering the zone
 * brings everything back. Health checks every 200 ms: SIMULATOR TEST CONVENIENCE, NOT AWS.
 */
import { promises as dnsPromises } from 'node:dns';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { modelOf, Simulator } from '@ha-load-balancer/local-sim';
import { buildDemoApp } from '../bin/demo';

function demoApp(): App {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
  return buildDemoApp(new App({ context })).app;
}

const SITE = 'WebPrimary/Web/Site';
const HTTPS = 'WebPrimary/Web/Https';

/** The demo backend answering a GET of `/` at a node address (any certificate: the simulator's own). */
function siteTarget(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: address, port, path: '/', rejectUnauthorized: false, agent: false, servername: 'www.example.com' },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).target) : reject(new Error(body))));
      },
    );
    req.on('error', reject);
  });
}

/** A control on the admin port: POST with the run's admin token. */
async function post(sim: Simulator, url: string): Promise<number> {
  return (await fetch(url, { method: 'POST', headers: { 'x-ha-sim-token': sim.adminToken! } })).status;
}

describe('demo: fail an Availability Zone (§1.5, §2.4)', () => {
  let sim: Simulator;
  afterEach(async () => {
    await sim?.stop();
  });

  test('failing us-east-1b drops its node from DNS and moves the primary’s traffic to us-east-1a’s targets; recovery brings it back', async () => {
    sim = await Simulator.start(modelOf(demoApp()), {
      ports: 0,
      demoBackends: 3,
      dnsPort: 0,
      adminPort: 0,
      healthCheckIntervalOverrideMs: 200,
      healthCheckTimeoutOverrideMs: 150,
    });
    // a zone is in DNS while every target group of the ALB has a healthy target there (§1.5)
    const allPrimaryHealthy = async () => {
      for (const tg of [SITE, 'WebPrimary/Web/Api', 'WebPrimary/Web/ApiCanary'])
        for (let i = 0; i < sim.targets(tg).length; i++) await sim.waitForHealth(tg, i, 'healthy');
    };
    await allPrimaryHealthy();
    const resolver = new dnsPromises.Resolver({ timeout: 5_000, tries: 2 });
    resolver.setServers([`127.0.0.1:${sim.dnsAddress!.port}`]);
    const www = async () => (await resolver.resolve4('www.example.com')).sort();
    const nodes = sim.endpoints().dns!.loadBalancers.find((l) => l.id === 'WebPrimary/Web')!.endpoints;
    const node = (zone: string) => nodes.find((e) => e.listenerId === HTTPS && e.availabilityZone === zone)!;
    const [a, b] = [node('us-east-1a'), node('us-east-1b')];
    const via = async (n: { address: string; port: number }) => {
      const seen = new Set<string>();
      for (let i = 0; i < 9; i++) seen.add(await siteTarget(n.address, n.port));
      return seen;
    };
    // Given: the Site backends #0 and #2 in us-east-1a, #1 in us-east-1b; both nodes in DNS
    expect(sim.targets(SITE).controls.map((c) => c.availabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1a',
    ]);
    expect(await www()).toEqual([a.address, b.address].sort());
    expect(await via(a)).toEqual(new Set(['WebSiteD650FB08#0', 'WebSiteD650FB08#1', 'WebSiteD650FB08#2']));

    // When: curl -X POST http://127.0.0.1:8404/_sim/zones/us-east-1b/fail
    expect(await post(sim, `${sim.adminUrl}/_sim/zones/us-east-1b/fail`)).toBe(200);
    // Then: the primary still answers www.example.com, with node us-east-1a only
    expect(await www()).toEqual([a.address]);
    await expect(siteTarget(b.address, b.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await sim.waitForHealth(SITE, 1, 'unhealthy');
    expect(await via(a)).toEqual(new Set(['WebSiteD650FB08#0', 'WebSiteD650FB08#2']));

    // When the zone recovers, its node and its target come back
    expect(await post(sim, `${sim.adminUrl}/_sim/zones/us-east-1b/recover`)).toBe(200);
    await allPrimaryHealthy();
    expect(await www()).toEqual([a.address, b.address].sort());
    expect(sim.engine.nodeHealth(sim.targets(SITE).get(1).target)).toEqual({
      'us-east-1a': 'healthy',
      'us-east-1b': 'healthy',
    });
    // node us-east-1b serves again; the returning target is in the Site group's 60 s slow start (§2.2)
    const back = await via(b);
    expect([...back].every((t) => /^WebSiteD650FB08#[012]$/.test(t))).toBe(true);
  });
});
