/**
 * §3.4 WebSocket tunnels with targets that speak first: what a target sends right behind its 101 head,
 * in the same packet (a greeting frame), reaches the client ahead of everything else.
 */
import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { allHealthy, SITE, startFixture, WEB_HTTP } from './helpers';

let sim: Simulator | undefined;
let target: net.Server | undefined;

afterEach(async () => {
  await sim?.stop();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  sim = undefined;
  target = undefined;
});

/** A target that answers health checks with 200 and upgrades with a 101 and a greeting in one write. */
function greetingTarget(): Promise<number> {
  target = net.createServer((socket) => {
    let head = '';
    socket.on('data', function onData(chunk: Buffer) {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!/^upgrade:\s*websocket/im.test(head.slice(0, end))) {
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
        return;
      }
      socket.off('data', onData);
      // the 101 head and the first tunnel bytes leave in one write
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\nhello-from-target\n',
      );
      socket.on('data', (b: Buffer) => socket.write(`echo:${b.toString('latin1')}`));
    });
  });
  return new Promise((resolve) =>
    target!.listen(0, '127.0.0.1', () => resolve((target!.address() as net.AddressInfo).port)),
  );
}

test('§3.4 bytes a target sends in the same packet as its 101 reach the client first, then the tunnel carries both ways', async () => {
  const port = await greetingTarget();
  sim = await startFixture({ demoBackends: 0, targets: { [SITE]: [`127.0.0.1:${port}`] } });
  await allHealthy(sim, SITE);
  const client = net.connect(sim.port(WEB_HTTP), '127.0.0.1');
  let received = '';
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!received.includes(text)) return;
        client.off('data', onData);
        resolve();
      };
      const onData = (b: Buffer) => {
        received += b.toString('latin1');
        check();
      };
      client.on('data', onData);
      check();
    });
  const greeted = seen('hello-from-target\n');
  client.write('GET /ws HTTP/1.1\r\nhost: example.com\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
  await greeted;
  const [head, rest] = received.split('\r\n\r\n');
  expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
  expect(rest).toBe('hello-from-target\n');
  const echoed = seen('echo:ping');
  client.write('ping');
  await echoed;
  expect(received.endsWith('hello-from-target\necho:ping')).toBe(true);
  client.destroy();
});
