/**
 * Reading a plain TCP socket without Node's `Readable` machinery: every read lands in one buffer shared
 * by all sockets and goes straight to a callback, with no `Buffer` allocated, no 'data' event and no
 * tick scheduled per read. This is Node's own `onread` socket option (documented for sockets it
 * connects), applied to sockets of either side. Safe because reads are delivered one at a time on the
 * event loop: whatever a callback keeps beyond its return must be copied.
 *
 * `pause()`/`resume()`, timeouts, 'end', 'close', 'error' and `bytesRead` work as with 'data' events
 * (Node handles the `onread` mode in each). TLS sockets and sockets whose internals do not look as
 * expected keep 'data' events (then each chunk is the socket's own and may be kept).
 */
import type * as net from 'node:net';

/** One buffer for every read: reads never overlap, and each is handled before the next one happens. */
const SHARED = Buffer.allocUnsafe(64 * 1024);

interface Internals {
  _handle?: { useUserBuffer?: (buf: Uint8Array) => void } | null;
  encrypted?: boolean;
}

/**
 * Views of the first `n` bytes of the shared buffer, kept by `n` (reads of a connection are mostly the
 * same few sizes): no view allocated per read. Whoever keeps bytes copies them anyway.
 */
const VIEWS: (Buffer | undefined)[] = new Array<Buffer | undefined>(256);

function viewOf(n: number): Buffer {
  const i = n & 255;
  let v = VIEWS[i];
  if (v === undefined || v.length !== n) VIEWS[i] = v = SHARED.subarray(0, n);
  return v;
}

let slots: { buffer: symbol; callback: symbol } | null | undefined;

/** The socket's `onread` slots (found once, by their names; null when this Node has none). */
function onreadSlots(socket: net.Socket): { buffer: symbol; callback: symbol } | null {
  if (slots !== undefined) return slots;
  const own = Object.getOwnPropertySymbols(socket);
  const buffer = own.find((s) => s.description === 'kBuffer');
  const callback = own.find((s) => s.description === 'kBufferCb');
  slots = buffer && callback ? { buffer, callback } : null;
  return slots;
}

/**
 * Hand every read of `socket` to `onData`. Returns true when reads are direct (`onData` gets a view of
 * the shared buffer, valid only during the call), false when it fell back to 'data' events.
 */
export function readDirect(socket: net.Socket, onData: (chunk: Buffer) => void): boolean {
  const s = socket as net.Socket & Internals & Record<symbol, unknown>;
  const handle = s._handle;
  const k = s.encrypted || !handle || typeof handle.useUserBuffer !== 'function' ? null : onreadSlots(socket);
  if (!k || s[k.buffer] !== null || s[k.callback] !== null) {
    socket.on('data', onData);
    return false;
  }
  s[k.buffer] = SHARED;
  s[k.callback] = (n: number) => {
    onData(viewOf(n));
  };
  handle!.useUserBuffer!(SHARED);
  return true;
}
