/** Counts a listener's calls in flight, so a drain can wait for them (bounded). */
export class InFlight {
  #count = 0;
  #idle: (() => void) | undefined;

  get count(): number {
    return this.#count;
  }

  begin(): void {
    this.#count += 1;
  }

  end(): void {
    this.#count -= 1;
    if (this.#count === 0) this.#idle?.();
  }

  /** Resolves when no call is in flight, or after `maxMs`, whichever comes first. */
  drained(maxMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.#idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
