import { Duration } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  ALB_LISTENER_TG_PROTOCOLS,
  NLB_LISTENER_TG_PROTOCOLS,
  FIXED_RESPONSE_STATUS_PATTERN,
  inRange,
  RULE_LIMITS,
  TARGET_GROUP_LIMITS,
} from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector, seconds } from './errors';
import type { HaTargetGroup } from './target-group';

/** A target group and its share of a weighted forward action. */
export interface WeightedTargetGroup {
  readonly targetGroup: HaTargetGroup;
  /** Relative weight 0-999; a weight of 0 receives no traffic. */
  readonly weight: number;
}

export interface ForwardOptions {
  /**
   * Target-group stickiness (AWSALBTG cookie) for this action, 1 second to 7 days. Required when any
   * target group of a weighted forward has stickiness of its own.
   * @default no target-group stickiness
   */
  readonly stickinessDuration?: Duration;
}

export interface RedirectOptions {
  /**
   * `HTTP`, `HTTPS` or `#{protocol}`. HTTPS to HTTP is not allowed.
   * @default the request's protocol
   */
  readonly protocol?: string;
  /**
   * Host name, may use `#{host}`.
   * @default the request's host
   */
  readonly host?: string;
  /**
   * Port 1-65535 or `#{port}`.
   * @default the request's port
   */
  readonly port?: string;
  /**
   * Absolute path starting with `/`; `#{path}` expands without its leading slash.
   * @default the request's path
   */
  readonly path?: string;
  /**
   * Query string without the leading `?`.
   * @default the request's query
   */
  readonly query?: string;
  /**
   * HTTP 301 when true, 302 when false.
   * @default false
   */
  readonly permanent?: boolean;
}

export type FixedResponseContentType =
  'text/plain' | 'text/css' | 'text/html' | 'application/javascript' | 'application/json';

export interface FixedResponseOptions {
  /**
   * Content type of the body.
   * @default no Content-Type
   */
  readonly contentType?: FixedResponseContentType;
  /**
   * Body, at most 1024 characters.
   * @default empty body
   */
  readonly messageBody?: string;
}

type Kind = 'forward' | 'redirect' | 'fixed-response';

/** What a listener rule or default action does (docs/aws-behaviour.md §4.3). */
export class ListenerAction {
  /** Forward to one target group. */
  public static forward(targetGroups: HaTargetGroup[], options: ForwardOptions = {}): ListenerAction {
    return new ListenerAction(
      'forward',
      targetGroups.map((targetGroup) => ({ targetGroup, weight: 1 })),
      options,
    );
  }

  /** Split traffic across up to five target groups in proportion to their weights. */
  public static weightedForward(targetGroups: WeightedTargetGroup[], options: ForwardOptions = {}): ListenerAction {
    return new ListenerAction('forward', targetGroups, options, undefined, undefined, true);
  }

  /** Answer with a redirect; at least one of protocol, host, port or path must change. */
  public static redirect(options: RedirectOptions): ListenerAction {
    return new ListenerAction('redirect', [], {}, options);
  }

  /** Answer with a fixed status and body, without touching a target. */
  public static fixedResponse(statusCode: number, options: FixedResponseOptions = {}): ListenerAction {
    return new ListenerAction('fixed-response', [], {}, undefined, { statusCode, ...options });
  }

  private constructor(
    public readonly kind: Kind,
    public readonly targetGroups: readonly WeightedTargetGroup[],
    public readonly forwardOptions: ForwardOptions,
    public readonly redirectOptions?: RedirectOptions,
    public readonly fixed?: FixedResponseOptions & { statusCode: number },
    public readonly weighted = false,
  ) {}

  /** Check the action's own values and its fit with the listener it is used on. */
  public validate(
    issues: IssueCollector,
    label: string,
    listener: { lbType: string; protocol: string; owner: unknown },
  ): void {
    const isAlb = listener.lbType === 'application';
    if (this.kind === 'forward') {
      const n = this.targetGroups.length;
      const max = isAlb ? RULE_LIMITS.targetGroupsPerAlbAction : RULE_LIMITS.targetGroupsPerNlbAction;
      if (n < 1 || n > max) {
        issues.add(
          'HALB_FORWARD_TARGET_GROUPS',
          `${label} forwards to ${n} target groups; allowed: 1-${max} ${isAlb ? '(ALB)' : '(NLB)'}.`,
        );
      }
      for (const { targetGroup, weight } of this.targetGroups) {
        if (!isUnresolved(weight) && !inRange(weight, RULE_LIMITS.forwardWeight)) {
          issues.add(
            'HALB_FORWARD_WEIGHT',
            `${label} weight of ${targetGroup.node.path} is ${weight}; allowed: 0-999.`,
          );
        }
        if (targetGroup.owner !== listener.owner) {
          issues.add(
            'HALB_FORWARD_FOREIGN_TARGET_GROUP',
            `${label} forwards to ${targetGroup.node.path}, which belongs to another load balancer; allowed: target groups of this load balancer (a target group serves one load balancer).`,
          );
        }
      }
      issues.range(
        'HALB_FORWARD_STICKINESS_DURATION',
        `${label} stickinessDuration`,
        seconds(this.forwardOptions.stickinessDuration),
        TARGET_GROUP_LIMITS.stickinessDurationSeconds,
        'seconds',
      );
      if (n > 1) {
        const sticky = this.targetGroups.filter((t) => t.targetGroup.stickiness);
        if (sticky.length > 0 && this.forwardOptions.stickinessDuration === undefined) {
          issues.add(
            'HALB_FORWARD_STICKINESS_REQUIRED',
            `${label} forwards to ${sticky.map((s) => s.targetGroup.node.path).join(', ')} with stickiness but has no stickinessDuration; allowed: set stickinessDuration on a weighted forward whose target groups are sticky.`,
          );
        }
        for (const s of sticky) {
          if (s.targetGroup.stickiness?.type === 'app_cookie') {
            issues.add(
              'HALB_FORWARD_APP_COOKIE',
              `${label} forwards to ${s.targetGroup.node.path} with app_cookie stickiness; allowed: lb_cookie or no stickiness in weighted forwards.`,
            );
          }
        }
      }
      for (const { targetGroup } of this.targetGroups) {
        checkPairing(issues, label, listener.protocol, targetGroup);
      }
    } else if (!isAlb) {
      issues.add(
        'HALB_NLB_ACTION',
        `${label} is a ${this.kind} action; allowed on a Network Load Balancer: forward to exactly one target group.`,
      );
    }
    if (this.kind === 'redirect') validateRedirect(issues, label, listener.protocol, this.redirectOptions!);
    if (this.kind === 'fixed-response') {
      const f = this.fixed!;
      if (!isUnresolved(f.statusCode) && !FIXED_RESPONSE_STATUS_PATTERN.test(String(f.statusCode))) {
        issues.add(
          'HALB_FIXED_RESPONSE_STATUS',
          `${label} fixed-response status is ${f.statusCode}; allowed: 2XX, 4XX or 5XX.`,
        );
      }
      if (
        f.messageBody !== undefined &&
        !isUnresolved(f.messageBody) &&
        f.messageBody.length > RULE_LIMITS.fixedResponseBodyLength.max
      ) {
        issues.add(
          'HALB_FIXED_RESPONSE_BODY',
          `${label} fixed-response body has ${f.messageBody.length} characters; allowed: at most ${RULE_LIMITS.fixedResponseBodyLength.max}.`,
        );
      }
    }
  }

  /** The aws-cdk-lib ALB action. */
  public toApplicationAction(): elbv2.ListenerAction {
    switch (this.kind) {
      case 'forward':
        if (!this.weighted) {
          return elbv2.ListenerAction.forward(
            this.targetGroups.map((t) => t.targetGroup.targetGroup as elbv2.ApplicationTargetGroup),
            { stickinessDuration: this.forwardOptions.stickinessDuration },
          );
        }
        return elbv2.ListenerAction.weightedForward(
          this.targetGroups.map((t) => ({
            targetGroup: t.targetGroup.targetGroup as elbv2.ApplicationTargetGroup,
            weight: t.weight,
          })),
          { stickinessDuration: this.forwardOptions.stickinessDuration },
        );
      case 'redirect': {
        const r = this.redirectOptions!;
        return elbv2.ListenerAction.redirect({
          protocol: r.protocol,
          host: r.host,
          port: r.port,
          path: r.path,
          query: r.query,
          permanent: r.permanent,
        });
      }
      case 'fixed-response':
        return elbv2.ListenerAction.fixedResponse(this.fixed!.statusCode, {
          contentType: this.fixed!.contentType,
          messageBody: this.fixed!.messageBody,
        });
    }
  }

  /** The aws-cdk-lib NLB action. */
  public toNetworkAction(): elbv2.NetworkListenerAction {
    return elbv2.NetworkListenerAction.forward(
      this.targetGroups.map((t) => t.targetGroup.targetGroup as elbv2.NetworkTargetGroup),
    );
  }
}

/** Listener/target-group protocol pairs (docs/aws-behaviour.md §6.1, §8.3). */
function checkPairing(issues: IssueCollector, label: string, listenerProtocol: string, tg: HaTargetGroup): void {
  const pairs: Readonly<Record<string, readonly string[]>> = {
    HTTP: ALB_LISTENER_TG_PROTOCOLS,
    HTTPS: ALB_LISTENER_TG_PROTOCOLS,
    ...NLB_LISTENER_TG_PROTOCOLS,
  };
  if (tg.protocol !== undefined && !pairs[listenerProtocol].includes(tg.protocol)) {
    issues.add(
      'HALB_LISTENER_TG_PROTOCOL',
      `${label}: a ${listenerProtocol} listener forwards to ${tg.node.path} (${tg.protocol}); allowed target-group protocols: ${pairs[listenerProtocol].join(', ')}.`,
    );
  }
  if (tg.protocolVersion !== 'HTTP1' && listenerProtocol !== 'HTTPS') {
    issues.add(
      'HALB_PROTOCOL_VERSION_LISTENER',
      `${label}: a ${listenerProtocol} listener forwards to ${tg.node.path} with protocolVersion ${tg.protocolVersion}; allowed: ${tg.protocolVersion} target groups only behind HTTPS listeners.`,
    );
  }
}

function validateRedirect(issues: IssueCollector, label: string, listenerProtocol: string, r: RedirectOptions): void {
  const lim = RULE_LIMITS;
  if (r.protocol !== undefined && !isUnresolved(r.protocol) && !/^(HTTPS?|#\{protocol\})$/.test(r.protocol)) {
    issues.add(
      'HALB_REDIRECT_PROTOCOL',
      `${label} redirect protocol is '${r.protocol}'; allowed: 'HTTP', 'HTTPS', '#{protocol}'.`,
    );
  }
  if (listenerProtocol === 'HTTPS' && r.protocol === 'HTTP') {
    issues.add(
      'HALB_REDIRECT_PROTOCOL',
      `${label} redirects from HTTPS to HTTP; allowed: HTTPS or #{protocol} on an HTTPS listener.`,
    );
  }
  const len = (name: string, v: string | undefined, r2: { min: number; max: number }) => {
    if (v !== undefined && !isUnresolved(v) && (v.length < r2.min || v.length > r2.max)) {
      issues.add(
        'HALB_REDIRECT_LENGTH',
        `${label} redirect ${name} has ${v.length} characters; allowed: ${r2.min}-${r2.max}.`,
      );
    }
  };
  len('host', r.host, lim.redirectHostLength);
  len('path', r.path, lim.redirectPathLength);
  len('query', r.query, lim.redirectQueryLength);
  if (r.path !== undefined && !isUnresolved(r.path) && !r.path.startsWith('/')) {
    issues.add(
      'HALB_REDIRECT_PATH',
      `${label} redirect path is '${r.path}'; allowed: an absolute path starting with '/' (write '/#{path}').`,
    );
  }
  if (r.query !== undefined && r.query.startsWith('?')) {
    issues.add(
      'HALB_REDIRECT_QUERY',
      `${label} redirect query is '${r.query}'; allowed: a query without the leading '?'.`,
    );
  }
  if (r.port !== undefined && !isUnresolved(r.port) && r.port !== '#{port}') {
    const p = Number(r.port);
    if (!/^\d+$/.test(r.port) || !inRange(p, lim.redirectPort)) {
      issues.add('HALB_REDIRECT_PORT', `${label} redirect port is '${r.port}'; allowed: 1-65535 or '#{port}'.`);
    }
  }
  const changes = [r.protocol, r.host, r.port, r.path].some(
    (v) => v !== undefined && !/^#\{(protocol|host|port|path)\}$/.test(v) && v !== '/#{path}',
  );
  if (!changes) {
    issues.add(
      'HALB_REDIRECT_LOOP',
      `${label} redirect keeps protocol, host, port and path as they are; allowed: change at least one of them (otherwise the redirect loops).`,
    );
  }
}
