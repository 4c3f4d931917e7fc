/**
 * The load balancer's side of talking to an identity provider (docs/aws-behaviour.md §4.3): performs
 * the token and user-info calls an exchange asks for (`ExchangeStep` kind `idp`) with undici and hands
 * each reply back until the exchange has its answer. An endpoint that refuses, cannot be resolved or
 * gives no answer within the timeout is `unreachable` (500, simulator choice `auth_error_status`).
 */
import { SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';
import { request } from 'undici';
import type { IdpCall, IdpReply } from '../core/authenticate';
import { elbResponse, type ElbResponse } from '../core/elb-response';
import type { Exchange } from '../core/exchange';

/** Bodies larger than this are cut (the claims limit is 11 KB; this leaves room to see it exceeded). */
const MAX_BODY_BYTES = 64 * 1024;

/** One call to the identity provider. */
export async function callIdentityProvider(
  call: IdpCall,
  timeoutMs: number = SIMULATOR_CHOICE_PARAMS.identityProviderTimeoutMs,
): Promise<IdpReply> {
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: Object.fromEntries(call.headers),
      ...(call.body !== undefined ? { body: call.body } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size <= MAX_BODY_BYTES) chunks.push(b);
    }
    return { kind: 'response', status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    return { kind: 'unreachable', detail: `${call.purpose} endpoint ${call.url}: ${(err as Error).message}` };
  }
}

/** Drive an exchange's identity-provider calls to the load balancer's answer. Never rejects. */
export async function authenticateThroughIdp(
  ex: Exchange,
  first: IdpCall,
  call: (c: IdpCall) => Promise<IdpReply> = callIdentityProvider,
): Promise<ElbResponse> {
  let next: IdpCall = first;
  try {
    for (;;) {
      const step = ex.idpAnswered(await call(next));
      if (step.kind === 'respond') return step.response;
      if (step.kind !== 'idp') throw new Error(`unexpected step ${step.kind} after an identity-provider call`);
      next = step.call;
    }
  } catch (err) {
    const step = ex.answer(elbResponse(500, { close: ex.closeAfter }), `authentication: ${(err as Error).message}`);
    return (step as { response: ElbResponse }).response;
  }
}
