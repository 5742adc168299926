/**
 * Counters, gauges and histograms for the per-call metrics, as plain number cells the call
 * path bumps directly. prom-client's own children validate and hash their label object on
 * every observe (and search buckets one by one): six of those per call cost about 2 µs of CPU
 * in the bolt bench's filter loop, these cost a few array writes. They are registered in the
 * same prom-client Registry (anything with `get()` is a metric to it), so /metrics, the
 * dashboard and tests read them like any other.
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;
type MetricType = 'counter' | 'gauge' | 'histogram';

interface Sample {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

/** One labelled value of a counter or gauge. */
export interface ValueCell {
  value: number;
}

/** One labelled series of a histogram; `counts[i]` holds observations in bucket i only (not cumulative). */
export interface HistogramCell {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

abstract class CellFamily<C> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly aggregator = 'sum';
  protected readonly cells = new Map<string, { readonly labels: Labels; readonly cell: C }>();

  constructor(registry: Registry, name: string, help: string, type: MetricType) {
    this.name = name;
    this.help = help;
    this.type = type;
    registry.registerMetric(this as never);
  }

  /** The cell of a label set; the caller caches it, so the key is built once per label set. */
  cell(labels: Labels): C {
    const key = Object.values(labels).join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) this.cells.set(key, (entry = { labels, cell: this.make() }));
    return entry.cell;
  }

  async get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  protected abstract make(): C;
  protected abstract samples(): Sample[];
}

export class ValueFamily extends CellFamily<ValueCell> {
  protected make(): ValueCell {
    return { value: 0 };
  }

  protected samples(): Sample[] {
    return [...this.cells.values()].map(({ labels, cell }) => ({ labels, value: cell.value }));
  }
}

export class HistogramFamily extends CellFamily<HistogramCell> {
  readonly #bounds: readonly number[];

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[]) {
    super(registry, name, help, 'histogram');
    this.#bounds = bounds;
  }

  /** Adds one observation: the first bucket whose bound is not below it, else +Inf. */
  observe(cell: HistogramCell, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    cell.counts[i]! += 1;
    cell.sum += value;
    cell.count += 1;
  }

  protected make(): HistogramCell {
    return { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += cell.counts[i]!;
        out.push({ labels: { le: i < this.#bounds.length ? String(this.#bounds[i]) : '+Inf', ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      out.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      out.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
