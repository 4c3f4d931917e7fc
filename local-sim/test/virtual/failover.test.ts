import { buildModel } from '../../src/model';
import type { CfnTemplate } from '../../src/model/types';
import { ScriptedBackend, VirtualSimulator, ok } from '../../src/virtual';
import { albTemplate } from '../model/fixtures';

/** Two regional stacks (same fixture shape) and a DNS stack with a failover pair. */
function twoRegions(primaryCheck: 'alias' | 'health-check') {
  const region = (name: string, net: string): { stackName: string; template: CfnTemplate } => {
    const t = JSON.parse(
      JSON.stringify(albTemplate())
        .replace(/WebPrimary\//g, `${name}/`)
        .replace(/10\.0\./g, net),
    ) as Record<string, unknown>;
    t.Outputs = { Dns: { Value: { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'DNSName'] }, Export: { Name: `${name}:Dns` } } };
    return { stackName: name, template: t as CfnTemplate };
  };
  const alias = (name: string) => ({
    DNSName: { 'Fn::ImportValue': `${name}:Dns` },
    HostedZoneId: 'Z32O12XQLNTSW2',
    EvaluateTargetHealth: true,
  });
  const dns: CfnTemplate = {
    Resources: {
      PrimaryCheck: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'HTTP',
            FullyQualifiedDomainName: 'primary.example.com',
            ResourcePath: '/health',
            RequestInterval: 10,
            FailureThreshold: 3,
          },
        },
      },
      Primary: {
        Type: 'AWS::Route53::RecordSet',
        Properties: {
          Name: 'www.example.com.',
          Type: 'A',
          HostedZoneId: 'Z1',
          SetIdentifier: 'primary',
          Failover: 'PRIMARY',
          AliasTarget: alias('Primary'),
          ...(primaryCheck === 'health-check' ? { HealthCheckId: { Ref: 'PrimaryCheck' } } : {}),
        },
      },
      Secondary: {
        Type: 'AWS::Route53::RecordSet',
        Properties: {
          Name: 'www.example.com.',
          Type: 'A',
          HostedZoneId: 'Z1',
          SetIdentifier: 'secondary',
          Failover: 'SECONDARY',
          AliasTarget: alias('Secondary'),
        },
      },
    },
  } as unknown as CfnTemplate;
  return buildModel([region('Primary', '10.0.'), region('Secondary', '10.1.'), { stackName: 'Dns', template: dns }]);
}

describe('virtual: Route 53 failover (§7.2–§7.5)', () => {
  test('§7.4/§7.5 alias with EvaluateTargetHealth: when every primary target fails, www resolves to the secondary', () => {
    // Given both regions healthy
    const model = twoRegions('alias');
    expect(model.issues).toEqual([]);
    const sim = new VirtualSimulator(model);
    const primary = ['10.0.1.10', '10.0.2.10', '10.0.3.10'].map((id) => {
      const b = new ScriptedBackend();
      sim.setBackend(id, b);
      return b;
    });
    sim.runUntil(1);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
    // When every primary target fails its health checks
    for (const b of primary) b.setHealth(ok(500));
    sim.runUntil(25_000);
    // Then the primary LB is unhealthy for Route 53 and the secondary answers
    expect(sim.engine.loadBalancerHealthy('Primary/Web/LB')).toBe(false);
    expect(sim.engine.loadBalancerHealthy('Secondary/Web/LB')).toBe(true);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('secondary');
  });

  test('§7.4 both regions unhealthy → the primary answers', () => {
    const sim = new VirtualSimulator(twoRegions('alias'), { defaultBackend: new ScriptedBackend().setHealth(ok(500)) });
    sim.runUntil(25_000);
    expect(sim.engine.loadBalancerHealthy('Secondary/Web/LB')).toBe(false);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
  });

  test('§7.2/§7.4 primary health check: unhealthy once its checkers flip after FailureThreshold failures (simulator choice route53_checkers) → secondary answers', () => {
    const sim = new VirtualSimulator(twoRegions('health-check'));
    let failing = false;
    sim.setRoute53Endpoint('Dns/PrimaryCheck', () =>
      failing ? { connectMs: 1, status: 503, responseMs: 1 } : { connectMs: 1, status: 200, responseMs: 1 },
    );
    sim.runUntil(1);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(true);
    failing = true; // from t = 1 ms on
    // 16 checkers (8 Regions × 2), checker k probes at k × 625 ms + every 10 s. Checker k ≥ 1 fails first at
    // k × 625 ms, its third failure lands 20 s + 2 ms later; checker 0 fails first at 10 s. The endpoint is
    // unhealthy once no more than 18 % (2 of 16) are healthy: when the 14th checker flips, checker 14 at
    // 14 × 625 + 20_002 = 28_752 ms, within interval × threshold (30 s) of the failure.
    sim.runUntil(28_751);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(true);
    expect(sim.engine.healthCheckObservations('Dns/PrimaryCheck')!.filter((o) => !o.healthy)).toHaveLength(13);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
    sim.runUntil(28_752);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(false);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('secondary');
    // §7.6: the change is reported with when clients caching the primary's alias (TTL 60 s) move
    expect(sim.dnsAnswerChanges()).toEqual([
      {
        type: 'dns-answer-changed',
        at: 28_752,
        name: 'www.example.com',
        recordType: 'A',
        from: ['primary'],
        to: ['secondary'],
        previousTtlSeconds: 60,
        clientsMoveBy: 88_752,
      },
    ]);
  });

  test('§7.2 an unanswered Route 53 probe counts as a failure at its deadline (6 s for HTTP)', () => {
    const sim = new VirtualSimulator(twoRegions('health-check'));
    sim.setRoute53Endpoint('Dns/PrimaryCheck', () => ({ connectMs: 7_000 })); // never within the 6 s budget
    // checker k's third deadline: k × 625 + 20_000 + 6_000; the 14th checker to flip is k = 13: 34_125 ms
    sim.runUntil(34_124);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(true);
    sim.runUntil(34_125);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(false);
    expect(sim.engine.healthCheckObservations('Dns/PrimaryCheck')![0]).toEqual({
      region: 'us-east-1',
      index: 0,
      healthy: false,
      status: 'Failure: no result within 6 s',
      checkedAt: 26_000,
    });
  });

  test.each([
    [['us-east-1'], false],
    [['us-east-1', 'eu-west-1'], true],
  ])(
    '§7.2 only checkers in %j reach the endpoint → healthy=%s (more than 18 %% of checkers must say healthy)',
    (reachable, healthy) => {
      const sim = new VirtualSimulator(twoRegions('health-check'));
      sim.setRoute53Endpoint('Dns/PrimaryCheck', (_now, probe) =>
        reachable.includes(probe.checker.region)
          ? { connectMs: 1, status: 200, responseMs: 1 }
          : { error: 'ETIMEDOUT' },
      );
      sim.runUntil(60_000);
      // 2 of 16 checkers healthy = 12.5 % → unhealthy; 4 of 16 = 25 % → healthy
      expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(healthy);
      const obs = sim.engine.healthCheckObservations('Dns/PrimaryCheck')!;
      expect(obs.filter((o) => o.healthy).map((o) => o.region)).toEqual(
        obs.filter((o) => reachable.includes(o.region)).map((o) => o.region),
      );
      expect(obs.find((o) => !reachable.includes(o.region))?.status).toBe('Failure: connection failed (ETIMEDOUT)');
    },
  );

  test('§7.4/§7.6 recovery: the primary answers again and the change back is reported', () => {
    const model = twoRegions('alias');
    const sim = new VirtualSimulator(model);
    const primary = ['10.0.1.10', '10.0.2.10', '10.0.3.10'].map((id) => {
      const b = new ScriptedBackend();
      sim.setBackend(id, b);
      return b;
    });
    sim.runUntil(1);
    for (const b of primary) b.setHealth(ok(500));
    sim.runUntil(40_000);
    for (const b of primary) b.setHealth(ok(200));
    sim.runUntil(80_000);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
    const changes = sim.dnsAnswerChanges().map((c) => [c.from, c.to, c.clientsMoveBy - c.at]);
    expect(changes).toEqual([
      [['primary'], ['secondary'], 60_000],
      [['secondary'], ['primary'], 60_000],
    ]);
  });
});
