/**
 * A closed integer range as AWS documents them ("2–10" means 2 and 10 are both allowed).
 */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export function range(min: number, max: number): Range {
  return { min, max };
}

export function inRange(value: number, r: Range): boolean {
  return Number.isInteger(value) && value >= r.min && value <= r.max;
}

export function describeRange(r: Range, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  return `${r.min}-${r.max}${u}`;
}
