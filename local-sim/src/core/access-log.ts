/**
 * One ALB access-log entry (docs/aws-behaviour.md §5.5): 30 space-separated fields in AWS's order, quoted
 * fields in double quotes, `-` for a missing value and `-1` for processing times of a request that was
 * not dispatched. Pure: the caller supplies every time.
 */

export type AccessLogType = 'http' | 'https' | 'h2' | 'grpcs' | 'ws' | 'wss';

export interface AccessLogEntry {
  readonly type: AccessLogType;
  /** Time the load balancer generated the response (ms since epoch). For WebSockets: close time. */
  readonly timeMs: number;
  /** Load-balancer resource id, e.g. `app/my-lb/50dc6c495c0c9188`. */
  readonly elb: string;
  readonly clientIp: string;
  readonly clientPort: number;
  /** Target address, or undefined when the request was not dispatched. */
  readonly target?: { readonly ip: string; readonly port: number };
  /** Seconds, or -1 when not dispatched (§5.5). */
  readonly requestProcessingTime: number;
  readonly targetProcessingTime: number;
  readonly responseProcessingTime: number;
  readonly elbStatusCode?: number;
  readonly targetStatusCode?: number;
  readonly receivedBytes: number;
  readonly sentBytes: number;
  /** `METHOD scheme://host:port/uri HTTP/x`; undefined for a request that could not be parsed. */
  readonly request?: { readonly method: string; readonly url: string; readonly httpVersion: string };
  readonly userAgent?: string;
  readonly sslCipher?: string;
  readonly sslProtocol?: string;
  readonly targetGroupArn?: string;
  readonly traceId?: string;
  readonly domainName?: string;
  readonly chosenCertArn?: string;
  /** 1–50000 for a rule, 0 for the default rule, -1 for an error during rule evaluation, undefined → `-`. */
  readonly matchedRulePriority?: number;
  /** Time the load balancer received the request (ms since epoch). */
  readonly requestCreationTimeMs: number;
  readonly actionsExecuted?: readonly string[];
  readonly redirectUrl?: string;
  readonly errorReason?: string;
  readonly targetPortList?: readonly string[];
  readonly targetStatusCodeList?: readonly number[];
  readonly classification?: string;
  readonly classificationReason?: string;
  readonly connTraceId?: string;
  /**
   * Simulator only, never written to the line: why the load balancer answered by itself (gateway-error
   * kind and cause, §5.4). AWS's access log has no such field; `error_reason` stays AWS's.
   */
  readonly simCause?: string;
}

/** The 30 field names in the order AWS writes them (§5.5). */
export const ACCESS_LOG_FIELDS = [
  'type',
  'time',
  'elb',
  'client:port',
  'target:port',
  'request_processing_time',
  'target_processing_time',
  'response_processing_time',
  'elb_status_code',
  'target_status_code',
  'received_bytes',
  'sent_bytes',
  'request',
  'user_agent',
  'ssl_cipher',
  'ssl_protocol',
  'target_group_arn',
  'trace_id',
  'domain_name',
  'chosen_cert_arn',
  'matched_rule_priority',
  'request_creation_time',
  'actions_executed',
  'redirect_url',
  'error_reason',
  'target:port_list',
  'target_status_code_list',
  'classification',
  'classification_reason',
  'conn_trace_id',
] as const;

/** User agent is truncated at 8 KB (§5.5). */
export const USER_AGENT_MAX_BYTES = 8 * 1024;

/** ISO 8601 with microseconds, as AWS writes it (`2018-07-02T22:23:00.186641Z`). */
export function formatLogTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // …SS.mmmZ
  const micros = Math.round((ms - Math.floor(ms)) * 1000)
    .toString()
    .padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

/** Seconds with millisecond precision, or `-1` (§5.5). */
export function formatSeconds(s: number): string {
  return s < 0 ? '-1' : s.toFixed(3);
}

function bare(v: string | number | undefined): string {
  if (v === undefined || v === '') return '-';
  return String(v).replace(/\s/g, '+');
}

function quoted(v: string | undefined): string {
  if (v === undefined || v === '') return '"-"';
  // Escape characters that would break the line or the quoting.
  // eslint-disable-next-line no-control-regex
  const escaped = v
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\x00-\x1f\x7f]/g, (c) => {
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    });
  return `"${escaped}"`;
}

function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = s.slice(0, max);
  while (Buffer.byteLength(out) > max) out = out.slice(0, -1);
  return out;
}

/** Format one access-log line (no trailing newline). */
export function formatAccessLogLine(e: AccessLogEntry): string {
  const request = e.request ? `${e.request.method} ${e.request.url} HTTP/${e.request.httpVersion}` : '- - - ';
  const fields = [
    e.type,
    formatLogTime(e.timeMs),
    bare(e.elb),
    `${e.clientIp}:${e.clientPort}`,
    e.target ? `${e.target.ip}:${e.target.port}` : '-',
    formatSeconds(e.requestProcessingTime),
    formatSeconds(e.targetProcessingTime),
    formatSeconds(e.responseProcessingTime),
    bare(e.elbStatusCode),
    bare(e.targetStatusCode),
    String(e.receivedBytes),
    String(e.sentBytes),
    quoted(request),
    quoted(e.userAgent === undefined ? undefined : truncateBytes(e.userAgent, USER_AGENT_MAX_BYTES)),
    bare(e.sslCipher),
    bare(e.sslProtocol),
    bare(e.targetGroupArn),
    quoted(e.traceId),
    quoted(e.domainName),
    quoted(e.chosenCertArn),
    bare(e.matchedRulePriority),
    formatLogTime(e.requestCreationTimeMs),
    quoted(e.actionsExecuted && e.actionsExecuted.length > 0 ? e.actionsExecuted.join(',') : undefined),
    quoted(e.redirectUrl),
    quoted(e.errorReason),
    quoted(e.targetPortList && e.targetPortList.length > 0 ? e.targetPortList.join(' ') : undefined),
    quoted(e.targetStatusCodeList && e.targetStatusCodeList.length > 0 ? e.targetStatusCodeList.join(' ') : undefined),
    quoted(e.classification),
    quoted(e.classificationReason),
    bare(e.connTraceId),
  ];
  return fields.join(' ');
}

/**
 * Split an access-log line into its fields (quotes removed, escapes undone). Extra trailing fields
 * are returned too: parsers must ignore fields they do not know (§5.5).
 */
export function parseAccessLogLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) {
          const n = line[i + 1];
          if (n === 'x') {
            v += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          v += n;
          i += 2;
          continue;
        }
        v += line[i++];
      }
      i++;
      out.push(v);
    } else {
      const end = line.indexOf(' ', i);
      const stop = end < 0 ? line.length : end;
      out.push(line.slice(i, stop));
      i = stop;
    }
  }
  return out;
}

/** Parse a line into a record keyed by field name (for tests and tools). */
export function parseAccessLogRecord(line: string): Record<(typeof ACCESS_LOG_FIELDS)[number], string> {
  const values = parseAccessLogLine(line);
  const rec = {} as Record<(typeof ACCESS_LOG_FIELDS)[number], string>;
  ACCESS_LOG_FIELDS.forEach((f, i) => (rec[f] = values[i] ?? ''));
  return rec;
}
