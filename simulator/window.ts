/** One quota's record of the requests it admitted during the last `windowMs`, and when room frees up in it. */

interface Entry {
  at: number;
  tokens: number;
}

export class SlidingWindow {
  // Oldest first: entries are added at the clock's current time, so they also leave in this order.
  private readonly entries: Entry[] = [];
  private tokenTotal = 0;

  constructor(private readonly windowMs: number) {}

  requests(now: number): number {
    this.prune(now);
    return this.entries.length;
  }

  tokens(now: number): number {
    this.prune(now);
    return this.tokenTotal;
  }

  add(now: number, tokens: number): void {
    this.prune(now);
    this.entries.push({ at: now, tokens });
    this.tokenTotal += tokens;
  }

  /**
   * Milliseconds from `now` until `fits` holds for what is still in the window, as entries leave it oldest
   * first: 0 when it holds already, undefined when it would not hold even in an empty window.
   */
  waitFor(now: number, fits: (requests: number, tokens: number) => boolean): number | undefined {
    this.prune(now);
    let requests = this.entries.length;
    let tokens = this.tokenTotal;
    if (fits(requests, tokens)) {
      return 0;
    }

    for (const entry of this.entries) {
      requests -= 1;
      tokens -= entry.tokens;
      if (fits(requests, tokens)) {
        return entry.at + this.windowMs - now;
      }
    }

    return undefined;
  }

  /** An entry made at `at` counts while `now` is before `at + windowMs`. */
  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    for (let oldest = this.entries[0]; oldest !== undefined && oldest.at <= cutoff; oldest = this.entries[0]) {
      this.entries.shift();
      this.tokenTotal -= oldest.tokens;
    }
  }
}
