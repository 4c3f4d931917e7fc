/**
 * Request heads without a body wait for the end of the event-loop turn (`TurnWrites` in upstream.ts):
 * written together, in order, and never to a connection closed meanwhile.
 */
import type * as net from 'node:net';
import { setImmediate as turnEnd } from 'node:timers/promises';
import { TurnWrites } from '../../src/live/upstream';

/** A socket stand-in: `write` records what it is given (no handle: the plain `socket.write` path is taken). */
function fakeSocket(name: string, log: string[]): net.Socket {
  return {
    destroyed: false,
    write: (data: string) => {
      log.push(`${name}:${data}`);
      return true;
    },
  } as unknown as net.Socket;
}

/** Fresh writes and two connections whose writes land in one log. */
function setup() {
  const log: string[] = [];
  return { log, writes: new TurnWrites(), a: fakeSocket('a', log), b: fakeSocket('b', log) };
}

test('heads wait for the end of the turn, then go in the order they were made', async () => {
  const { log, writes, a, b } = setup();
  writes.add(a, 'GET /1');
  writes.add(b, 'GET /2');
  writes.add(a, 'GET /3');
  expect(log).toEqual([]);
  await turnEnd();
  expect(log).toEqual(['a:GET /1', 'b:GET /2', 'a:GET /3']);
});

test('a connection closed before the end of the turn gets nothing; the next turn starts empty', async () => {
  const { log, writes, a, b } = setup();
  writes.add(a, 'GET /1');
  writes.add(b, 'GET /2');
  (a as { destroyed: boolean }).destroyed = true;
  await turnEnd();
  expect(log).toEqual(['b:GET /2']);
  writes.add(b, 'GET /3');
  await turnEnd();
  expect(log).toEqual(['b:GET /2', 'b:GET /3']);
});
