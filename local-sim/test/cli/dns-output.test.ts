/** What `ha-sim start` prints about DNS: the start-up section and each change of an answer (§7.6). */
import { dnsChangeLine, formatDns, route53HealthLine } from '../../src/cli/report';
import type { DnsDescription } from '../../src/live/endpoints';

describe('DNS lines of ha-sim start', () => {
  test('§7.6 a change of answer says when clients caching the previous one move', () => {
    const at = Date.UTC(2025, 0, 1, 12, 0, 3);
    expect(
      dnsChangeLine({
        at,
        name: 'www.example.com',
        recordType: 'A',
        from: ['primary'],
        to: ['secondary'],
        previousTtlSeconds: 60,
        clientsMoveBy: at + 60_000,
      }),
    ).toBe('[12:00:03] DNS www.example.com → secondary at 12:00:03; clients caching for 60 s move by 12:01:03');
  });

  test('§7.2 a Route 53 health check that changes says how many checkers agree', () => {
    const at = Date.UTC(2025, 0, 1, 12, 0, 3);
    expect(
      route53HealthLine({ at, healthCheckId: 'Dns/Check', healthy: false, checkers: { healthy: 2, total: 16 } }),
    ).toBe('[12:00:03] Route 53 health check Dns/Check: unhealthy (2 of 16 checkers healthy)');
    expect(route53HealthLine({ at, healthCheckId: 'Dns/Calc', healthy: true })).toBe(
      '[12:00:03] Route 53 health check Dns/Calc: healthy',
    );
  });

  test('the start-up section lists answers, each zone’s node address (§2.4), health-check targets and ready-to-paste dig and curl lines', () => {
    const d: DnsDescription = {
      server: '127.0.0.1:5300',
      zones: ['example.com'],
      records: [{ name: 'www.example.com', type: 'A', answer: ['127.1.1.1'], record: 'primary' }],
      nodeAddresses: true,
      loadBalancers: [
        {
          id: 'WebPrimary/Web',
          dnsName: 'web-1.us-east-1.elb.amazonaws.com',
          addresses: ['127.1.1.1'],
          endpoints: [
            {
              listenerId: 'WebPrimary/Web/Https',
              protocol: 'HTTPS',
              awsPort: 443,
              availabilityZone: 'us-east-1a',
              address: '127.1.1.1',
              port: 8443,
            },
            {
              listenerId: 'WebPrimary/Web/Https',
              protocol: 'HTTPS',
              awsPort: 443,
              availabilityZone: 'us-east-1b',
              address: '127.1.1.2',
              port: 8443,
            },
          ],
        },
      ],
      healthChecks: [
        {
          healthCheckId: 'WebPrimary/Web/Failover/HealthCheck',
          type: 'HTTPS',
          probes: 'listener WebPrimary/Web/Https (127.0.0.1:8443)',
          probed: true,
          healthy: true,
        },
      ],
    };
    const text = formatDns(d).join('\n');
    expect(text).toContain('DNS for the Route 53 hosted zones (example.com) on 127.0.0.1:5300, UDP and TCP');
    expect(text).toMatch(/www\.example\.com +A +127\.1\.1\.1 +primary/);
    expect(text).toContain('WebPrimary/Web: web-1.us-east-1.elb.amazonaws.com → 127.1.1.1\n');
    expect(text).toContain('    node us-east-1a: 127.1.1.1  (HTTPS:443 → 8443)\n');
    expect(text).toContain('    node us-east-1b: 127.1.1.2  (HTTPS:443 → 8443)  not in DNS\n');
    expect(text).toContain(
      'WebPrimary/Web/Failover/HealthCheck  HTTPS → listener WebPrimary/Web/Https (127.0.0.1:8443)  healthy',
    );
    expect(text).toContain('  dig @127.0.0.1 -p 5300 www.example.com');
    expect(text).toContain(
      '  curl -sk --resolve "www.example.com:8443:$(dig @127.0.0.1 -p 5300 +short www.example.com | head -1)" https://www.example.com:8443/',
    );
  });
});
