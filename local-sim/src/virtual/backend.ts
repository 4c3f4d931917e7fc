/**
 * Simulated targets for virtual-time scenarios: functions of time that say how a target answers a
 * health check or a request (status and latency, refused connection, or no answer at all).
 */
import type { HttpRequestInfo, ProbeRequest } from '../core/types';

export type BackendResponse =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly latencyMs?: number;
      readonly setCookieNames?: readonly string[];
    }
  /** Connection refused. */
  | { readonly kind: 'refuse' }
  /** The target accepts the request, then resets the connection (RST) after `latencyMs`. */
  | { readonly kind: 'reset'; readonly latencyMs?: number }
  /** Never answers (health checks time out; requests stay in flight). */
  | { readonly kind: 'hang' };

export interface Backend {
  healthCheck(now: number, probe: ProbeRequest): BackendResponse;
  request(now: number, request: HttpRequestInfo): BackendResponse;
  /** Called when a request this backend accepted completes (for load-dependent backends). */
  finished?(now: number): void;
}

export const ok = (status = 200, latencyMs = 1): BackendResponse => ({ kind: 'response', status, latencyMs });

/** Answers every health check and request with `status` after `latencyMs`. */
export function healthyBackend(latencyMs = 1, status = 200): Backend {
  return { healthCheck: () => ok(status, latencyMs), request: () => ok(status, latencyMs) };
}

/** A backend whose behaviour is switched by the scenario (`set(...)`), e.g. to start failing at a time. */
export class ScriptedBackend implements Backend {
  #health: (now: number) => BackendResponse;
  #request: (now: number, req: HttpRequestInfo) => BackendResponse;

  constructor(initial: Backend = healthyBackend()) {
    this.#health = (now) => initial.healthCheck(now, undefined as unknown as ProbeRequest);
    this.#request = (now, req) => initial.request(now, req);
  }

  /** From now on, health checks get `response`. */
  setHealth(response: BackendResponse | ((now: number) => BackendResponse)): this {
    this.#health = typeof response === 'function' ? response : () => response;
    return this;
  }

  /** From now on, requests get `response`. */
  setRequest(response: BackendResponse | ((now: number, req: HttpRequestInfo) => BackendResponse)): this {
    this.#request = typeof response === 'function' ? response : () => response;
    return this;
  }

  healthCheck(now: number): BackendResponse {
    return this.#health(now);
  }

  request(now: number, req: HttpRequestInfo): BackendResponse {
    return this.#request(now, req);
  }
}

/**
 * A backend with limited concurrency: latency = `baseLatencyMs` × max(1, active / `concurrency`), so an
 * overloaded target gets slower (what algorithms like least_outstanding_requests react to).
 */
export class CapacityBackend implements Backend {
  #active = 0;

  constructor(
    readonly baseLatencyMs: number,
    readonly concurrency: number,
    readonly status = 200,
  ) {}

  get active(): number {
    return this.#active;
  }

  healthCheck(): BackendResponse {
    return ok(200, 1);
  }

  request(): BackendResponse {
    this.#active++;
    const factor = Math.max(1, this.#active / this.concurrency);
    return ok(this.status, Math.round(this.baseLatencyMs * factor));
  }

  finished(): void {
    this.#active = Math.max(0, this.#active - 1);
  }
}
