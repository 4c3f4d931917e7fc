/**
 * One request exchange at an ALB listener, from the request as received to the observation it leaves
 * behind (docs/aws-behaviour.md §4, §5). Both shells drive it — the live proxy with sockets and the
 * virtual shell with a virtual clock — so every status the load balancer generates itself is decided
 * here, once, and a virtual-time test proves what the live proxy does.
 *
 * ```
 * const ex = edge.begin(request);      // admit: §5.2 limits, §5.4 TRACE/TE, §5.3 desync, §5.1 headers (463)
 *                                      // decide: rules, forward/redirect/fixed, balancing, stickiness
 * if (ex.step.kind === 'respond') { write ex.step.response; ex.finish(bytes) }
 * else {                               // forward ex.step.upstream to the target, then one of:
 *   ex.upstreamResponse(status, headers) → relay the response (cookies added) or answer 502
 *   ex.upstreamFailed(kind, detail)      → the gateway error to answer (§5.4)
 *   ex.clientGone()                      → 460: the client left first, nothing is written
 *   ex.finish(bytes)
 * }
 * ```
 * Each exchange ends in one `ExchangeObservation` handed to the recorder, which feeds the metrics and
 * the access log (`record.ts`). Pure: time comes from the injected clock, randomness from `randomHex`.
 */
import {
  ACCEPTED_TRANSFER_ENCODINGS,
  ELB_STATUS as SPEC_ELB_STATUS,
  HTTP_LIMITS,
  LAMBDA_TARGET_LIMITS,
  SIMULATOR_CHOICES,
  type DesyncMitigationMode,
} from '@ha-load-balancer/spec';
import type { LoadBalancerModel, ListenerModel } from '../model/types';
import { edgeFeatures, type EdgeAuthOptions, type EdgeFeatures } from './edge-features';
import type { AuthCallback, IdpCall, IdpReply } from './authenticate';
import { classifyRequest, desyncAction, type DesyncClassification } from './desync';
import type { Engine } from './engine';
import { gatewayError, protocolVersionError, type GatewayError, type UpstreamFailureKind } from './gateway-errors';
import {
  forwardRequestHeaders,
  normaliseAddress,
  traceRoot,
  type ForwardingAttributes,
  type HeaderList,
} from './headers';
import type { Clock, ForwardDecision, HttpRequestInfo, RouteDecision, StickinessOutcome, TargetKey } from './types';
import type { RuleSelection } from './rules';
import { loadBalancerSetCookies } from './stickiness';
import { parseCookies } from './cookies';
import { elbResponse, type ElbResponse } from './elb-response';
import type {
  EdgeRequest,
  EdgeTargetGroup,
  ExchangeObservation,
  ExchangeRecorder,
  ExchangeState,
  ExchangeStep,
  ForwardExtras,
  Relay,
} from './exchange-types';

// The exchange's shapes live in `exchange-types.ts` and the load balancer's own responses in
// `elb-response.ts` (the edge features build on both without importing this module); the shells import
// them from here.
export type * from './exchange-types';
export type { ElbResponse } from './elb-response';

// The spec package re-exports its values through getters (CommonJS `export *`): the ones read on every
// request are bound here once.
const ELB_STATUS = SPEC_ELB_STATUS;
const LIMITS = HTTP_LIMITS;
const ACCEPTED_CODINGS: readonly string[] = ACCEPTED_TRANSFER_ENCODINGS;

export interface ListenerEdgeOptions {
  readonly engine: Engine;
  readonly loadBalancer: LoadBalancerModel;
  readonly listener: ListenerModel;
  readonly clock: Clock;
  /** `n` random lower-case hex digits (trace ids, §5.1). */
  readonly randomHex: (n: number) => string;
  /** `LoadBalancer` dimension (`app/name/id`). */
  readonly loadBalancerDimension: string;
  readonly targetGroup: (id: string) => EdgeTargetGroup | undefined;
  readonly recorder: ExchangeRecorder;
  /**
   * SIMULATOR CONVENIENCE, NOT AWS: maps a redirect Location to the simulator's own ports (live shell:
   * HTTP:80 → HTTPS:443 becomes the local HTTPS port). The access log keeps AWS's Location.
   */
  readonly localRedirect?: (location: string) => string;
  /** §4.3 authenticate actions: keys and identity-provider endpoints (absent: such rules answer 500). */
  readonly auth?: EdgeAuthOptions;
}

/** Response headers a proxy does not pass on (RFC 7230 §6.1), and `transfer-encoding` (re-framed). */
const RESPONSE_HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
]);

const HOP_BY_HOP_NAME_LENGTHS: ReadonlySet<number> = new Set([...RESPONSE_HOP_BY_HOP].map((h) => h.length));

const COMPLIANT: DesyncClassification = { class: 'Compliant' };

/**
 * Bytes of a request-line or header string on the wire. HTTP/1.x heads are read as latin1, one char per
 * byte; HTTP/2 headers and virtual requests may hold other characters, counted as UTF-8.
 */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return s.length;
}

/**
 * §5.2 sizes, §5.4 TRACE and unsupported Transfer-Encoding: checked before anything else. Returns the
 * status to answer, or undefined.
 */
function precheck(request: EdgeRequest): number | undefined {
  // the request line as `method target HTTP/version`; counted exactly only when it could be too long
  const lineChars = request.method.length + request.target.length + request.httpVersion.length + 7;
  if (
    3 * lineChars > LIMITS.requestLineBytes &&
    utf8Length(`${request.method} ${request.target} HTTP/${request.httpVersion}`) > LIMITS.requestLineBytes
  ) {
    return ELB_STATUS.uriTooLong;
  }
  let bound = 0;
  let unsupportedCoding = false;
  for (const [k, v] of request.headers) {
    const upper = 3 * (k.length + v.length) + 2;
    if (upper > LIMITS.singleHeaderBytes && utf8Length(k) + utf8Length(v) + 2 > LIMITS.singleHeaderBytes) {
      return ELB_STATUS.badRequest;
    }
    bound += upper + 2;
    if (k.length === 17 && !unsupportedCoding && k.toLowerCase() === 'transfer-encoding') {
      for (const token of v.split(',')) {
        const t = token.trim().toLowerCase();
        if (t && !ACCEPTED_CODINGS.includes(t)) unsupportedCoding = true;
      }
    }
  }
  if (bound > LIMITS.requestHeaderBytes) {
    let total = 0;
    for (const [k, v] of request.headers) total += utf8Length(k) + utf8Length(v) + 4;
    if (total > LIMITS.requestHeaderBytes) return ELB_STATUS.badRequest;
  }
  // (the sizes first: an oversized head is 400 whatever it holds)
  if (unsupportedCoding) return ELB_STATUS.notImplemented;
  if (request.method === 'TRACE') return ELB_STATUS.methodNotAllowed;
  return undefined;
}

/** Header lines → the rule-matching record (lower-case names, repeated headers as arrays). */
function headerRecord(list: HeaderList): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of list) {
    const n = k.toLowerCase();
    const cur = headers[n];
    if (cur === undefined) headers[n] = v;
    else headers[n] = Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return headers;
}

/**
 * A request as rules see it. The header record is built when something reads it (a header, host or
 * cookie condition, stickiness): a listener whose rules look at none builds none. `headers` is a
 * getter: an object spread (`{ ...info }`) would not copy it.
 */
class RequestInfo implements HttpRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly host?: string;
  readonly sourceIp: string;
  readonly protocol: 'http' | 'https';
  readonly port: number;
  readonly availabilityZone?: string;
  readonly #list: HeaderList;
  #headers?: Record<string, string | string[]>;

  constructor(request: EdgeRequest, scheme: 'http' | 'https', listenerPort: number) {
    const url = request.target;
    const origin = url.charCodeAt(0) === 0x2f ? null : /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(url);
    const pathAndQuery = origin ? url.slice(origin[0].length) || '/' : url;
    const q = pathAndQuery.indexOf('?');
    this.method = request.method;
    this.path = q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery;
    this.query = q >= 0 ? pathAndQuery.slice(q + 1) : '';
    if (origin) this.host = origin[0].replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    this.sourceIp = normaliseAddress(request.client.address);
    this.protocol = scheme;
    this.port = listenerPort;
    this.availabilityZone = request.availabilityZone;
    this.#list = request.headers;
  }

  get headers(): Record<string, string | string[]> {
    return (this.#headers ??= headerRecord(this.#list));
  }

  #cookies?: ReadonlyMap<string, string>;

  get cookies(): ReadonlyMap<string, string> {
    if (this.#cookies === undefined) {
      const values: string[] = [];
      for (const [k, v] of this.#list) if (k.length === 6 && k.toLowerCase() === 'cookie') values.push(v);
      this.#cookies = parseCookies(values);
    }
    return this.#cookies;
  }
}

/** The rule-matching view of a request (§4.2). */
export function requestInfo(request: EdgeRequest, scheme: 'http' | 'https', listenerPort: number): HttpRequestInfo {
  return new RequestInfo(request, scheme, listenerPort);
}

/**
 * §5.2, §5.4 requests a Lambda target never sees: a body over 1 MB (by its Content-Length) → 413, a
 * WebSocket upgrade → 400. (A chunked body over 1 MB is found out by the shell while reading it.)
 */
function lambdaRequestError(request: EdgeRequest): { status: number; cause: string } | undefined {
  if (request.upgrade)
    return { status: ELB_STATUS.badRequest, cause: 'Lambda targets do not support WebSocket upgrades' };
  for (const [k, v] of request.headers) {
    if (k.length === 14 && k.toLowerCase() === 'content-length' && Number(v) > LAMBDA_TARGET_LIMITS.requestBodyBytes)
      return { status: ELB_STATUS.payloadTooLarge, cause: 'LambdaRequestTooLarge: the request body is over 1 MB' };
  }
  return undefined;
}

/** Origin-form path of a request-target (absolute form → its path). */
function originForm(target: string): string {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(target);
  return origin ? target.slice(origin[0].length) || '/' : target;
}

/** One listener's edge: turns each request into an `Exchange`. */
export class ListenerEdge {
  readonly scheme: 'http' | 'https';
  readonly #o: ListenerEdgeOptions;
  readonly #forwarding: ForwardingAttributes;
  readonly #mode: DesyncMitigationMode;
  /**
   * What the listener's current rules need beyond routing (§4.2 regex, §4.3 authenticate and
   * transforms, §5.1 mTLS), worked out once per model: a listener without them pays one comparison.
   */
  #features: EdgeFeatures | undefined;
  #featuresOf: unknown;

  constructor(options: ListenerEdgeOptions) {
    this.#o = options;
    this.scheme = options.listener.protocol === 'HTTPS' ? 'https' : 'http';
    const a = options.loadBalancer.attributes;
    this.#forwarding = {
      xffMode: a.xffHeaderProcessingMode,
      xffClientPort: a.xffClientPort,
      preserveHostHeader: a.preserveHostHeader,
      dropInvalidHeaderFields: a.dropInvalidHeaderFields,
    };
    this.#mode = a.desyncMitigationMode as DesyncMitigationMode;
  }

  get options(): ListenerEdgeOptions {
    return this.#o;
  }

  /** The features of this listener on the engine's current model (recomputed when the model changes). */
  #currentFeatures(): EdgeFeatures | undefined {
    const model = this.#o.engine.model;
    if (model !== this.#featuresOf) {
      this.#featuresOf = model;
      this.#features = edgeFeatures(model, this.#o.listener.id);
    }
    return this.#features;
  }

  get listenerPort(): number {
    return this.#o.listener.port;
  }

  /**
   * Admit and route one request. `unframeable`: the parser could not tell where the body ends (§5.3,
   * choice `desync_unframeable`); such a request is answered 400 whatever the mode.
   */
  begin(request: EdgeRequest, options: { unframeable?: boolean } = {}): Exchange {
    return new Exchange(this, request, this.#o.clock.now(), options);
  }

  /**
   * A request the HTTP/1.1 parser could not read at all (no request line, a header block it cannot
   * split): 400 and the connection closed (§5.4), or `status` when the parser knows better (414 for a
   * request line over 16 KB, 505 for HTTP/2 frames on an HTTP/1 connection, 408 for a client that
   * stopped sending in the middle of a request).
   */
  malformed(
    client: EdgeRequest['client'],
    status: number,
    cause: string,
    bytes: { receivedBytes: number },
    tls?: EdgeRequest['tls'],
  ): ElbResponse {
    const response = elbResponse(status, { close: true });
    const now = this.#o.clock.now();
    this.#o.recorder({
      loadBalancer: this.#o.loadBalancerDimension,
      scheme: this.scheme,
      listenerPort: this.listenerPort,
      request: { method: '', target: '', httpVersion: '', headers: [], client, ...(tls ? { tls } : {}) },
      receivedAtMs: now,
      finishedAtMs: now,
      requestProcessingMs: -1,
      targetProcessingMs: -1,
      responseProcessingMs: -1,
      status,
      generated: true,
      actions: [],
      targetChosen: false,
      classification: COMPLIANT,
      cause,
      receivedBytes: bytes.receivedBytes,
      sentBytes: status === 408 ? 0 : Buffer.byteLength(response.body),
    });
    return response;
  }

  /** Admission and the routing decision: what to do with the request (§5.2–§5.4, §4). */
  decide(request: EdgeRequest, ex: ExchangeState): ExchangeStep {
    const o = this.#o;
    const early = precheck(request);
    // §5.3: HTTP/1.x requests only; HTTP/2 framing leaves nothing to desynchronise.
    const classification = request.rawVersion
      ? classifyRequest({
          method: request.method,
          target: request.target,
          version: request.rawVersion,
          headers: request.headers,
        })
      : COMPLIANT;
    ex.classification = classification;
    if (early !== undefined) {
      return ex.answer(
        elbResponse(early, { close: request.httpVersion !== '2.0' }),
        `rejected before routing (${early})`,
      );
    }
    const action = desyncAction(this.#mode, classification.class);
    if (action === 'block') {
      // Severe, or anything non-compliant in strictest mode (choice desync_strictest_block).
      return ex.answer(
        elbResponse(ELB_STATUS.badRequest, { close: true }),
        `desync mitigation (${this.#mode}) blocks a ${classification.class} request: ${classification.reason}`,
      );
    }
    if (ex.unframeable) {
      return ex.answer(
        elbResponse(ELB_STATUS.badRequest, { close: true }),
        `the request body's length cannot be determined (${SIMULATOR_CHOICES.desync_unframeable.id})`,
      );
    }
    ex.closeAfter = action === 'forward-and-close';

    const fwd = forwardRequestHeaders(
      request.headers,
      request.target,
      {
        address: request.client.address,
        port: request.client.port,
        protocol: this.scheme,
        listenerPort: this.listenerPort,
      },
      this.#forwarding,
      { nowMs: o.clock.now(), randomHex: o.randomHex },
      { keepUpgrade: request.upgrade === true },
    );
    if (!fwd.ok) return ex.answer(elbResponse(fwd.status, { close: ex.closeAfter }), fwd.reason);
    ex.traceId = traceRoot(fwd.traceId);

    const info = requestInfo(request, this.scheme, this.listenerPort);
    const features = this.#currentFeatures();
    let selection: RuleSelection | undefined;
    if (features) {
      // §4.3: authenticate actions and transforms act on the chosen rule before its terminal action
      const pre = features.beforeRouting(request, info, ex, fwd.headers, o.auth, o.clock.now(), o.randomHex);
      if (pre.kind === 'step') return pre.step;
      selection = pre.selection;
    }
    const d = o.engine.route(o.loadBalancer.id, o.listener.id, info, selection);
    ex.decision = d;
    ex.matchedRulePriority = d.matchedRulePriority;
    switch (d.kind) {
      case 'redirect': {
        ex.action = 'redirect';
        ex.redirectUrl = d.location;
        const location = o.localRedirect?.(d.location) ?? d.location;
        return ex.answer(elbResponse(d.status, { body: '', headers: [['location', location]], close: ex.closeAfter }));
      }
      case 'fixed':
        ex.action = 'fixed-response';
        return ex.answer(
          elbResponse(d.status, {
            body: d.body,
            contentType: d.contentType ?? 'text/plain; charset=utf-8',
            close: ex.closeAfter,
          }),
        );
      case 'error': {
        if (d.targetGroupId) ex.targetGroupOf(d.targetGroupId);
        return ex.answer(elbResponse(d.status, { close: ex.closeAfter }), d.reason);
      }
      case 'forward':
        return this.#forward(request, ex, d, fwd.headers, fwd.invalidHeaderNames.length > 0);
    }
  }

  #forward(
    request: EdgeRequest,
    ex: ExchangeState,
    d: ForwardDecision,
    forwarded: HeaderList,
    invalidHeaders: boolean,
  ): ExchangeStep {
    const o = this.#o;
    const tg = ex.targetGroupOf(d.targetGroupId);
    const contentType = request.headers.find(([k]) => k.length === 12 && k.toLowerCase() === 'content-type')?.[1];
    const incompatible = tg
      ? protocolVersionError(tg.model.protocolVersion, {
          httpVersionMajor: request.httpVersion === '2.0' ? 2 : 1,
          method: request.method,
          ...(contentType !== undefined ? { contentType } : {}),
        })
      : undefined;
    if (incompatible) {
      // §5.4 464: answered by the load balancer after choosing the target group; no target sees it.
      o.engine.requestFinished(d.requestId, { notSent: true });
      return ex.answer(
        elbResponse(incompatible.status, { close: ex.closeAfter }),
        `${incompatible.kind}: ${incompatible.cause} (${incompatible.detail})`,
      );
    }
    const lambdaRefusal = tg?.model.targetType === 'lambda' ? lambdaRequestError(request) : undefined;
    if (lambdaRefusal) {
      o.engine.requestFinished(d.requestId, { notSent: true });
      return ex.answer(elbResponse(lambdaRefusal.status, { close: ex.closeAfter }), lambdaRefusal.cause);
    }
    ex.action = 'forward';
    ex.actions = [...d.skippedActions, 'forward'];
    ex.forward = d;
    ex.targetChosen = true;
    ex.target = d.target;
    ex.stickiness = d.stickiness;
    ex.failOpen = d.failOpen;
    if (invalidHeaders) ex.invalidHeaders = o.loadBalancer.attributes.dropInvalidHeaderFields ? 'dropped' : 'forwarded';
    let headers = forwarded;
    if (this.scheme === 'https' && o.loadBalancer.attributes.tlsVersionAndCipherHeaders && request.tls) {
      // §5.1: x-amzn-tls-version / x-amzn-tls-cipher-suite (OpenSSL names).
      headers = [...forwarded];
      if (request.tls.protocol) headers.push(['x-amzn-tls-version', request.tls.protocol]);
      if (request.tls.cipher) headers.push(['x-amzn-tls-cipher-suite', request.tls.cipher]);
    }
    let path = originForm(request.target);
    const extra = ex.forwardExtras;
    if (extra) {
      // §4.3 identity headers and rewrites, §5.1 mTLS headers (decided before routing)
      headers = extra.apply(headers);
      if (extra.pathAndQuery !== undefined) path = extra.pathAndQuery;
      ex.actions = extra.authenticated ? ['authenticate', ...ex.actions] : ex.actions;
    }
    ex.sentToTargetAt = o.clock.now();
    return {
      kind: 'forward',
      upstream: {
        requestId: d.requestId,
        target: d.target,
        protocol: tg?.model.protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
        method: request.method,
        path,
        headers,
        closeAfter: ex.closeAfter,
      },
    };
  }
}

/**
 * One request through the edge. Created by `ListenerEdge.begin`; `step` says what the shell does next.
 * Ends with `finish` (or `clientGone`), which hands one observation to the recorder.
 */
export class Exchange implements ExchangeState {
  readonly step: ExchangeStep;
  /** The engine's routing decision; undefined when the request was answered before routing. */
  decision?: RouteDecision;
  readonly receivedAt: number;
  classification: DesyncClassification = COMPLIANT;
  closeAfter = false;
  readonly unframeable: boolean;
  traceId?: string;
  matchedRulePriority?: number;
  action?: 'forward' | 'redirect' | 'fixed-response';
  actions: readonly string[] = [];
  redirectUrl?: string;
  forward?: ForwardDecision;
  targetChosen = false;
  target?: TargetKey;
  stickiness?: StickinessOutcome;
  failOpen?: boolean;
  invalidHeaders?: 'dropped' | 'forwarded';
  sentToTargetAt?: number;
  forwardExtras?: ForwardExtras;
  authenticated?: boolean;
  errorReason?: string;
  authOutcome?: ExchangeObservation['authOutcome'];
  authCallback?: { readonly flow: AuthCallback; call: IdpCall };
  #tg?: EdgeTargetGroup;
  #status = 0;
  #generated = true;
  #targetStatus?: number;
  #targetConnectionError?: boolean;
  #failure?: UpstreamFailureKind;
  #stoppedEarly = false;
  #cause?: string;
  #headersAt?: number;
  #answeredAt?: number;
  #done = false;
  readonly #edge: ListenerEdge;
  readonly #request: EdgeRequest;

  constructor(edge: ListenerEdge, request: EdgeRequest, now: number, options: { unframeable?: boolean } = {}) {
    this.#edge = edge;
    this.#request = request;
    this.receivedAt = now;
    this.unframeable = options.unframeable === true;
    this.step = edge.decide(request, this);
  }

  targetGroupOf(id: string): EdgeTargetGroup | undefined {
    this.#tg ??= this.#edge.options.targetGroup(id);
    return this.#tg;
  }

  answer(response: ElbResponse, cause?: string): ExchangeStep {
    this.#status = response.status;
    this.#generated = true;
    this.#answeredAt = this.#edge.options.clock.now();
    if (cause !== undefined) this.#cause = cause;
    return { kind: 'respond', response };
  }

  get request(): EdgeRequest {
    return this.#request;
  }

  /**
   * §4.3 the identity provider answered the call of the last `idp` step (or could not be reached):
   * the next step, another call or the answer to the client.
   */
  idpAnswered(reply: IdpReply): ExchangeStep {
    const cb = this.authCallback;
    if (!cb) throw new Error('idpAnswered without an identity-provider call in progress');
    const next = cb.flow.answered(cb.call, reply);
    if (next.kind === 'call') {
      cb.call = next.call;
      return { kind: 'idp', call: next.call };
    }
    this.authCallback = undefined;
    this.errorReason = next.errorReason;
    this.authOutcome = next.metric;
    return this.answer(
      elbResponse(next.status, {
        ...(next.status === 302 ? { body: '' } : {}),
        headers: next.headers,
        close: this.closeAfter,
      }),
      next.cause,
    );
  }

  /** Why the load balancer answered by itself, when it did (simulator only; also in the access log's entry). */
  get cause(): string | undefined {
    return this.#cause;
  }

  /** The target answered with `status` and `headers`: what the client gets (§3 cookies, §5.4 502). */
  upstreamResponse(status: number, headers: HeaderList): Relay | { kind: 'respond'; response: ElbResponse } {
    const now = this.#edge.options.clock.now();
    this.#headersAt = now;
    this.#targetStatus = status;
    const out: HeaderList = [];
    let targetSetsAppCookie = false;
    const appCookie = this.forward?.appCookie;
    for (const h of headers) {
      const [k, v] = h;
      const len = k.length;
      // only names as long as a hop-by-hop one are lower-cased and looked up
      const name = HOP_BY_HOP_NAME_LENGTHS.has(len) ? k.toLowerCase() : undefined;
      if (name !== undefined && RESPONSE_HOP_BY_HOP.has(name)) continue;
      if (!VALID_RESPONSE_HEADER_NAME.test(k) || INVALID_HEADER_VALUE.test(v)) {
        return this.#fail(gatewayError('bad_response_headers', `invalid response header ${JSON.stringify(k)}`));
      }
      if (
        appCookie &&
        len === 10 &&
        k.toLowerCase() === 'set-cookie' &&
        v.split('=')[0]!.trim() === appCookie.cookieName
      ) {
        targetSetsAppCookie = true;
      }
      out.push(h); // the pair itself: nothing changes it
    }
    if (this.forward)
      for (const c of loadBalancerSetCookies(this.forward, targetSetsAppCookie)) out.push(['set-cookie', c]);
    this.#status = status;
    this.#generated = false;
    return { kind: 'relay', status, headers: out, close: this.closeAfter };
  }

  /** The target could not complete the request (§5.4): the response to send instead. */
  upstreamFailed(kind: UpstreamFailureKind, detail?: string): ElbResponse {
    return this.#fail(gatewayError(kind, detail)).response;
  }

  #fail(ge: GatewayError): { kind: 'respond'; response: ElbResponse } {
    this.#targetConnectionError = ge.targetConnectionError;
    this.#failure = ge.kind;
    this.#cause = `${ge.kind}: ${ge.cause}${ge.detail ? ` (${ge.detail})` : ''}`;
    const response = elbResponse(ge.status, { close: this.closeAfter });
    this.#status = ge.status;
    this.#generated = true;
    this.#answeredAt = this.#edge.options.clock.now();
    return { kind: 'respond', response };
  }

  /**
   * The response was cut after its headers had gone out (the target closed mid-body, or its
   * deregistration delay expired, §2.3): the client sees the connection drop; the log keeps the status.
   */
  interrupted(kind: UpstreamFailureKind, detail?: string): void {
    const ge = gatewayError(kind, detail);
    this.#failure = kind;
    this.#cause = `${ge.kind}: ${ge.cause}${ge.detail ? ` (${ge.detail})` : ''}, after the response started`;
  }

  /**
   * The client stopped sending its request body for the idle timeout (§5.2): 408 and the connection
   * closed; the target's request is abandoned.
   */
  clientStalled(): ElbResponse {
    this.#cause = 'the client sent nothing within the idle timeout in the middle of its request';
    const response = elbResponse(ELB_STATUS.requestTimeout, { close: true });
    this.#status = response.status;
    this.#generated = true;
    this.#answeredAt = this.#edge.options.clock.now();
    return response;
  }

  /**
   * The simulator stopped before the exchange was over (its grace period ended). Logged as what it was,
   * never as a target error: the target's statistics are left alone.
   */
  stopped(): void {
    this.#cause = 'the simulator stopped before the exchange finished (simulator shutdown, not a target error)';
    this.#stoppedEarly = true;
    if (this.#status === 0) {
      this.#status = ELB_STATUS.serviceUnavailable;
      this.#generated = true;
    }
  }

  /** §5.4 460: the client closed its connection before the response; nothing is written. */
  clientGone(bytes: { receivedBytes: number }): void {
    this.#status = 460;
    this.#generated = true;
    this.#targetStatus = undefined;
    this.#answeredAt = this.#edge.options.clock.now();
    this.finish({ receivedBytes: bytes.receivedBytes, sentBytes: 0 });
  }

  /** The exchange is over: report it to the engine (outcome of the target) and to the recorder. Idempotent. */
  finish(bytes: { receivedBytes: number; sentBytes: number }): void {
    if (this.#done) return;
    this.#done = true;
    const o = this.#edge.options;
    const now = o.clock.now();
    if (this.forward && this.#stoppedEarly) {
      o.engine.requestFinished(this.forward.requestId, { notSent: true });
    } else if (this.forward) {
      // one object of one shape (no spread): this runs for every request; `status` undefined = none
      o.engine.requestFinished(this.forward.requestId, {
        status: this.#targetStatus,
        // anomaly detection (§2.1) counts connection errors: never connected, or closed mid-request
        connectionError: this.#targetConnectionError === true || this.#failure === 'target_closed',
      });
    }
    const sent = this.sentToTargetAt;
    const headersAt = this.#headersAt;
    const tg = this.#tg;
    // one plain object (optional fields left undefined): this runs for every request
    o.recorder({
      loadBalancer: o.loadBalancerDimension,
      scheme: this.#edge.scheme,
      listenerPort: this.#edge.listenerPort,
      request: this.#request,
      receivedAtMs: this.receivedAt,
      finishedAtMs: now,
      requestProcessingMs: (sent ?? this.#answeredAt ?? now) - this.receivedAt,
      targetProcessingMs: sent !== undefined && headersAt !== undefined ? headersAt - sent : -1,
      responseProcessingMs: headersAt !== undefined ? now - headersAt : -1,
      status: this.#status,
      generated: this.#generated,
      targetStatus: this.#targetStatus,
      action: this.action,
      actions:
        this.action && this.action !== 'forward'
          ? this.authenticated
            ? ['authenticate', this.action]
            : [this.action]
          : this.actions,
      errorReason: this.errorReason,
      authOutcome: this.authOutcome,
      matchedRulePriority: this.matchedRulePriority,
      targetGroup: tg ? { id: tg.model.id, dimension: tg.dimension, arn: tg.arn } : undefined,
      target: this.target,
      targetChosen: this.targetChosen,
      stickiness: this.stickiness,
      failOpen: this.failOpen,
      targetConnectionError: this.#targetConnectionError,
      redirectUrl: this.redirectUrl,
      traceId: this.traceId,
      invalidHeaders: this.invalidHeaders,
      classification: this.classification,
      cause: this.#cause,
      receivedBytes: bytes.receivedBytes,
      sentBytes: bytes.sentBytes,
    });
  }
}

/** RFC 7230 token: what a response header name must be (else §5.4 502 malformed response). */
const VALID_RESPONSE_HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const INVALID_HEADER_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
