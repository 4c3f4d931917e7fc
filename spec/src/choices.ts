/**
 * Simulator choices: behaviour that docs/aws-behaviour.md marks *unconfirmed*. Each entry is a decision the
 * simulator makes where AWS documents nothing; none of them is presented as AWS behaviour. The README's
 * "Simulator choices" table is generated from the same list.
 */
export interface SimulatorChoice {
  readonly id: string;
  readonly section: string;
  readonly question: string;
  readonly choice: string;
}

export const SIMULATOR_CHOICES = {
  alb_hc_timeout_default: {
    id: 'alb_hc_timeout_default',
    section: '§1.1',
    question: 'Default ALB health-check timeout: 5 s (ALB guide) or 6 s / 10 s (API reference)?',
    choice: 'API reference: 6 s for HTTP checks, 10 s for HTTPS checks.',
  },
  initial_to_unhealthy: {
    id: 'initial_to_unhealthy',
    section: '§1.4',
    question: 'How many failed probes move a target from initial to unhealthy?',
    choice: 'UnhealthyThresholdCount consecutive failures.',
  },
  registration_in_progress: {
    id: 'registration_in_progress',
    section: '§1.4',
    question: 'How long does Elb.RegistrationInProgress last?',
    choice: 'Until the first probe is scheduled (0 s by default, configurable).',
  },
  lambda_matcher: {
    id: 'lambda_matcher',
    section: '§1.1',
    question: 'Default matcher for Lambda target groups with health checks enabled.',
    choice: '200.',
  },
  health_check_user_agent: {
    id: 'health_check_user_agent',
    section: '§1.1',
    question: 'User-Agent of HTTP health checks to instance/ip targets.',
    choice: 'ELB-HealthChecker/2.0, as for Lambda.',
  },
  fail_open_initial_targets: {
    id: 'fail_open_initial_targets',
    section: '§1.5',
    question: 'When no target is healthy yet (all still initial), does the load balancer fail open to them?',
    choice: 'Yes: initial targets count as registered, so requests go to them (fail open) until one turns healthy.',
  },
  lor_tie_break: {
    id: 'lor_tie_break',
    section: '§2.1',
    question: 'Tie-breaking among targets with equal outstanding requests.',
    choice: 'Uniformly random among the minima.',
  },
  slow_start_initial_share: {
    id: 'slow_start_initial_share',
    section: '§2.2',
    question: 'Starting share and ramp of a target in slow start.',
    choice: 'Linear weight max(0.01, elapsed / duration) of a full target.',
  },
  anomaly_mitigation: {
    id: 'anomaly_mitigation',
    section: '§2.1',
    question: 'Automatic target weights: anomaly threshold and weight formula.',
    choice:
      'A target is anomalous when its error rate over the last 5 s window exceeds twice the mean of its peers and 10 %; mitigation gives it weight 0.1; recovery doubles its weight each 5 s window up to 1.',
  },
  all_weights_zero: {
    id: 'all_weights_zero',
    section: '§4.3',
    question: 'Weighted forward action where every weight is 0.',
    choice: 'The load balancer answers 503.',
  },
  sticky_tg_unusable: {
    id: 'sticky_tg_unusable',
    section: '§3.3',
    question: 'AWSALBTG pointing at a target group with weight 0 or no healthy targets.',
    choice: 'Ignore the cookie and choose a target group by weight again.',
  },
  host_header_port: {
    id: 'host_header_port',
    section: '§4.2',
    question: 'Does host-header matching include the :port?',
    choice: 'The port is stripped before matching.',
  },
  path_decoding: {
    id: 'path_decoding',
    section: '§4.2',
    question: 'Is the path percent-decoded before path-pattern matching?',
    choice: 'No: the raw path is matched.',
  },
  query_string_decoding: {
    id: 'query_string_decoding',
    section: '§4.2',
    question: 'Are query-string keys and values percent-decoded before query-string conditions match?',
    choice: 'Yes: "+" and %XX escapes are decoded (malformed escapes are matched raw).',
  },
  redirect_default_port: {
    id: 'redirect_default_port',
    section: '§4.3',
    question: 'Is the default port (80 for HTTP, 443 for HTTPS) written in a redirect Location?',
    choice: 'Default ports are omitted.',
  },
  nlb_sticky_unhealthy: {
    id: 'nlb_sticky_unhealthy',
    section: '§3.5',
    question: 'NLB source_ip stickiness when the sticky target turns unhealthy.',
    choice: 'Re-pick by flow hash among healthy targets.',
  },
  evaluate_target_health_tgs: {
    id: 'evaluate_target_health_tgs',
    section: '§7.5',
    question: 'Which target groups count for EvaluateTargetHealth on an ELB alias?',
    choice: 'Target groups reachable from any listener default action or rule.',
  },
  dns_failover_count_default: {
    id: 'dns_failover_count_default',
    section: '§1.5',
    question: 'Default of target_group_health.dns_failover.minimum_healthy_targets.count: off or 1?',
    choice: '1 (API reference): a target group with no healthy target fails DNS health.',
  },
  route53_checkers: {
    id: 'route53_checkers',
    section: '§7.2',
    question: 'How many Route 53 health checkers probe an endpoint, and when does each probe?',
    choice:
      'Two checkers per Region of the health check (16 for the default eight Regions); checker k of n probes first k × RequestInterval / n after the check starts, then every RequestInterval.',
  },
  imported_zone_name: {
    id: 'imported_zone_name',
    section: '§7.3',
    question: 'Name of a hosted zone that records name only by its id (a zone imported into the app).',
    choice:
      "The longest common suffix of its records' parent names, a name of two labels or fewer counting as an apex (www.example.com → example.com).",
  },
  route53_external_endpoint: {
    id: 'route53_external_endpoint',
    section: '§7.2',
    question:
      'A live Route 53 health check whose endpoint is neither a load balancer of the assembly nor a loopback address.',
    choice:
      'Not probed (the simulator sends no traffic off this machine): the check keeps the status of a new check, healthy, and start-up says so.',
  },
  elb_error_page: {
    id: 'elb_error_page',
    section: '§5.4',
    question: 'Body and headers of the responses the load balancer generates itself (400, 463, 502, 503, 504 ...).',
    choice:
      'A small HTML page "<code> <reason>" with Server: awselb/2.0, as ALBs are commonly observed to send; redirects have an empty body.',
  },
  desync_undefined_semantics: {
    id: 'desync_undefined_semantics',
    section: '§5.3',
    question: 'What exactly triggers UndefinedContentLengthSemantics and UndefinedTransferEncodingSemantics?',
    choice:
      'A Content-Length other than 0 on a GET or HEAD request, and any Transfer-Encoding on a GET or HEAD request.',
  },
  desync_suspicious_header: {
    id: 'desync_suspicious_header',
    section: '§5.3',
    question: 'Which header names "normalise to" Transfer-Encoding or Content-Length (SuspiciousHeader)?',
    choice:
      'A name other than exactly one of the two that reads as one of them once lower-cased, with spaces and underscores taken as hyphens and surrounding ones removed (Content-Length with a space before the colon, Transfer_Encoding).',
  },
  desync_strictest_block: {
    id: 'desync_strictest_block',
    section: '§5.3',
    question: 'What does a request blocked in strictest mode (Acceptable or Ambiguous) receive?',
    choice: 'The same as a blocked Severe request: 400 and the client connection closed.',
  },
  desync_unframeable: {
    id: 'desync_unframeable',
    section: '§5.3',
    question:
      'What happens in monitor mode to a request whose body length cannot be determined (unparsable or differing Content-Length values, a last transfer coding other than chunked)?',
    choice:
      'It is answered 400 and the connection closed, as RFC 7230 §3.3.3 requires of every recipient: there is no length it could be forwarded with.',
  },
  header_timeout: {
    id: 'header_timeout',
    section: '§5.2',
    question: 'How long may a client take to send a complete request head (slow senders)?',
    choice:
      'At most the idle timeout from its first byte, however slowly bytes keep arriving; then 408 and the connection closed.',
  },
  load_balancer_zones: {
    id: 'load_balancer_zones',
    section: '§2.4',
    question:
      'Which Availability Zones is a load balancer in when the template does not say (subnet ids created outside the app, subnet lists that are tokens)?',
    choice:
      "The zones of its subnets where the template gives them (a subnet's AvailabilityZone, Fn::GetAZs of the stack's Region); for each other subnet the next unused zone of the stack's Region, named <Region>a, <Region>b, ... (the Region from the assembly manifest, us-east-1 for stacks without one); two zones when even the number of subnets is unknown.",
  },
  target_zone_spread: {
    id: 'target_zone_spread',
    section: '§2.4',
    question:
      'In which Availability Zone is a target whose zone the simulator cannot know (a demo backend, a target process, a --targets address without @zone, RegisterTargets without AvailabilityZone)?',
    choice:
      "The zones of the target group's load balancers in turn, in registration order (Site#0 in the first zone, Site#1 in the second, ...); a target keeps its zone when it is registered again.",
  },
  node_health_view: {
    id: 'node_health_view',
    section: '§1.3',
    question:
      'Every load-balancer node probes every target on its own. Which state does DescribeTargetHealth report when the nodes disagree?',
    choice:
      'The state a strict majority of the nodes that are up see; without a majority the reported state stays what it was. Registration, draining and removal are the same on every node.',
  },
  node_recovery_health: {
    id: 'node_recovery_health',
    section: '§1.3',
    question: 'What does a load-balancer node whose zone comes back after a failure think of each target?',
    choice:
      'It starts from the state the other nodes report (as if it had synchronised with them), probes at once, and judges on its own from then on.',
  },
  lambda_response_headers: {
    id: 'lambda_response_headers',
    section: '§5.4',
    question:
      'A Lambda response with `headers` while multi-value headers are on (or `multiValueHeaders` while off): which headers does the client get?',
    choice: 'Only the field that matches the target group’s lambda.multi_value_headers.enabled; the other is ignored.',
  },
  lambda_local_concurrency: {
    id: 'lambda_local_concurrency',
    section: '§5.4',
    question: 'How does the simulator run a Node.js Lambda function locally?',
    choice:
      'In Node.js child processes of its own (one per invocation in progress, kept warm, at most 16 per function; more wait), with the function’s Handler, Timeout (a timed-out process is killed, as Lambda ends the environment) and literal Environment variables.',
  },
  regex_condition_semantics: {
    id: 'regex_condition_semantics',
    section: '§4.2',
    question:
      'How does a RegexValues condition compare: whole value or anywhere in it, case-sensitively, against the host with or without its port?',
    choice:
      'Anywhere in the value (use ^ and $ to anchor), case-sensitively, against what the wildcard values see: the host without its :port (host_header_port), the raw path (path_decoding), each occurrence of the header.',
  },
  transform_input: {
    id: 'transform_input',
    section: '§4.3',
    question:
      'What text does a rewrite transform match and replace: with or without the query string and the port, first match or all?',
    choice:
      'url-rewrite: the origin-form path plus `?query` when there is one; host-header-rewrite: the Host value the target would get (§5.1). The first match of the first rewrite whose regex matches is replaced; `$n` and `${n}` name groups.',
  },
  transform_failure: {
    id: 'transform_failure',
    section: '§4.3',
    question: 'When does a matching rewrite "fail" (and get 500)?',
    choice:
      'When the replacement names a group the regex does not have, or the result is not a usable value: a URL that does not start with `/` or holds a space or control character, an empty host or one with characters outside letters, digits, `-`, `.`, `:`, `[` and `]`.',
  },
  transform_access_log: {
    id: 'transform_access_log',
    section: '§4.3',
    question: 'What does the access log record for a rewritten request?',
    choice:
      'The request as the client sent it in `request`; nothing new is appended (AWS documents no field for rewrites).',
  },
  auth_callback_routing: {
    id: 'auth_callback_routing',
    section: '§4.3',
    question:
      "How does the load balancer route the identity provider's answer to https://<host>/oauth2/idpresponse, and what does its state parameter carry?",
    choice:
      'On an HTTPS listener with any authenticate action the path is taken by the load balancer before rule evaluation; the state is encrypted and names the rule and action, the original URL, the time and a nonce that must match the AWSALBAuthNonce cookie.',
  },
  auth_error_status: {
    id: 'auth_error_status',
    section: '§4.3',
    question: 'Which status does each authentication failure get?',
    choice:
      'error= from the authorization endpoint and non-2XX answers of the token or user-info endpoint: 561; an endpoint that cannot be reached or does not answer within 10 s: 500; a bad, expired or foreign state, nonce, code, ID token, token or user-info response, or claims over 11 KB: 401.',
  },
  auth_session_cookie: {
    id: 'auth_session_cookie',
    section: '§4.3',
    question:
      'Format, attributes and lifetime of the session cookie; what the x-amzn-oidc-data JWT header carries as exp.',
    choice:
      'AES-256-GCM of the claims, access token and session end, base64url, sharded into <name>-0, -1, ... of 4 KB; Path=/, Secure, HttpOnly, Expires at the session end (now + SessionTimeout). Access tokens are not refreshed (AWS keeps a session without a refresh token until it times out); exp is the session end.',
  },
  cognito_endpoints: {
    id: 'cognito_endpoints',
    section: '§4.3',
    question: 'Cognito endpoints when the template leaves the user pool, its client or its Region to CloudFormation.',
    choice:
      'The domain from the UserPoolDomain resource, the Region from a literal pool ARN or else us-east-1, the client id replaced by the logical id of the client resource.',
  },
  local_trust_store: {
    id: 'local_trust_store',
    section: '§5.1',
    question:
      '(Simulator only) A verify-mode trust store keeps its CA bundle in S3, which the simulator cannot read: where does the bundle come from?',
    choice:
      "A local PEM file per trust store (`--trust-store NAME=FILE` or `trustStores` in the config file), NAME being the trust store's name, logical id, construct path or ARN; without one the listener does not start (SIM_TRUST_STORE_MISSING).",
  },
  mtls_refusal: {
    id: 'mtls_refusal',
    section: '§5.1',
    question: 'How is a client refused in verify mode (no certificate, or one the trust store does not accept)?',
    choice:
      'The TLS handshake fails with an alert and the connection closes; nothing reaches a target or the access log. Certificate revocation lists are not checked.',
  },
  client_ip_preservation: {
    id: 'client_ip_preservation',
    section: '§6.4',
    question:
      'What source address does a target of the live simulator see, given that it cannot send packets from the client address on loopback?',
    choice:
      "Always the simulator's own socket (127.0.0.1 and an ephemeral port). The address AWS would show is reported instead: the flow record's targetSource is the client's address and port with client IP preservation, else the load-balancer node's address and the port the simulator connected from; with proxy protocol v2 on, the header carries the client either way.",
  },
  nlb_udp_unhealthy_flows: {
    id: 'nlb_udp_unhealthy_flows',
    section: '§6.6',
    question:
      'What happens to the open flows of a UDP or TCP_UDP target group target that turns unhealthy (these groups have no unhealthy connection-termination attribute)?',
    choice:
      'They carry on to that target until they end or reach the idle timeout; new flows go to healthy targets. Deregistration with connection termination (their default) still ends them.',
  },
  nlb_alpn_mismatch: {
    id: 'nlb_alpn_mismatch',
    section: '§6.1',
    question:
      'A client whose ALPN offer shares no protocol with the TLS listener policy (HTTP2Only and a client offering only http/1.1).',
    choice: 'The TLS handshake fails with the no_application_protocol alert; no flow is opened.',
  },
  nlb_alpn_target: {
    id: 'nlb_alpn_target',
    section: '§6.1',
    question: 'Which ALPN protocols does a TLS listener with an ALPN policy offer to a TLS target group?',
    choice:
      'Only the protocol it agreed with the client (none when none was agreed), so that the bytes that follow mean the same to the target.',
  },
} as const satisfies Record<string, SimulatorChoice>;

export type SimulatorChoiceId = keyof typeof SIMULATOR_CHOICES;

/**
 * The numbers behind the choices above (one copy; the engine imports them from here).
 * Each field names the `SIMULATOR_CHOICES` entry it parameterises.
 */
export const SIMULATOR_CHOICE_PARAMS = {
  /** `registration_in_progress`: ms between RegisterTargets and the first probe. */
  registrationDelayMs: 0,
  /** `slow_start_initial_share`: weight of a target at the start of slow start. */
  slowStartMinimumWeight: 0.01,
  /** `load_balancer_zones`: zones of a load balancer whose subnets the template does not even count. */
  defaultZoneCount: 2,
  /** `load_balancer_zones`: the Region of stacks whose environment names none (the same as the simulator's ARNs). */
  defaultRegion: 'us-east-1',
  /** `lambda_local_concurrency`: child processes per function at most. */
  lambdaLocalConcurrency: 16,
  /** `route53_checkers`: checkers per Region of a Route 53 health check. */
  route53CheckersPerRegion: 2,
  /** `cognito_endpoints`: Region of a Cognito domain when the template gives none. */
  cognitoDefaultRegion: 'us-east-1',
  /** `auth_error_status`: ms the load balancer waits for the token or user-info endpoint. */
  identityProviderTimeoutMs: 10_000,
  /** `anomaly_mitigation`. */
  anomaly: {
    /** Anomalous when error rate > errorRateFactor × mean error rate of the peers... */
    errorRateFactor: 2,
    /** ...and > minErrorRate. */
    minErrorRate: 0.1,
    /** Weight of a mitigated target (full target = 1). */
    mitigatedWeight: 0.1,
    /** Recovery: weight multiplied by this each evaluation window, up to 1. */
    recoveryFactor: 2,
  },
} as const;
