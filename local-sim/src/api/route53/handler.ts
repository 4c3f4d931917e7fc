/**
 * The Route 53 REST/XML API (2013-04-01): ListHostedZones, GetHostedZone, ListResourceRecordSets,
 * ChangeResourceRecordSets, GetChange, ListHealthChecks, GetHealthCheck, GetHealthCheckStatus. Routes on
 * method and path, reads the model through `Route53Context`, and answers AWS's XML documents and error
 * shape. A record change is applied to the running simulator as a new model, so DNS answers
 * (`Engine.resolveRecord`) follow it. No sockets.
 */
import type { CheckerObservation as EngineCheckerObservation } from '../../core/route53-checks';
import { ROUTE53_HEALTH_CHECK_REGIONS } from '@ha-load-balancer/spec';
import type { Route53HealthCheckModel, SimModel } from '../../model/types';
import { healthCheckApiId, loadBalancerDnsName } from '../../model/ids';
import { ApiError } from '../errors';
import { parseXml, xmlDocument, type XmlNode } from '../xml';
import {
  changeRecordSets,
  findZone,
  hostedZones,
  normalizeName,
  recordOrder,
  recordShape,
  reversed,
  type ApiRecordSet,
  type HostedZone,
  type RecordChange,
} from './zones';

export const ROUTE53_VERSION = '2013-04-01';
export const ROUTE53_NAMESPACE = `https://route53.amazonaws.com/doc/${ROUTE53_VERSION}/`;

/** What one health checker (one Region) last saw, as GetHealthCheckStatus reports it. */
export interface CheckerObservation {
  readonly region: string;
  readonly ipAddress: string;
  /** `Success: ...` or `Failure: ...`, as Route 53 words its status reports. */
  readonly status: string;
  /** When the checker's last result came in (ms since the epoch). */
  readonly checkedAt: number;
}

/** A change batch Route 53 accepted (for GetChange). */
export interface ChangeRecord {
  readonly id: string;
  readonly submittedAt: number;
  readonly comment?: string;
}

/** What the Route 53 API needs from the running simulator. */
export interface Route53Context {
  /** The model as declared (template plus API changes). */
  model(): SimModel;
  apply(model: SimModel): Promise<void>;
  /** Per-checker observations of a health check (§7.1, §7.2). */
  observations(healthCheck: Route53HealthCheckModel): readonly CheckerObservation[];
  now(): number;
  /** Accepted change batches by id (the API keeps them for GetChange). */
  readonly changes: Map<string, ChangeRecord>;
  /** A new change id (`C` and upper-case letters and digits). */
  newChangeId(): string;
  /** A new model id for a record set created through the API. */
  newRecordId(): string;
}

export interface Route53Request {
  readonly method: string;
  /** Path without the query string, e.g. `/2013-04-01/hostedzone/Z1/rrset`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

/**
 * Observations when only the aggregate status is known: every checker Region of the check (its `Regions`,
 * else all of them) reports that status. Used until the engine tracks each checker on its own.
 */
export function uniformObservations(
  hc: Route53HealthCheckModel,
  healthy: boolean | undefined,
  at: number,
): CheckerObservation[] {
  const regions = hc.regions.length > 0 ? hc.regions : ROUTE53_HEALTH_CHECK_REGIONS;
  const status =
    healthy === false
      ? 'Failure: the endpoint failed the health check (FailureThreshold consecutive failures)'
      : 'Success: the endpoint passed the health check';
  return regions.map((region) => ({ region, ipAddress: '127.0.0.1', status, checkedAt: at }));
}

/**
 * Observations of a health check as the engine tracks them: one per checker (§7.2), each with the
 * status line of its last probe. Checkers that have not probed yet report the verdict they start with.
 * Falls back to `uniformObservations` when the engine has no checkers for the check (for example a
 * disabled one).
 */
export function checkerObservations(
  hc: Route53HealthCheckModel,
  checkers: readonly EngineCheckerObservation[] | undefined,
  healthy: boolean | undefined,
  at: number,
): CheckerObservation[] {
  if (!checkers || checkers.length === 0) return uniformObservations(hc, healthy, at);
  return checkers.map((c) => ({
    region: c.region,
    ipAddress: '127.0.0.1',
    status:
      c.status ??
      (c.healthy
        ? 'Success: the endpoint passed the health check'
        : 'Failure: the endpoint failed the health check (FailureThreshold consecutive failures)'),
    checkedAt: c.checkedAt ?? at,
  }));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function maxItems(q: URLSearchParams, dflt: number): number {
  const v = q.get('maxitems');
  if (v === null) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1)
    throw new ApiError('InvalidInput', `Invalid request: maxitems must be a positive integer, got '${v}'`);
  return Math.min(n, dflt);
}

function zoneShape(z: HostedZone): XmlNode {
  return {
    Id: `/hostedzone/${z.id}`,
    Name: z.name,
    CallerReference: `ha-sim-${z.id}`,
    Config: { PrivateZone: false },
    ResourceRecordSetCount: z.records.length,
  };
}

function healthCheckShape(model: SimModel, hc: Route53HealthCheckModel): XmlNode {
  const fqdn = hc.fullyQualifiedDomainName;
  const lb = fqdn?.startsWith('lb:') ? model.loadBalancers.find((b) => b.id === fqdn.slice(3)) : undefined;
  const calculated = hc.type === 'CALCULATED';
  const childId = (id: string): string => {
    const child = model.healthChecks.find((h) => h.id === id || h.logicalId === id);
    return child ? healthCheckApiId(child) : id;
  };
  return {
    Id: healthCheckApiId(hc),
    CallerReference: `ha-sim-${hc.id}`,
    HealthCheckConfig: {
      IPAddress: hc.ipAddress,
      Port: hc.port,
      Type: hc.type,
      ResourcePath: hc.resourcePath,
      FullyQualifiedDomainName: lb ? loadBalancerDnsName(lb) : fqdn,
      SearchString: hc.searchString,
      RequestInterval: calculated ? undefined : hc.requestIntervalSeconds,
      FailureThreshold: calculated ? undefined : hc.failureThreshold,
      MeasureLatency: hc.measureLatency,
      Inverted: hc.inverted,
      Disabled: hc.disabled,
      HealthThreshold: hc.healthThreshold,
      ChildHealthChecks: calculated ? { ChildHealthCheck: hc.childHealthChecks.map(childId) } : undefined,
      EnableSNI: hc.enableSni,
      Regions: hc.regions.length > 0 ? { Region: hc.regions } : undefined,
      AlarmIdentifier: hc.alarmIdentifier
        ? { Region: hc.alarmIdentifier.region, Name: hc.alarmIdentifier.name }
        : undefined,
      InsufficientDataHealthStatus: hc.insufficientDataHealthStatus,
    },
    HealthCheckVersion: 1,
  };
}

function findHealthCheck(model: SimModel, id: string): Route53HealthCheckModel {
  const hc = model.healthChecks.find((h) => healthCheckApiId(h) === id);
  if (!hc) throw new ApiError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
  return hc;
}

/** The text of child element `name`, or undefined. */
function text(node: unknown, name: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const v = (node as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

function integer(node: unknown, name: string): number | undefined {
  const v = text(node, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new ApiError('InvalidInput', `Invalid request: ${name} '${v}' is not an integer`);
  return Number(v);
}

/** The changes of a `ChangeResourceRecordSetsRequest` body. */
export function parseChangeBatch(body: string): { changes: RecordChange[]; comment?: string } {
  let parsed;
  try {
    parsed = parseXml(body);
  } catch (err) {
    throw new ApiError('InvalidInput', `Invalid XML: ${(err as Error).message}`);
  }
  if (parsed.root !== 'ChangeResourceRecordSetsRequest') {
    throw new ApiError('InvalidInput', `Invalid request: expected ChangeResourceRecordSetsRequest, got ${parsed.root}`);
  }
  const batch = child(parsed.content, 'ChangeBatch');
  const list = child(child(batch, 'Changes'), 'Change');
  const changes = (Array.isArray(list) ? list : []).map((c): RecordChange => {
    const action = text(c, 'Action');
    if (action !== 'CREATE' && action !== 'DELETE' && action !== 'UPSERT') {
      throw new ApiError(
        'InvalidInput',
        `Invalid request: Action must be CREATE, DELETE or UPSERT, got '${action ?? ''}'`,
      );
    }
    const rrs = child(c, 'ResourceRecordSet');
    const name = text(rrs, 'Name');
    const type = text(rrs, 'Type');
    if (!name || !type) throw new ApiError('InvalidInput', 'Invalid request: a ResourceRecordSet needs Name and Type');
    for (const unsupported of [
      'Region',
      'GeoLocation',
      'GeoProximityLocation',
      'CidrRoutingConfig',
      'MultiValueAnswer',
      'TrafficPolicyInstanceId',
    ]) {
      if (child(rrs, unsupported) !== undefined) {
        throw new ApiError('InvalidInput', `Invalid request: ${unsupported} routing is not simulated`);
      }
    }
    const values = child(child(rrs, 'ResourceRecords'), 'ResourceRecord');
    const alias = child(rrs, 'AliasTarget');
    const record: ApiRecordSet = {
      name,
      type,
      setIdentifier: text(rrs, 'SetIdentifier'),
      weight: integer(rrs, 'Weight'),
      failover: text(rrs, 'Failover'),
      ttl: integer(rrs, 'TTL'),
      resourceRecords: Array.isArray(values) ? values.map((v) => text(v, 'Value') ?? '') : undefined,
      aliasTarget:
        alias !== undefined
          ? {
              hostedZoneId: text(alias, 'HostedZoneId') ?? '',
              dnsName: text(alias, 'DNSName') ?? '',
              evaluateTargetHealth: text(alias, 'EvaluateTargetHealth') === 'true',
            }
          : undefined,
      healthCheckId: text(rrs, 'HealthCheckId'),
    };
    return { action, record };
  });
  const comment = text(batch, 'Comment');
  return { changes, ...(comment !== undefined ? { comment } : {}) };
}

type Route = (
  m: readonly string[],
  req: Route53Request,
  ctx: Route53Context,
) => Promise<[string, XmlNode]> | [string, XmlNode];

const ROUTES: readonly (readonly [string, RegExp, Route])[] = [
  [
    'GET',
    /^\/hostedzone\/?$/,
    (_m, req, ctx) => {
      const zones = hostedZones(ctx.model());
      const marker = req.query.get('marker');
      const max = maxItems(req.query, 100);
      const start = marker === null ? 0 : zones.findIndex((z) => z.id === marker);
      if (start < 0) throw new ApiError('InvalidInput', `Invalid request: marker '${marker}' is not a hosted zone id`);
      const items = zones.slice(start, start + max);
      const next = zones[start + max];
      return [
        'ListHostedZonesResponse',
        {
          HostedZones: { HostedZone: items.map(zoneShape) },
          Marker: marker ?? '',
          IsTruncated: next !== undefined,
          NextMarker: next?.id,
          MaxItems: max,
        },
      ];
    },
  ],
  [
    'GET',
    /^\/hostedzone\/([^/]+)$/,
    (m, _r, ctx) => ['GetHostedZoneResponse', { HostedZone: zoneShape(findZone(ctx.model(), m[1])) }],
  ],
  [
    'GET',
    /^\/hostedzone\/([^/]+)\/rrset\/?$/,
    (m, req, ctx) => {
      const model = ctx.model();
      const zone = findZone(model, m[1]);
      const q = req.query;
      const max = maxItems(q, 300);
      const name = q.get('name');
      const type = q.get('type');
      const identifier = q.get('identifier');
      if (type !== null && name === null)
        throw new ApiError('InvalidInput', 'Invalid request: type is allowed only together with name');
      if (identifier !== null && type === null)
        throw new ApiError('InvalidInput', 'Invalid request: identifier is allowed only together with type');
      const records = [...zone.records].sort(recordOrder);
      const from = (r: (typeof records)[number]): boolean => {
        if (name === null) return true;
        const c = reversed(r.name).localeCompare(reversed(name));
        if (c !== 0) return c > 0;
        if (type === null) return true;
        const t = r.type.localeCompare(type);
        if (t !== 0) return t > 0;
        return identifier === null || (r.setIdentifier ?? '').localeCompare(identifier) >= 0;
      };
      const start = records.findIndex(from);
      const rest = start < 0 ? [] : records.slice(start);
      const items = rest.slice(0, max);
      const next = rest[max];
      return [
        'ListResourceRecordSetsResponse',
        {
          ResourceRecordSets: { ResourceRecordSet: items.map((r) => recordShape(model, r)) },
          IsTruncated: next !== undefined,
          NextRecordName: next ? `${normalizeName(next.name)}.` : undefined,
          NextRecordType: next?.type,
          NextRecordIdentifier: next?.setIdentifier,
          MaxItems: max,
        },
      ];
    },
  ],
  [
    'POST',
    /^\/hostedzone\/([^/]+)\/rrset\/?$/,
    async (m, req, ctx) => {
      const { changes, comment } = parseChangeBatch(req.body);
      const next = changeRecordSets(ctx.model(), m[1], changes, () => ctx.newRecordId());
      await ctx.apply(next);
      const change: ChangeRecord = {
        id: ctx.newChangeId(),
        submittedAt: ctx.now(),
        ...(comment !== undefined ? { comment } : {}),
      };
      ctx.changes.set(change.id, change);
      // Route 53 answers PENDING; the simulator has applied the change already, so GetChange says INSYNC.
      return [
        'ChangeResourceRecordSetsResponse',
        {
          ChangeInfo: {
            Id: `/change/${change.id}`,
            Status: 'PENDING',
            SubmittedAt: iso(change.submittedAt),
            Comment: change.comment,
          },
        },
      ];
    },
  ],
  [
    'GET',
    /^\/change\/([^/]+)$/,
    (m, _r, ctx) => {
      const id = m[1].replace(/^\/?change\//, '');
      const change = ctx.changes.get(id);
      if (!change)
        throw new ApiError('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
      return [
        'GetChangeResponse',
        {
          ChangeInfo: {
            Id: `/change/${change.id}`,
            Status: 'INSYNC',
            SubmittedAt: iso(change.submittedAt),
            Comment: change.comment,
          },
        },
      ];
    },
  ],
  [
    'GET',
    /^\/healthcheck\/?$/,
    (_m, req, ctx) => {
      const model = ctx.model();
      const checks = [...model.healthChecks].sort((a, b) => healthCheckApiId(a).localeCompare(healthCheckApiId(b)));
      const marker = req.query.get('marker');
      const max = maxItems(req.query, 100);
      const start = marker === null ? 0 : checks.findIndex((h) => healthCheckApiId(h) === marker);
      if (start < 0) throw new ApiError('InvalidInput', `Invalid request: marker '${marker}' is not a health check id`);
      const items = checks.slice(start, start + max);
      const next = checks[start + max];
      return [
        'ListHealthChecksResponse',
        {
          HealthChecks: { HealthCheck: items.map((h) => healthCheckShape(model, h)) },
          Marker: marker ?? '',
          IsTruncated: next !== undefined,
          NextMarker: next ? healthCheckApiId(next) : undefined,
          MaxItems: max,
        },
      ];
    },
  ],
  [
    'GET',
    /^\/healthcheck\/([^/]+)$/,
    (m, _r, ctx) => {
      const model = ctx.model();
      return ['GetHealthCheckResponse', { HealthCheck: healthCheckShape(model, findHealthCheck(model, m[1])) }];
    },
  ],
  [
    'GET',
    /^\/healthcheck\/([^/]+)\/status$/,
    (m, _r, ctx) => {
      const hc = findHealthCheck(ctx.model(), m[1]);
      if (hc.type === 'CALCULATED') {
        throw new ApiError(
          'InvalidInput',
          'Invalid request: GetHealthCheckStatus does not support calculated health checks',
        );
      }
      return [
        'GetHealthCheckStatusResponse',
        {
          HealthCheckObservations: {
            HealthCheckObservation: ctx.observations(hc).map((o) => ({
              Region: o.region,
              IPAddress: o.ipAddress,
              StatusReport: { Status: o.status, CheckedTime: iso(o.checkedAt) },
            })),
          },
        },
      ];
    },
  ],
];

/** Run one Route 53 request; returns AWS's XML document. Throws `ApiError` (render it with `route53ErrorDocument`). */
export async function handleRoute53(req: Route53Request, ctx: Route53Context): Promise<string> {
  const prefix = `/${ROUTE53_VERSION}`;
  if (!req.path.startsWith(`${prefix}/`)) throw new ApiError('InvalidAction', `No Route 53 operation at ${req.path}`);
  const path = req.path.slice(prefix.length);
  for (const [method, pattern, route] of ROUTES) {
    const m = pattern.exec(path);
    if (!m || req.method !== method) continue;
    const [root, body] = await route([...m].map(safeDecode), req, ctx);
    return xmlDocument(root, ROUTE53_NAMESPACE, body);
  }
  throw new ApiError('InvalidAction', `${req.method} ${req.path} is not a Route 53 operation the simulator answers`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** AWS's REST/XML error document. */
export function route53ErrorDocument(err: ApiError, requestId: string): string {
  return xmlDocument('ErrorResponse', ROUTE53_NAMESPACE, {
    Error: { Type: err.type, Code: err.code, Message: err.message },
    RequestId: requestId,
  });
}
