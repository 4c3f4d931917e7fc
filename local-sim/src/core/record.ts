/**
 * One finished exchange → what it counts in the CloudWatch metrics (§5.6) and its access-log line (§5.5).
 * Both shells hand their exchanges to the same recorder, so metrics and log lines agree between live
 * and virtual time. Pure.
 */
import type { AccessLogEntry, AccessLogType } from './access-log';
import type { ExchangeObservation } from './exchange';
import { normaliseAddress } from './headers';
import type { Metrics, RequestObservation } from './metrics';

/** What one exchange adds to the metrics. */
export function metricsOf(o: ExchangeObservation): RequestObservation {
  const relayed = !o.generated;
  // one plain object, optional fields left undefined: this runs for every request
  return {
    loadBalancer: o.loadBalancer,
    targetGroup: o.targetGroup?.dimension,
    targetChosen: o.targetChosen,
    elbStatusCode: o.generated ? o.status : undefined,
    targetStatusCode: relayed ? o.targetStatus : undefined,
    target: o.target,
    action: o.action,
    ruleEvaluations: o.matchedRulePriority !== undefined ? 1 : undefined,
    nonSticky: o.stickiness === 'new' || o.stickiness === 'repick',
    unhealthyRouting: o.failOpen === true,
    targetConnectionError: o.targetConnectionError === true,
    targetResponseTime: relayed && o.targetProcessingMs >= 0 ? o.targetProcessingMs / 1000 : undefined,
    // §5.6 ProcessedBytes: traffic to and from clients
    processedBytes: o.receivedBytes + o.sentBytes,
    invalidHeaders: o.invalidHeaders,
    nonCompliant: o.classification.class !== 'Compliant',
  };
}

function logType(o: ExchangeObservation): AccessLogType {
  const tls = o.scheme === 'https';
  if (o.request.upgrade) return tls ? 'wss' : 'ws';
  if (o.request.httpVersion === '2.0') return 'h2';
  return tls ? 'https' : 'http';
}

function header(o: ExchangeObservation, name: string): string | undefined {
  for (const [k, v] of o.request.headers) if (k.length === name.length && k.toLowerCase() === name) return v;
  return undefined;
}

/** Path and query of the request for the `request` field (absolute-form targets keep only their path). */
function pathOf(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  return m ? target.slice(m[0].length) || '/' : target;
}

const seconds = (ms: number): number => (ms < 0 ? -1 : ms / 1000);

/** The access-log entry of one exchange (§5.5). `certificateArn`: the listener's default certificate. */
export function accessLogEntryOf(o: ExchangeObservation, certificateArn?: string): AccessLogEntry {
  const tls = o.scheme === 'https' ? o.request.tls : undefined;
  const type = logType(o);
  const dispatched = o.target !== undefined;
  const parsed = o.request.method !== '';
  const host = (header(o, 'host') ?? '').replace(/:\d+$/, '') || '127.0.0.1';
  const scheme = type === 'ws' || type === 'wss' ? type : o.scheme;
  const userAgent = header(o, 'user-agent');
  return {
    type,
    timeMs: o.finishedAtMs,
    elb: o.loadBalancer,
    clientIp: normaliseAddress(o.request.client.address),
    clientPort: o.request.client.port,
    ...(o.target ? { target: { ip: o.target.targetId, port: o.target.port } } : {}),
    requestProcessingTime: seconds(o.requestProcessingMs),
    targetProcessingTime: dispatched ? seconds(o.targetProcessingMs) : -1,
    responseProcessingTime: dispatched ? seconds(o.responseProcessingMs) : -1,
    elbStatusCode: o.status,
    ...(o.targetStatus !== undefined ? { targetStatusCode: o.targetStatus } : {}),
    receivedBytes: o.receivedBytes,
    sentBytes: o.sentBytes,
    ...(parsed
      ? {
          request: {
            method: o.request.method,
            url: `${scheme}://${host}:${o.listenerPort}${pathOf(o.request.target)}`,
            httpVersion: o.request.httpVersion,
          },
        }
      : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
    ...(tls?.cipher ? { sslCipher: tls.cipher } : {}),
    ...(tls?.protocol ? { sslProtocol: tls.protocol } : {}),
    ...(o.targetGroup ? { targetGroupArn: o.targetGroup.arn } : {}),
    ...(o.traceId ? { traceId: o.traceId } : {}),
    ...(tls?.servername ? { domainName: tls.servername } : {}),
    ...(o.scheme === 'https' && certificateArn ? { chosenCertArn: certificateArn } : {}),
    ...(o.matchedRulePriority !== undefined ? { matchedRulePriority: o.matchedRulePriority } : {}),
    requestCreationTimeMs: o.receivedAtMs,
    actionsExecuted: o.actions,
    ...(o.redirectUrl !== undefined ? { redirectUrl: o.redirectUrl } : {}),
    ...(o.cause ? { simCause: o.cause } : {}),
    ...(o.target ? { targetPortList: [`${o.target.targetId}:${o.target.port}`] } : {}),
    ...(o.targetStatus !== undefined ? { targetStatusCodeList: [o.targetStatus] } : {}),
    ...(o.classification.class !== 'Compliant'
      ? { classification: o.classification.class, classificationReason: o.classification.reason }
      : {}),
  };
}

/** Where access-log lines go; `active()` false means nobody takes them (then none is built). */
export interface AccessLogSink {
  active(): boolean;
  write(entry: AccessLogEntry): void;
}

/**
 * The recorder both shells use: every exchange counts in `metrics`; an access-log entry is built only
 * while the sink is active. `observe` sees every observation (request timelines, tests).
 */
export function exchangeRecorder(
  metrics: Metrics,
  sink: AccessLogSink,
  certificateArn: (o: ExchangeObservation) => string | undefined = () => undefined,
  observe?: (o: ExchangeObservation) => void,
): (o: ExchangeObservation) => void {
  return (o) => {
    metrics.recordRequest(metricsOf(o));
    if (sink.active()) sink.write(accessLogEntryOf(o, certificateArn(o)));
    observe?.(o);
  };
}
