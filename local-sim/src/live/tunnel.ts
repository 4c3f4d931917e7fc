/**
 * WebSocket (and any other) upgrades through an ALB listener: the request is routed once like any other
 * (§3.4: the target that answers 101 keeps the connection, no cookies after that), sent to the target,
 * and when the target answers 101 both connections are joined byte for byte until either side closes.
 * Anything other than 101 is relayed as a normal response and the connection closed.
 */
import type * as net from 'node:net';
import type { Exchange, UpstreamRequest } from '../core/exchange';
import type { RequestHead } from '../core/http1';
import type { Http1Parser } from '../core/http1';
import type { EdgeRuntime } from './edge-runtime';
import { UpstreamCall } from './upstream';
import { headerBlock, httpDate, statusLine } from './wire';

/** Hop-by-hop headers an upgrade response must keep (RFC 7230 §6.7). */
const UPGRADE_HEADERS = new Set(['connection', 'upgrade']);

export function openTunnel(
  client: net.Socket,
  parser: Http1Parser<RequestHead>,
  ex: Exchange,
  up: UpstreamRequest,
  rt: EdgeRuntime,
  onDone: () => void,
): void {
  let done = false;
  let sent = 0;
  let upstreamSocket: net.Socket | undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    rt.inFlight.delete(up.requestId);
    onDone();
    ex.finish({ receivedBytes: client.bytesRead, sentBytes: sent });
  };
  const fail = (status: number, headers: [string, string][], body: string): void => {
    client.end(statusLine(status) + headerBlock(headers) + `date: ${httpDate()}\r\nconnection: close\r\n\r\n` + body);
    finish();
  };
  const call = new UpstreamCall(
    {
      target: up.target,
      protocol: up.protocol,
      method: up.method,
      path: up.path,
      headers: up.headers.filter(([k]) => !UPGRADE_HEADERS.has(k.toLowerCase())),
      body: 'none',
      closeAfter: false,
      upgrade: up.headers.find(([k]) => k.toLowerCase() === 'upgrade')?.[1] ?? 'websocket',
    },
    {
      onHead(_call, status, headers) {
        if (done) return;
        if (status !== 101) {
          // not upgraded: relay the response head; its body follows and the connection then closes
          const r = ex.upstreamResponse(status, headers);
          if (r.kind === 'respond') {
            call.abort();
            fail(r.response.status, r.response.headers, r.response.body);
            return;
          }
          client.write(statusLine(status) + headerBlock(r.headers) + 'connection: close\r\n\r\n', 'latin1');
          return;
        }
        const r = ex.upstreamResponse(101, headers);
        const kept = headers.filter(([k]) => UPGRADE_HEADERS.has(k.toLowerCase()));
        const relayed = r.kind === 'relay' ? r.headers : [];
        client.write(statusLine(101) + headerBlock([...relayed, ...kept]) + '\r\n', 'latin1');
        const socket = call.socket!;
        upstreamSocket = socket;
        const early = parser.takeRemainder();
        if (early && early.length > 0) socket.write(early);
        socket.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          if (!client.write(chunk)) socket.pause();
        });
        client.on('drain', () => socket.resume());
        client.on('data', (chunk: Buffer) => {
          if (!socket.write(chunk)) client.pause();
        });
        socket.on('drain', () => client.resume());
        socket.setTimeout(rt.idleMs, () => socket.destroy());
        client.setTimeout(rt.idleMs);
        client.on('timeout', () => client.destroy());
        socket.once('close', () => {
          client.destroy();
          finish();
        });
        client.once('close', () => {
          socket.destroy();
          finish();
        });
      },
      onBody(_call, chunk) {
        if (done) return;
        sent += chunk.length;
        client.write(chunk);
      },
      onEnd() {
        if (done) return;
        client.end();
        finish();
      },
      onFailure(_call, kind, detail, afterHead) {
        if (done) return;
        if (afterHead) {
          ex.interrupted(kind, detail);
          client.destroy();
          finish();
          return;
        }
        const response = ex.upstreamFailed(kind, detail);
        fail(response.status, response.headers, response.body);
      },
    },
  );
  rt.inFlight.add(up.requestId, () => {
    call.abort();
    upstreamSocket?.destroy();
    client.destroy();
    finish();
  });
  client.once('close', () => {
    if (!upstreamSocket && !done) {
      call.abort();
      ex.clientGone({ receivedBytes: client.bytesRead });
      done = true;
      onDone();
      rt.inFlight.delete(up.requestId);
    }
  });
  rt.pools.get(up.target, up.protocol).request(call, rt.idleMs);
}
