/** A small server-sent events client for the admin port's `/events` stream (tests only). */
import * as http from 'node:http';

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export interface SseStream {
  /** The data (parsed JSON) of the next event named `event`; events of other names before it are dropped. */
  next<T = unknown>(event: string): Promise<T>;
  close(): void;
}

interface Waiter {
  readonly event: string;
  readonly resolve: (data: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** Open `url` (an `/events` URL) and resolve once the server has answered 200. */
export function openEvents(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<SseStream> {
  const queue: SseEvent[] = [];
  const waiters: Waiter[] = [];
  let ended: Error | undefined;
  const deliver = (): void => {
    while (waiters.length > 0) {
      const w = waiters[0]!;
      const at = queue.findIndex((e) => e.event === w.event);
      if (at < 0) break;
      const wanted = queue[at]!;
      queue.splice(0, at + 1);
      waiters.shift();
      w.resolve(JSON.parse(wanted.data));
    }
    if (ended) for (const w of waiters.splice(0)) w.reject(ended);
  };
  const parse = (block: string): void => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) queue.push({ event, data: data.join('\n') });
  };
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        deliver();
      });
      res.on('close', () => {
        ended = new Error('the event stream closed');
        deliver();
      });
      resolve({
        next: <T>(event: string) =>
          new Promise<T>((ok, fail) => {
            waiters.push({ event, resolve: ok as (data: unknown) => void, reject: fail });
            deliver();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
