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

  test('§7.2/§7.4 primary health check fails FailureThreshold times in a row → secondary answers', () => {
    const sim = new VirtualSimulator(twoRegions('health-check'));
    let failing = false;
    sim.setRoute53Endpoint('Dns/PrimaryCheck', () =>
      failing ? { connectMs: 1, status: 503, responseMs: 1 } : { connectMs: 1, status: 200, responseMs: 1 },
    );
    sim.runUntil(1);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(true);
    failing = true; // from the probe at t = 10 s on
    sim.runUntil(30_000); // probes at 10 s and 20 s and 30 s; third result lands at 30 s + 2 ms
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(true);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
    sim.runUntil(30_002);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(false);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('secondary');
  });

  test('§7.2 an unanswered Route 53 probe counts as a failure at its deadline', () => {
    const sim = new VirtualSimulator(twoRegions('health-check'));
    sim.setRoute53Endpoint('Dns/PrimaryCheck', () => ({ connectMs: 5_000 }));
    sim.runUntil(2 * 10_000 + 6_000);
    expect(sim.engine.healthCheckStatus('Dns/PrimaryCheck')).toBe(false);
  });
});
