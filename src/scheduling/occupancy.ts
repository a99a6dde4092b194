// The instants already taken on one channel (scheduled, publishing or published), kept sorted.
export class Occupancy {
  private readonly times: number[];

  constructor(instants: Iterable<number> = []) {
    this.times = [...instants].sort((a, b) => a - b);
  }

  get size(): number {
    return this.times.length;
  }

  all(): readonly number[] {
    return this.times;
  }

  add(t: number): void {
    this.times.splice(this.lowerBound(t), 0, t);
  }

  /** How many instants lie in [from, to). */
  countIn(from: number, to: number): number {
    return to <= from ? 0 : this.lowerBound(to) - this.lowerBound(from);
  }

  /** The latest instant at or before t. */
  atOrBefore(t: number): number | undefined {
    const i = this.lowerBound(t + 1) - 1;
    return i >= 0 ? this.times[i] : undefined;
  }

  /** The earliest instant at or after t. */
  atOrAfter(t: number): number | undefined {
    return this.times[this.lowerBound(t)];
  }

  /** Instants in [from, to), in order. */
  between(from: number, to: number): number[] {
    return this.times.slice(this.lowerBound(from), this.lowerBound(to));
  }

  /** Index of the first instant >= t. */
  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
