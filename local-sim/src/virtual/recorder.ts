/**
 * What a virtual-time run observed, counted as it happens (no list of requests is kept, so a run of
 * millions of requests needs little memory): statuses, errors by cause, a latency histogram
 * (HdrHistogram, 3 significant digits), requests per target and errors per time bucket.
 */
import * as hdr from 'hdr-histogram-js';
import { Attachment } from '../core/target-key';
import type { TargetKey } from '../core/types';
import type { VirtualOutcome } from './simulator';

/** Latencies are recorded in microseconds; the histogram covers 1 µs to one hour. */
const MICROS = 1000;
const HIGHEST_MICROS = 3_600_000_000;

export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** One point of a latency CDF: `share` of the requests took at most `ms`. */
export interface CdfPoint {
  readonly ms: number;
  readonly share: number;
}

export interface TargetLoad {
  readonly targetGroupId: string;
  readonly targetId: string;
  readonly port: number;
  readonly zone?: string;
  readonly requests: number;
  /** Requests forwarded per time bucket. */
  readonly series: readonly number[];
}

/** A request counts as an error when it got a 5xx, or no answer at all (reset, unreachable). */
export function isError(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}

/** The key errors are counted under: status (or `none`) and cause, e.g. `502 connect_refused`. */
export function errorKey(status: number | undefined, cause: string): string {
  return `${status ?? 'none'} ${cause}`;
}

/** A target's index in a recorder's arrays, kept on the engine's key (see `Attachment`). */
const INDEX = new Attachment<number>();

export class RunRecorder {
  readonly #histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  /** Latencies (µs) not yet in the histogram: fixed latencies make long runs of one value. */
  readonly #latencyRun = new Runs((micros, n) => this.#histogram.recordValueWithCount(micros, n));
  /** By status code (-1: no answer); turned into text only for the result. */
  readonly #statuses = new Map<number, number>();
  /** Statuses not yet in `#statuses` (most requests repeat the status before them). */
  readonly #statusRun = new Runs((s, n) => this.#statuses.set(s, (this.#statuses.get(s) ?? 0) + n));
  readonly #errors = new Map<string, number>();
  /** By the engine's key object (fast), and by name: a target registered again gets a new key object. */
  readonly #targets = new Map<TargetKey, number>();
  readonly #byName = new Map<string, number>();
  /** Each target's description, by index (in the order targets first received traffic). */
  readonly #loads: Omit<TargetLoad, 'series' | 'requests'>[] = [];
  /** Requests per target: `#perTarget[index]`. */
  #perTarget = new Int32Array(64);
  /**
   * Requests per target and time bucket, bucket first (`#perBucket[bucket * #capacity + index]`): the
   * requests of one stretch of time touch one small block, however many targets there are.
   */
  #perBucket: Int32Array;
  #capacity = 64;
  readonly #requestSeries: Int32Array;
  readonly #errorSeries: Int32Array;
  readonly #zones: (key: TargetKey) => string | undefined;
  completed = 0;
  errors = 0;

  constructor(
    readonly startMs: number,
    readonly bucketMs: number,
    readonly buckets: number,
    zones: (key: TargetKey) => string | undefined = () => undefined,
  ) {
    this.#requestSeries = new Int32Array(buckets);
    this.#errorSeries = new Int32Array(buckets);
    this.#perBucket = new Int32Array(this.#capacity * buckets);
    this.#zones = zones;
  }

  #bucket(t: number): number {
    const b = Math.floor((t - this.startMs) / this.bucketMs);
    return b < 0 ? 0 : b >= this.buckets ? this.buckets - 1 : b;
  }

  /** A request the client sent (counted in the bucket of its sending time, and on its target). */
  sent(at: number, target: TargetKey | undefined): void {
    const b = this.#bucket(at);
    this.#requestSeries[b]++;
    if (!target) return;
    let i = INDEX.get(target, this) ?? this.#targets.get(target);
    if (i === undefined) {
      const name = `${target.targetGroupId}|${target.targetId}:${target.port}`;
      i = this.#byName.get(name);
      if (i === undefined) {
        const zone = this.#zones(target);
        i = this.#loads.length;
        this.#loads.push({
          targetGroupId: target.targetGroupId,
          targetId: target.targetId,
          port: target.port,
          ...(zone ? { zone } : {}),
        });
        if (i === this.#capacity) this.#grow();
        this.#byName.set(name, i);
      }
      if (!INDEX.set(target, this, i)) this.#targets.set(target, i);
    }
    this.#perBucket[b * this.#capacity + i]++;
    this.#perTarget[i]++;
  }

  #grow(): void {
    const old = this.#capacity;
    const capacity = old * 2;
    const perTarget = new Int32Array(capacity);
    perTarget.set(this.#perTarget);
    const perBucket = new Int32Array(capacity * this.buckets);
    for (let b = 0; b < this.buckets; b++)
      perBucket.set(this.#perBucket.subarray(b * old, (b + 1) * old), b * capacity);
    this.#perTarget = perTarget;
    this.#perBucket = perBucket;
    this.#capacity = capacity;
  }

  /** A request that ended (errors are counted in the bucket of their end). */
  finished(status: number | undefined, cause: string, latencyMs: number, doneAt: number): void {
    this.completed++;
    const s = status ?? -1;
    this.#statusRun.add(s);
    if (isError(status)) {
      this.errors++;
      const k = errorKey(status, cause);
      this.#errors.set(k, (this.#errors.get(k) ?? 0) + 1);
      this.#errorSeries[this.#bucket(doneAt)]++;
    }
    this.#latencyRun.add(Math.max(1, Math.round(latencyMs * MICROS)));
  }

  /** The histogram with every latency recorded so far. */
  #latencies(): hdr.Histogram {
    this.#latencyRun.flush();
    return this.#histogram;
  }

  /** Shorthand for a `VirtualOutcome`. */
  outcome(o: VirtualOutcome): void {
    this.finished(o.status, o.cause, o.doneAt - o.sentAt, o.doneAt);
  }

  latency(): LatencySummary {
    const h = this.#latencies();
    // HdrHistogram answers with the top of a value's bucket; never above the largest value seen
    const ms = (p: number) => (h.totalCount === 0 ? 0 : Math.min(h.getValueAtPercentile(p), h.maxValue) / MICROS);
    return {
      count: h.totalCount,
      mean: h.totalCount === 0 ? 0 : h.mean / MICROS,
      p50: ms(50),
      p90: ms(90),
      p99: ms(99),
      p999: ms(99.9),
      max: h.totalCount === 0 ? 0 : h.maxValue / MICROS,
    };
  }

  /** The latency CDF at `points` percentiles (spaced more densely in the tail). */
  cdf(points = 100): CdfPoint[] {
    const h = this.#latencies();
    if (h.totalCount === 0) return [];
    const out: CdfPoint[] = [];
    for (let i = 0; i <= points; i++) {
      // 1 - (1 - x)^3 puts more points near 100 %
      const share = 1 - Math.pow(1 - i / points, 3);
      out.push({ ms: Math.min(h.getValueAtPercentile(Math.min(100, share * 100)), h.maxValue) / MICROS, share });
    }
    return out;
  }

  statuses(): Record<string, number> {
    this.#statusRun.flush();
    return sortedRecord(new Map([...this.#statuses].map(([k, v]) => [k < 0 ? 'none' : String(k), v])));
  }

  errorsByCause(): Record<string, number> {
    return sortedRecord(this.#errors);
  }

  requestSeries(): number[] {
    return [...this.#requestSeries];
  }

  errorSeries(): number[] {
    return [...this.#errorSeries];
  }

  /** Load per target, in the order targets first received traffic. */
  targets(): TargetLoad[] {
    const c = this.#capacity;
    return this.#loads.map((load, i) => ({
      ...load,
      requests: this.#perTarget[i],
      series: Array.from({ length: this.buckets }, (_, b) => this.#perBucket[b * c + i]),
    }));
  }
}

/** Counts repeats of the last value; a run is handed to `record` when another value comes, or on `flush`. */
class Runs {
  #value = NaN;
  #count = 0;
  constructor(readonly record: (value: number, count: number) => void) {}

  add(value: number): void {
    if (value === this.#value) this.#count++;
    else {
      this.flush();
      this.#value = value;
      this.#count = 1;
    }
  }

  flush(): void {
    if (this.#count > 0) this.record(this.#value, this.#count);
    this.#count = 0;
  }
}

function sortedRecord(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}
