/** What `ha-sim start` prints: the endpoint table, health transitions and the periodic summary line. */
import { SIM_REGION } from '../model/ids';
import type { DnsAnswerChange, HealthCheckStatusChange } from '../core/engine';
import type { DnsDescription, EndpointsDescription } from '../live/endpoints';
import type { HealthChange, ReloadSummary, Simulator } from '../live/simulator';
import { healthStyle, timeOfDay, type painter } from './output';

type Paint = ReturnType<typeof painter>;
const plain: Paint = (_style, text) => text;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Columns padded to the widest cell; `paint` colours a cell after padding. */
function table(rows: string[][], paint?: (row: number, col: number, text: string) => string): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, ri) =>
      r
        .map((c, i) => {
          const cell = pad(c, widths[i]);
          return paint ? paint(ri, i, cell) : cell;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The endpoint table printed at start-up (exported for tests). */
export function formatEndpoints(e: EndpointsDescription, paint: Paint = plain): string {
  const out: string[] = [];
  for (const lb of e.loadBalancers) {
    out.push(
      paint('bold', `Load balancer ${lb.id} (${lb.type}, ${lb.dimension})`) +
        ` in ${lb.availabilityZones
          .map((z) => (e.failedZones.includes(z) ? `${z} (${paint('red', 'failed')})` : z))
          .join(', ')}`,
    );
    for (const l of lb.listeners) {
      out.push(`  ${l.protocol}:${l.port}  ${l.url ?? '(not simulated by the live proxy)'}   [${l.id}]`);
      const rows = [
        ['    priority', 'conditions', 'action'],
        ...l.rules.map((r) => [`    ${r.priority}`, r.conditions, r.action]),
      ];
      out.push(table(rows));
    }
  }
  out.push('');
  for (const tg of e.targetGroups) {
    out.push(
      paint('bold', `Target group ${tg.id}`) +
        ` (${tg.protocol ?? '-'}:${tg.port ?? '-'}) health check: ${tg.healthCheck}`,
    );
    if (tg.targets.length === 0) out.push('    (no registered targets)');
    else {
      const rows = [
        ['    #', 'target', 'backend', 'zone', 'state', 'reason'],
        ...tg.targets.map((t) => [
          `    ${t.index}`,
          t.address,
          t.backend ?? '-',
          t.availabilityZone ?? '-',
          t.state,
          t.reason ?? '',
        ]),
      ];
      out.push(table(rows, (r, c, text) => (r > 0 && c === 4 ? paint(healthStyle(text.trim()), text) : text)));
    }
  }
  if (e.dns) out.push('', ...formatDns(e.dns, paint));
  if (e.testIdp) {
    out.push(`Test identity provider: ${e.testIdp} (authenticate actions log in here; any user name; not AWS)`);
  }
  if (e.api) out.push(`AWS API: ${e.api} (ELBv2 and Route 53; any credentials, Region ${SIM_REGION})`);
  if (e.issues.length > 0) out.push('', 'Not simulated:', ...e.issues.map((i) => `  ${i}`));
  return out.join('\n');
}

/**
 * The admin port's lines of the start-up text: the dashboard to open, the JSON and Prometheus paths, and
 * a ready-to-paste control with the run's token (controls are POST with the token, never GET).
 */
export function formatAdmin(url: string, token: string, boundHost?: string, paint: Paint = plain): string {
  const all = boundHost === '0.0.0.0' || boundHost === '::';
  return [
    '',
    `${paint('bold', 'Dashboard:')} ${url}/${all ? `   (listening on every interface, ${boundHost})` : ''}`,
    `Stats: ${url}/stats   Metrics: ${url}/metrics   Requests: ${url}/api/requests`,
    `Controls: curl -X POST -H 'X-HA-Sim-Token: ${token}' ${url}/_sim/targets/<tg>/<i>/<verb>`,
  ].join('\n');
}

/**
 * A ready-to-paste AWS CLI line against the simulator's API: the health of the first target group that
 * has targets (dummy credentials; the API does not check them). Undefined without an API.
 */
export function awsCliLine(e: EndpointsDescription): string | undefined {
  const tg = e.targetGroups.find((t) => t.targets.length > 0) ?? e.targetGroups[0];
  if (!e.api || !tg) return undefined;
  return `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=${SIM_REGION} aws --endpoint-url ${e.api} elbv2 describe-target-health --target-group-arn ${tg.arn}`;
}

/**
 * The DNS part of the start-up text: the server, each name with what it answers now, the load balancers'
 * node addresses, where Route 53 probes go, and ready-to-paste `dig` and `curl` lines.
 */
export function formatDns(d: DnsDescription, paint: Paint = plain): string[] {
  const [host, port] = [d.server.slice(0, d.server.lastIndexOf(':')), d.server.slice(d.server.lastIndexOf(':') + 1)];
  const dig = (name: string, extra = '') => `dig @${host} -p ${port}${extra} ${name}`;
  const out = [
    paint('bold', `DNS for the Route 53 hosted zones (${d.zones.join(', ') || 'none'})`) +
      ` on ${d.server}, UDP and TCP`,
  ];
  const rows = [
    ['    name', 'type', 'answer now', 'record'],
    ...d.records.map((r) => [`    ${r.name}`, r.type, r.answer.join(' ') || '(no data)', r.record ?? '-']),
  ];
  if (d.records.length > 0) out.push(table(rows));
  for (const lb of d.loadBalancers) {
    out.push(`  ${lb.id}: ${lb.dnsName} → ${lb.addresses.join(' ') || '(no address)'}`);
    // one node per Availability Zone, each at its own loopback address (§2.4)
    const zones = [...new Set(lb.endpoints.map((e) => e.availabilityZone))];
    for (const zone of zones) {
      const ends = lb.endpoints.filter((e) => e.availabilityZone === zone);
      const address = ends[0]?.address ?? '';
      const ports = ends.map((e) => `${e.protocol}:${e.awsPort} → ${e.port}`).join(', ');
      out.push(`    node ${zone}: ${address}  (${ports})${lb.addresses.includes(address) ? '' : '  not in DNS'}`);
    }
  }
  if (!d.nodeAddresses) {
    out.push('  (127.1.n.z node addresses cannot be bound here: every load balancer answers with the host address)');
  }
  if (d.healthChecks.length > 0) {
    out.push('Route 53 health checks (each from 2 checkers per Region, simulator choice route53_checkers):');
    for (const h of d.healthChecks) {
      const state = h.healthy ? paint('green', 'healthy') : paint('red', 'unhealthy');
      out.push(`  ${h.healthCheckId}  ${h.type} → ${h.probes}  ${state}`);
    }
  }
  const named = d.records.filter((r) => r.type === 'A').map((r) => r.name);
  if (named.length > 0) {
    out.push('Try:');
    for (const name of named) out.push(`  ${dig(name)}`);
    // a listener on the node address of whichever load balancer DNS answers with (the same port on every node)
    const web = d.loadBalancers
      .flatMap((lb) => lb.endpoints)
      .find((e) => e.protocol === 'HTTPS' || e.protocol === 'HTTP');
    if (web && d.nodeAddresses) {
      const scheme = web.protocol === 'HTTPS' ? 'https' : 'http';
      const name = named[0];
      out.push(
        `  curl -sk --resolve "${name}:${web.port}:$(${dig(name, ' +short')} | head -1)" ${scheme}://${name}:${web.port}/`,
      );
    }
  }
  return out;
}

/** §7.2 a Route 53 health check changed: `[t] Route 53 health check X: unhealthy (2 of 16 checkers healthy)`. */
export function route53HealthLine(c: HealthCheckStatusChange, paint: Paint = plain): string {
  const state = c.healthy ? paint('green', 'healthy') : paint('red', 'unhealthy');
  const checkers = c.checkers ? ` (${c.checkers.healthy} of ${c.checkers.total} checkers healthy)` : '';
  return `[${timeOfDay(new Date(c.at))}] Route 53 health check ${c.healthCheckId}: ${state}${checkers}`;
}

/** §7.6 a change of answer: `www.example.com → secondary at 12:00:03; clients caching for 60 s move by 12:01:03`. */
export function dnsChangeLine(c: DnsAnswerChange, paint: Paint = plain): string {
  const what = `${c.name}${c.recordType === 'A' ? '' : ` ${c.recordType}`}`;
  const to = c.to.join(', ') || '(nothing)';
  return `[${timeOfDay(new Date(c.at))}] DNS ${what} → ${paint('bold', to)} at ${timeOfDay(new Date(c.at))}; clients caching for ${c.previousTtlSeconds} s move by ${timeOfDay(new Date(c.clientsMoveBy))}`;
}

/** `WebPrimary/Web/Site/Resource` → `WebPrimary/Site` (stack and construct name). */
function shortId(id: string): string {
  const parts = id.replace(/(\/Resource)+$/, '').split('/');
  return parts.length <= 2 ? parts.join('/') : `${parts[0]}/${parts[parts.length - 1]}`;
}

/** One line of totals: requests, ELB and target errors, healthy targets per group. */
export function summaryLine(sim: Simulator): string {
  const snap = sim.metrics.snapshot();
  let requests = 0;
  let elb5xx = 0;
  let elb4xx = 0;
  for (const c of Object.values(snap.loadBalancers)) {
    requests += c.RequestCount ?? 0;
    elb5xx += c.HTTPCode_ELB_5XX_Count ?? 0;
    elb4xx += c.HTTPCode_ELB_4XX_Count ?? 0;
  }
  let t5xx = 0;
  for (const c of Object.values(snap.targetGroups)) t5xx += c.HTTPCode_Target_5XX_Count ?? 0;
  const groups = sim
    .endpoints()
    .targetGroups.filter((tg) => tg.targets.length > 0)
    .map(
      (tg) =>
        `${shortId(tg.id)} ${tg.targets.filter((t) => t.state === 'healthy').length}/${tg.targets.length} healthy`,
    );
  return `[${timeOfDay()}] requests ${requests} | ELB 4xx ${elb4xx} 5xx ${elb5xx} | target 5xx ${t5xx} | ${groups.join(' | ')}`;
}

/**
 * An Availability Zone failed or came back: `[time] Availability Zone us-east-1b failed: nodes out of DNS
 * (WebPrimary/Web 127.1.1.2)`.
 */
export function zoneLine(
  sim: Simulator,
  c: { readonly availabilityZone: string; readonly failed: boolean; readonly at: number },
  paint: Paint = plain,
): string {
  const zone = sim.zones().find((z) => z.availabilityZone === c.availabilityZone);
  const nodes = (zone?.loadBalancers ?? []).map((lb) => `${lb.id}${lb.nodeAddress ? ` ${lb.nodeAddress}` : ''}`);
  const what = c.failed
    ? `${paint('red', 'failed')}: its nodes stopped and left DNS, its targets are down`
    : `${paint('green', 'recovered')}: its nodes probe and serve again`;
  return `[${timeOfDay(new Date(c.at))}] Availability Zone ${c.availabilityZone} ${what}${nodes.length > 0 ? ` (${nodes.join(', ')})` : ''}`;
}

/** A health transition: `[time] tg name (addr): from → to (reason)`. */
export function healthLine(sim: Simulator, c: HealthChange, paint: Paint = plain): string {
  const name = sim.targets(c.targetGroupId).controls[c.index]?.name ?? `${c.target.targetId}:${c.target.port}`;
  const to = paint(healthStyle(c.to), c.to);
  return `[${timeOfDay()}] ${c.targetGroupId} ${name} (${c.target.targetId}:${c.target.port}): ${c.from} → ${to}${c.reason ? ` (${c.reason})` : ''}`;
}

/** What a reload changed, in one line ("no change" when nothing did). */
export function reloadLine(s: ReloadSummary): string {
  const parts: string[] = [];
  const add = (list: readonly string[], what: string): void => {
    if (list.length > 0) parts.push(`${what} ${list.join(', ')}`);
  };
  add(s.listenersRerouted, 'rules changed on');
  add(s.listenersStarted, 'started');
  add(s.listenersRestarted, 'restarted');
  add(s.listenersStopped, 'stopped');
  add(s.targetGroupsAdded, 'new target groups');
  add(s.targetGroupsRemoved, 'draining target groups');
  return parts.length > 0 ? parts.join('; ') : 'no change to load balancers, listeners, rules or target groups';
}
