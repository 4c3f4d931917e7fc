/**
 * Small pieces of HTTP/1.1 wire format the live shell writes: status lines, header blocks, the Date
 * header (formatted at most once a second), and the registry of forwarded requests the engine may abort.
 */
import type { HeaderList } from '../core/headers';
import { STATUS_TEXT } from '../core/elb-response';

let dateSecond = 0;
let dateText = '';

/** `Date` header value, cached per second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

// (three-digit statuses: one slot each, allocated up front so the array keeps fast elements)
const STATUS_LINES: (string | undefined)[] = new Array<string | undefined>(1000);

/** `HTTP/1.1 <status> <reason>` and its line end (made once per status). */
export function statusLine(status: number): string {
  return (STATUS_LINES[status] ??= `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`);
}

/** A header block (without the final blank line). */
export function headerBlock(headers: HeaderList): string {
  let out = '';
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out;
}

/** Something that can give up on a forwarded request when the engine says so. */
export interface Abortable {
  abortInFlight(requestId: number): void;
}

/**
 * A connection that has at most one forwarded request in flight at a time and answers for it itself
 * (an HTTP/1.1 client connection): registered once for its life instead of once per request.
 */
export interface InFlightHolder extends Abortable {
  /** The engine's id of its request in flight, if any. */
  inFlightRequest(): number | undefined;
}

/** Requests forwarded and not yet finished, so the engine can abort them (§2.3 → 502, §6.6 resets). */
export class InFlightRegistry {
  readonly #map = new Map<number, Abortable | (() => void)>();
  readonly #holders = new Set<InFlightHolder>();
  /** `abort`: a function, or an object that handles several requests (no closure per request). */
  add(id: number, abort: Abortable | (() => void)): void {
    this.#map.set(id, abort);
  }
  delete(id: number): void {
    this.#map.delete(id);
  }
  addHolder(holder: InFlightHolder): void {
    this.#holders.add(holder);
  }
  deleteHolder(holder: InFlightHolder): void {
    this.#holders.delete(holder);
  }
  abort(id: number): void {
    const f = this.#map.get(id);
    if (f !== undefined) {
      this.#map.delete(id);
      if (typeof f === 'function') f();
      else f.abortInFlight(id);
      return;
    }
    // rare (a deregistration delay ending with requests in flight): the holders are asked one by one
    for (const h of this.#holders) {
      if (h.inFlightRequest() === id) {
        h.abortInFlight(id);
        return;
      }
    }
  }
  /** Every request still in flight (simulator stop: none of them is a target error). */
  ids(): number[] {
    const out = [...this.#map.keys()];
    for (const h of this.#holders) {
      const id = h.inFlightRequest();
      if (id !== undefined) out.push(id);
    }
    return out;
  }
}
