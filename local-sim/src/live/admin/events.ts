/**
 * `GET /events`: the dashboard's live feed, as server-sent events.
 *
 * - `state`: the whole `DashboardState`, once a second, and at once (coalesced) after a target's health,
 *   a DNS answer, a Route 53 check, an Availability Zone or the model changes, so that a row changes
 *   without waiting for the tick;
 * - `requests`: the request timeline's newest entries, explained, every 250 ms while there are any
 *   (`?timeline=0` leaves them out, and then the stream does not make the timeline record).
 *
 * Timers and simulator listeners exist only while a client is connected: with no dashboard open the
 * admin port costs nothing per request or per second.
 */
import type * as http from 'node:http';
import type { AdminHost } from '../simulator-api';
import { dashboardState } from './state';
import type { RequestTimeline } from './timeline';

/** How often the state is sent without a change (ms). */
export const STATE_INTERVAL_MS = 1000;
/** How often new timeline entries are sent (ms). */
export const TIMELINE_INTERVAL_MS = 250;
/** Most timeline entries sent per batch; the rest are counted as skipped. */
export const TIMELINE_BATCH = 100;
/** Simulator events that send the state at once: health, a reload, DNS answers, Route 53 checks, a zone failing. */
const STATE_EVENTS = ['health', 'reload', 'dns-answer', 'route53-health', 'zone'] as const;
/** A client that has this many bytes unsent is too slow and is disconnected. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

interface Client {
  readonly res: http.ServerResponse;
  /** Stop the timeline recording for this client (when it asked for the timeline). */
  readonly unwatch?: () => void;
  /** Id of the last timeline entry sent. */
  lastId: number;
}

export class EventHub {
  readonly #sim: AdminHost;
  readonly #timeline: RequestTimeline;
  readonly #clients = new Set<Client>();
  #stateTimer?: NodeJS.Timeout;
  #timelineTimer?: NodeJS.Timeout;
  #soon?: NodeJS.Immediate;
  readonly #changed = (): void => this.#stateSoon();

  constructor(sim: AdminHost, timeline: RequestTimeline) {
    this.#sim = sim;
    this.#timeline = timeline;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Serve one `/events` stream until the client leaves. */
  open(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>, timeline: boolean): void {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    const client: Client = {
      res,
      ...(timeline ? { unwatch: this.#timeline.watch() } : {}),
      lastId: this.#timeline.lastId,
    };
    if (this.#clients.size === 0) this.#start();
    this.#clients.add(client);
    res.write('retry: 1000\n\n');
    this.#send(client, 'state', JSON.stringify(dashboardState(this.#sim, this.#timeline.recording)));
    const leave = (): void => this.#leave(client);
    req.on('close', leave);
    res.on('error', leave);
  }

  /** End every stream (the admin server is closing). */
  close(): void {
    for (const c of [...this.#clients]) {
      c.res.end();
      this.#leave(c);
    }
  }

  #leave(client: Client): void {
    if (!this.#clients.delete(client)) return;
    client.unwatch?.();
    if (this.#clients.size === 0) this.#stop();
  }

  #start(): void {
    this.#stateTimer = setInterval(() => this.#broadcastState(), STATE_INTERVAL_MS);
    this.#timelineTimer = setInterval(() => this.#flushTimeline(), TIMELINE_INTERVAL_MS);
    this.#stateTimer.unref();
    this.#timelineTimer.unref();
    for (const e of STATE_EVENTS) this.#sim.on(e, this.#changed);
  }

  #stop(): void {
    clearInterval(this.#stateTimer);
    clearInterval(this.#timelineTimer);
    if (this.#soon) clearImmediate(this.#soon);
    this.#soon = undefined;
    for (const e of STATE_EVENTS) this.#sim.off(e, this.#changed);
  }

  /** A change: send the state after the current burst of events (one health change often brings others). */
  #stateSoon(): void {
    this.#soon ??= setImmediate(() => {
      this.#soon = undefined;
      this.#broadcastState();
    });
  }

  #broadcastState(): void {
    if (this.#clients.size === 0) return;
    let data: string;
    try {
      data = JSON.stringify(dashboardState(this.#sim, this.#timeline.recording));
    } catch (err) {
      this.#sim.emit('error', err);
      return;
    }
    for (const c of this.#clients) this.#send(c, 'state', data);
  }

  #flushTimeline(): void {
    const last = this.#timeline.lastId;
    for (const c of this.#clients) {
      if (!c.unwatch || c.lastId >= last) continue;
      const pending = last - c.lastId;
      const entries = this.#timeline.requests({ after: Math.max(c.lastId, last - TIMELINE_BATCH) });
      c.lastId = last;
      const skipped = Math.max(0, pending - TIMELINE_BATCH);
      this.#send(c, 'requests', JSON.stringify({ skipped, requests: entries }));
    }
  }

  #send(c: Client, event: string, data: string): void {
    if (c.res.writableLength > MAX_BACKLOG_BYTES) {
      c.res.destroy();
      this.#leave(c);
      return;
    }
    c.res.write(`event: ${event}\ndata: ${data}\n\n`);
  }
}
