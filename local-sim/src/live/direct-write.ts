/**
 * Writing a string to a plain TCP socket without Node's `Writable` machinery: when nothing is queued on
 * the socket, the text goes to the socket's handle at once, as `socket.write` would end up doing, but
 * without the write buffer bookkeeping, callbacks and tick that `Writable` adds to every write. Anything
 * else (TLS, a socket still connecting, ending or with writes queued) takes `socket.write`.
 *
 * What `socket.write` would do is kept: a socket timeout, if one is set, is refreshed (a write is activity), a write
 * the kernel could not take at once is finished by libuv in order (its completion emits 'drain', and
 * `false` is returned, as `write` does above its high-water mark), and a write error destroys the socket.
 */
import type * as net from 'node:net';

interface Handle {
  writeLatin1String?(req: object, data: string): number;
}

interface StreamWrapBinding {
  WriteWrap: new () => { handle?: Handle; oncomplete?: (this: never, status: number) => void; async?: boolean };
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

/** Node's own stream binding (what `net` uses); undefined if this Node does not offer it. */
const binding: StreamWrapBinding | undefined = (() => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    return typeof b.WriteWrap === 'function' && b.streamBaseState && typeof b.kLastWriteWasAsync === 'number'
      ? (b as StreamWrapBinding)
      : undefined;
  } catch {
    return undefined;
  }
})();

type Internals = net.Socket & { _handle?: Handle | null; encrypted?: boolean; _unrefTimer?(): void };

type WriteReq = InstanceType<StreamWrapBinding['WriteWrap']> & { socket?: net.Socket };

/** A write that libuv finished later (the kernel could not take it at once): 'drain', or the error. */
function onWriteComplete(this: WriteReq, status: number): void {
  const socket = this.socket!;
  if (status < 0) socket.destroy(new Error(`write failed (${status})`));
  else socket.emit('drain');
}

/**
 * Write `data` (latin1: one byte per char) to `socket`. Returns false when the caller should wait for
 * 'drain' before writing more, like `socket.write`.
 */
export function writeLatin1(socket: net.Socket, data: string): boolean {
  const s = socket as Internals;
  const handle = s._handle;
  if (
    binding === undefined ||
    !handle ||
    typeof handle.writeLatin1String !== 'function' ||
    s.encrypted ||
    s.connecting ||
    s.destroyed ||
    s.writableEnded ||
    s.writableCorked > 0 ||
    s.writableLength > 0
  ) {
    // (writes libuv still holds need no check: a new one queues behind them)
    return socket.write(data, 'latin1');
  }
  const req = new binding.WriteWrap() as WriteReq;
  req.handle = handle;
  req.async = false;
  req.socket = socket;
  req.oncomplete = onWriteComplete;
  const err = handle.writeLatin1String(req, data);
  if (err !== 0) {
    socket.destroy(new Error(`write failed (${err})`));
    return false;
  }
  if (s.timeout) s._unrefTimer?.(); // a socket timeout counts writes as activity
  // not all of it went out at once: libuv finishes it (in order, before any later write) and then 'drain'
  return binding.streamBaseState[binding.kLastWriteWasAsync] === 0;
}
