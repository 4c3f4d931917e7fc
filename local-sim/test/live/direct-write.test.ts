/**
 * `live/direct-write.ts` writes strings to a socket's handle without `Writable`: what the peer receives,
 * back-pressure ('drain') and order must be those of `socket.write` (simulator internals, no AWS behaviour).
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { writeLatin1 } from '../../src/live/direct-write';

let server: net.Server;
let sockets: net.Socket[] = [];

beforeEach(async () => {
  sockets = [];
  server = net.createServer((s) => sockets.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

async function pair(): Promise<{ writer: net.Socket; reader: net.Socket }> {
  const writer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sockets.push(writer);
  await once(writer, 'connect');
  while (sockets.length < 2) await once(server, 'connection');
  return { writer, reader: sockets[sockets.length - 1]! };
}

function readAll(reader: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    reader.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n >= bytes) resolve(Buffer.concat(chunks));
    });
  });
}

describe('direct writes (simulator internals, no AWS behaviour)', () => {
  test('a write the kernel cannot take at once returns false, emits drain, and keeps its order with later writes', async () => {
    const { writer, reader } = await pair();
    reader.pause();
    const big = 'a'.repeat(32 * 1024 * 1024);
    const ok = writeLatin1(writer, big);
    expect(ok).toBe(false);
    // queued behind the first: goes through socket.write, still after it
    writeLatin1(writer, 'tail\xff');
    const drained = once(writer, 'drain');
    const received = readAll(reader, big.length + 5);
    reader.resume();
    await drained;
    const got = await received;
    expect(got.length).toBe(big.length + 5);
    expect(got.subarray(big.length).toString('latin1')).toBe('tail\xff');
    expect(got.subarray(0, big.length).every((b) => b === 0x61)).toBe(true);
  });

  test('small writes return true and arrive byte for byte (latin1: one byte per char)', async () => {
    const { writer, reader } = await pair();
    const text = 'HTTP/1.1 200 OK\r\nx: \xe9\xff\r\n\r\n';
    const received = readAll(reader, text.length * 3);
    expect(writeLatin1(writer, text)).toBe(true);
    expect(writeLatin1(writer, text)).toBe(true);
    expect(writeLatin1(writer, text)).toBe(true);
    expect((await received).toString('latin1')).toBe(text.repeat(3));
  });

  test('a write to a socket already ended goes through socket.write (and fails as it would)', async () => {
    const { writer } = await pair();
    writer.end();
    const error = once(writer, 'error');
    writeLatin1(writer, 'late');
    const [err] = (await error) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ERR_STREAM_WRITE_AFTER_END');
  });
});
