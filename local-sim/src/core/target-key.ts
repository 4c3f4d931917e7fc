/**
 * The engine's key of a registered target: one object per registration, handed out in every decision
 * that picks the target. A shell keeps its own per-target state (the simulated backend, counters) as
 * an attachment of the key, so that a request finds it on the key it already holds instead of looking
 * it up in a table of thousands of targets. Attachments live in private fields: equality and JSON see
 * only the three public fields.
 */
import type { TargetKey } from './types';

/** Attachment kinds there is room for on each key (fields, not an array: one step from the key). */
const SLOTS = 2;
let slotsTaken = 0;

export class EngineTargetKey implements TargetKey {
  #owner0: object | undefined = undefined;
  #value0: unknown = undefined;
  #owner1: object | undefined = undefined;
  #value1: unknown = undefined;

  constructor(
    readonly targetGroupId: string,
    readonly targetId: string,
    readonly port: number,
  ) {}

  /** The value `owner` attached to `key` in `slot` (undefined: none, or not the engine's key). */
  static read(key: TargetKey, slot: number, owner: object): unknown {
    if (!(#owner0 in key)) return undefined;
    if (slot === 0) return key.#owner0 === owner ? key.#value0 : undefined;
    return key.#owner1 === owner ? key.#value1 : undefined;
  }

  /** Attach `value` for `owner` in `slot`; false for a key the engine did not make. */
  static write(key: TargetKey, slot: number, owner: object, value: unknown): boolean {
    if (!(#owner0 in key)) return false;
    if (slot === 0) {
      key.#owner0 = owner;
      key.#value0 = value;
    } else {
      key.#owner1 = owner;
      key.#value1 = value;
    }
    return true;
  }
}

/**
 * One kind of per-target state shells keep on the engine's keys. Create one per kind at module level
 * (there is room for two); each value belongs to an owner (the simulator or recorder that set it), so
 * that another owner shown the same key finds nothing there.
 */
export class Attachment<T> {
  readonly #slot: number;

  constructor() {
    if (slotsTaken === SLOTS) throw new Error(`EngineTargetKey has room for ${SLOTS} attachment kinds`);
    this.#slot = slotsTaken++;
  }

  get(key: TargetKey, owner: object): T | undefined {
    return EngineTargetKey.read(key, this.#slot, owner) as T | undefined;
  }

  /** Keep `value` on `key` for `owner`; false when `key` is not the engine's (keep it elsewhere). */
  set(key: TargetKey, owner: object, value: T): boolean {
    return EngineTargetKey.write(key, this.#slot, owner, value);
  }
}
