/**
 * Bounded label values (issue 9): a caller naming services, methods or endpoints must not
 * grow /metrics without end. Each label keeps at most `max` distinct values; later ones
 * are exported as `other` and counted under the `max_metric_label_values` limit.
 */

/** The one label value that stands for every value past the cap. */
export const OTHER_LABEL_VALUE = 'other';

export class BoundedLabels {
  #max = 1_000;
  readonly #seen = new Map<string, Set<string>>();
  readonly #onOverflow: () => void;

  constructor(onOverflow: () => void) {
    this.#onOverflow = onOverflow;
  }

  /** Most distinct values each bounded label takes (config `defaults.maxMetricLabelValues`). */
  setMax(max: number): void {
    this.#max = max;
  }

  get max(): number {
    return this.#max;
  }

  /** `value` if the label has room for it (or already has it), else `other`. */
  bound(label: string, value: string): string {
    let seen = this.#seen.get(label);
    if (!seen) this.#seen.set(label, (seen = new Set()));
    if (seen.has(value)) return value;
    if (seen.size < this.#max) {
      seen.add(value);
      return value;
    }
    this.#onOverflow();
    return OTHER_LABEL_VALUE;
  }
}
