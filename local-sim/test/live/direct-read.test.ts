/**
 * The HTTP/1.1 listener and its target connections read into one buffer shared by every socket
 * (`live/direct-read.ts`). These tests interleave connections so that the buffer is overwritten between
 * the pieces of one request, and check that what the target and the client get is exact.
 */
import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { allHealthy, get, header, SITE, startFixture, WEB_HTTP, type EchoBody } from './helpers';

let sim: Simulator;

beforeEach(async () => {
  sim = await startFixture();
  await allHealthy(sim, SITE);
});

afterEach(async () => {
  await sim.stop();
});

/** Opens a connection and resolves once it is connected. */
function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the first complete response (head and Content-Length body) read from `s`. */
function response(s: net.Socket): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.toString('latin1', 0, end);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      s.off('data', onData);
      resolve({ head, body: got.toString('utf8', end + 4, end + 4 + length) });
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/** Resolves once the simulator has had the chance to read what was written (a full request on another connection). */
async function otherRequest(port: number): Promise<void> {
  const r = await get(`http://127.0.0.1:${port}/other?x=${'y'.repeat(300)}`, {
    headers: { 'x-filler': 'z'.repeat(500) },
  });
  expect(r.status).toBe(200);
}

describe('reads into one shared buffer (simulator internals, no AWS behaviour)', () => {
  test('a request head and body sent in pieces, with other connections read in between, reach the target exactly', async () => {
    const port = sim.port(WEB_HTTP);
    const s = await open(port);
    const body = 'first-part|' + 'b'.repeat(2000) + '|last-part';
    const reply = response(s);
    s.write('POST /pieces?q=1 HTTP/1.1\r\nHost: pieces.example\r\nX-One: al');
    await otherRequest(port);
    s.write(`pha\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 700)}`);
    await otherRequest(port);
    s.write(body.slice(700));
    const r = await reply;
    s.destroy();
    expect(r.head).toMatch(/^HTTP\/1\.1 200 /);
    const echo = JSON.parse(r.body) as EchoBody;
    expect(echo.request.url).toBe('/pieces?q=1');
    expect(header(echo, 'x-one')).toEqual(['alpha']);
    expect(echo.body).toBe(body);
  });

  test('two pipelined requests in one read are both answered, in order, with their own bodies', async () => {
    const port = sim.port(WEB_HTTP);
    const s = await open(port);
    const first = response(s);
    s.write(
      'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcPOST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz',
    );
    const a = JSON.parse((await first).body) as EchoBody;
    const b = JSON.parse((await response(s)).body) as EchoBody;
    s.destroy();
    expect([a.request.url, a.body]).toEqual(['/one', 'abc']);
    expect([b.request.url, b.body]).toEqual(['/two', 'xyz']);
  });

  test('a response body larger than one write is relayed byte for byte', async () => {
    const port = sim.port(WEB_HTTP);
    const big = Array.from({ length: 6000 }, (_, i) => `${i % 10}${String.fromCharCode(97 + (i % 26))}`).join('-');
    const r = await get(`http://127.0.0.1:${port}/big`, { method: 'POST', body: big });
    expect(r.status).toBe(200);
    expect(r.json().body).toBe(big);
  });

  test('Expect: 100-continue is answered by the listener, and the target gets the body without the Expect header (no § in aws-behaviour.md)', async () => {
    const port = sim.port(WEB_HTTP);
    const s = await open(port);
    const interim = new Promise<string>((resolve) => s.once('data', (c: Buffer) => resolve(c.toString('latin1'))));
    s.write('POST /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    expect(await interim).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    const reply = response(s);
    s.write('hello');
    const echo = JSON.parse((await reply).body) as EchoBody;
    s.destroy();
    expect(echo.body).toBe('hello');
    expect(header(echo, 'expect')).toEqual([]);
  });
});
