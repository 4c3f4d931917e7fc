import { Duration } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import {
  ALB_LISTENER_TG_PROTOCOLS,
  NLB_LISTENER_TG_PROTOCOLS,
  FIXED_RESPONSE_CONTENT_TYPES,
  FIXED_RESPONSE_STATUS_PATTERN,
  inRange,
  RULE_LIMITS,
  TARGET_GROUP_LIMITS,
} from '@ha-load-balancer/spec';
import {
  AuthenticateCognitoOptions,
  AuthenticateConfig,
  AuthenticateOidcOptions,
  toAuthenticateAction,
  validateAuthenticate,
} from '../alb/authenticate';
import { isUnresolved, IssueCollector, seconds } from './errors';
import { HaTargetGroup, isHaTargetGroup } from './target-group';

/**
 * Where a forward action sends requests: a target group of this library, or any aws-cdk-lib target
 * group (one created with `new elbv2.ApplicationTargetGroup(...)`, or imported with
 * `ApplicationTargetGroup.fromTargetGroupAttributes(...)` / `NetworkTargetGroup.fromTargetGroupAttributes(...)`).
 * What this library cannot know about an aws-cdk-lib target group (its protocol, its load balancer)
 * is not checked.
 */
export type ForwardTarget = HaTargetGroup | elbv2.IApplicationTargetGroup | elbv2.INetworkTargetGroup;

/** A target group and its share of a weighted forward action. */
export interface WeightedTargetGroup {
  readonly targetGroup: ForwardTarget;
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

type Kind = 'forward' | 'redirect' | 'fixed-response' | 'authenticate-oidc' | 'authenticate-cognito';

/** What a listener rule or default action does (docs/aws-behaviour.md §4.3). */
export class ListenerAction {
  /** Forward to one target group (ALB: up to five, shared evenly). */
  public static forward(targetGroups: ForwardTarget[], options: ForwardOptions = {}): ListenerAction {
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

  /**
   * Authenticate users with an OpenID Connect identity provider, then run `next` (HTTPS listeners
   * only; docs/aws-behaviour.md §4.3). The load balancer's security group is opened for HTTPS to
   * the identity provider.
   */
  public static authenticateOidc(options: AuthenticateOidcOptions, next: ListenerAction): ListenerAction {
    return new ListenerAction('authenticate-oidc', [], {}, undefined, undefined, false, {
      auth: { kind: 'authenticate-oidc', options },
      next,
    });
  }

  /** Authenticate users with an Amazon Cognito user pool, then run `next` (HTTPS listeners only). */
  public static authenticateCognito(options: AuthenticateCognitoOptions, next: ListenerAction): ListenerAction {
    return new ListenerAction('authenticate-cognito', [], {}, undefined, undefined, false, {
      auth: { kind: 'authenticate-cognito', options },
      next,
    });
  }

  private constructor(
    public readonly kind: Kind,
    forwardTo: readonly WeightedTargetGroup[],
    public readonly forwardOptions: ForwardOptions,
    public readonly redirectOptions?: RedirectOptions,
    public readonly fixed?: FixedResponseOptions & { statusCode: number },
    public readonly weighted = false,
    private readonly chain?: { readonly auth: AuthenticateConfig; readonly next: ListenerAction },
  ) {
    this.#forwardTo = forwardTo;
  }

  readonly #forwardTo: readonly WeightedTargetGroup[];

  /** Target groups this action forwards to (an authenticate action: those of the action it runs next). */
  public get targetGroups(): readonly WeightedTargetGroup[] {
    return this.chain ? this.chain.next.targetGroups : this.#forwardTo;
  }

  /** The action an authenticate action runs once the user is authenticated. */
  public get next(): ListenerAction | undefined {
    return this.chain?.next;
  }

  /** Target groups of this library among `targetGroups` (listeners mark them in use). */
  public get haTargetGroups(): HaTargetGroup[] {
    return this.targetGroups.map((t) => t.targetGroup).filter(isHaTargetGroup);
  }

  /** Check the action's own values and its fit with the listener it is used on. */
  public validate(
    issues: IssueCollector,
    label: string,
    listener: { lbType: string; protocol: string; owner: IConstruct },
  ): void {
    const isAlb = listener.lbType === 'application';
    if (this.chain) {
      if (!isAlb) {
        issues.add(
          'HALB_NLB_ACTION',
          `${label} is an ${this.kind} action; allowed on a Network Load Balancer: forward to exactly one target group.`,
        );
        return;
      }
      validateAuthenticate(issues, label, this.chain.auth, listener.protocol, this.chain.next.kind);
      this.chain.next.validate(issues, `${label} (after ${this.kind})`, listener);
      return;
    }
    if (this.kind === 'forward') {
      const n = this.targetGroups.length;
      const max = isAlb ? RULE_LIMITS.targetGroupsPerAlbAction : RULE_LIMITS.targetGroupsPerNlbAction;
      if (n < 1 || n > max) {
        issues.add(
          'HALB_FORWARD_TARGET_GROUPS',
          `${label} forwards to ${n} target groups; allowed: 1-${max} ${isAlb ? '(ALB)' : '(NLB)'}.`,
        );
      }
      const seen = new Set<ForwardTarget>();
      for (const { targetGroup, weight } of this.targetGroups) {
        const name = describeTarget(targetGroup);
        if (seen.has(targetGroup)) {
          issues.add(
            'HALB_FORWARD_TARGET_GROUP_DUPLICATE',
            `${label} names ${name} twice; allowed: each target group once per forward action (give it one weight instead).`,
          );
        }
        seen.add(targetGroup);
        if (!isUnresolved(weight) && !inRange(weight, RULE_LIMITS.forwardWeight)) {
          issues.add('HALB_FORWARD_WEIGHT', `${label} weight of ${name} is ${weight}; allowed: 0-999 (whole number).`);
        }
        const kind = targetGroupKind(targetGroup);
        if (kind !== listener.lbType) {
          issues.add(
            'HALB_FORWARD_TARGET_GROUP_KIND',
            `${label} forwards to ${name}, ${kind === 'application' ? 'an Application' : 'a Network'} Load Balancer target group; allowed: ${isAlb ? 'Application' : 'Network'} Load Balancer target groups.`,
          );
        }
        if (isHaTargetGroup(targetGroup) && targetGroup.owner !== listener.owner) {
          issues.add(
            'HALB_FORWARD_FOREIGN_TARGET_GROUP',
            `${label} forwards to ${name}, which belongs to another load balancer; allowed: target groups of this load balancer (a target group serves one load balancer).`,
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
      const ours = this.haTargetGroups;
      if (n > 1) {
        const sticky = ours.filter((t) => t.stickiness);
        if (sticky.length > 0 && this.forwardOptions.stickinessDuration === undefined) {
          issues.add(
            'HALB_FORWARD_STICKINESS_REQUIRED',
            `${label} forwards to ${sticky.map((s) => s.node.path).join(', ')} with stickiness but has no stickinessDuration; allowed: set stickinessDuration on a weighted forward whose target groups are sticky.`,
          );
        }
        for (const s of sticky) {
          if (s.stickiness?.type === 'app_cookie') {
            issues.add(
              'HALB_FORWARD_APP_COOKIE',
              `${label} forwards to ${s.node.path} with app_cookie stickiness; allowed: lb_cookie or no stickiness in weighted forwards.`,
            );
          }
        }
      }
      for (const targetGroup of ours) {
        if (targetGroup.lbType === listener.lbType) checkPairing(issues, label, listener.protocol, targetGroup);
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
      issues.oneOf(
        'HALB_FIXED_RESPONSE_CONTENT_TYPE',
        `${label} fixed-response contentType`,
        f.contentType,
        FIXED_RESPONSE_CONTENT_TYPES,
      );
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
      case 'forward': {
        const tgs = this.targetGroups.map((t) => applicationTargetGroup(t.targetGroup));
        if (!this.weighted) {
          return elbv2.ListenerAction.forward(tgs, { stickinessDuration: this.forwardOptions.stickinessDuration });
        }
        return elbv2.ListenerAction.weightedForward(
          this.targetGroups.map((t, i) => ({ targetGroup: tgs[i], weight: t.weight })),
          { stickinessDuration: this.forwardOptions.stickinessDuration },
        );
      }
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
      case 'authenticate-oidc':
      case 'authenticate-cognito':
        return toAuthenticateAction(this.chain!.auth, this.chain!.next.toApplicationAction());
    }
  }

  /** The aws-cdk-lib NLB action. */
  public toNetworkAction(): elbv2.NetworkListenerAction {
    return elbv2.NetworkListenerAction.forward(this.targetGroups.map((t) => networkTargetGroup(t.targetGroup)));
  }
}

/** The load-balancer type a forward target serves: aws-cdk-lib ALB target groups accept connectables, NLB ones do not. */
function targetGroupKind(tg: ForwardTarget): 'application' | 'network' {
  if (isHaTargetGroup(tg)) return tg.lbType;
  return 'registerConnectable' in tg ? 'application' : 'network';
}

function describeTarget(tg: ForwardTarget): string {
  return isHaTargetGroup(tg) ? tg.node.path : `target group ${tg.node.path}`;
}

function applicationTargetGroup(tg: ForwardTarget): elbv2.IApplicationTargetGroup {
  return isHaTargetGroup(tg)
    ? (tg.applicationTargetGroup as elbv2.IApplicationTargetGroup)
    : (tg as elbv2.IApplicationTargetGroup);
}

function networkTargetGroup(tg: ForwardTarget): elbv2.INetworkTargetGroup {
  return isHaTargetGroup(tg) ? (tg.networkTargetGroup as elbv2.INetworkTargetGroup) : (tg as elbv2.INetworkTargetGroup);
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
