import { Gauge, type Registry } from "prom-client";

/** One series of a gauge computed at scrape time. */
export interface Sample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

export interface GaugeDefinition<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

type Source<L extends string> = () => Iterable<Sample<L>>;

/**
 * A gauge whose series are computed from the caches at each scrape and dropped once the scrape has
 * them: a plain Gauge would keep every label set between scrapes, which matters at tens of thousands
 * of series (several per resource).
 */
class ComputedGauge extends Gauge<string> {
  override async get() {
    const scraped = await super.get();
    this.reset();
    return scraped;
  }
}

/**
 * Per-resource gauges, computed from the informer caches at every scrape: a series disappears with its
 * resource without any bookkeeping, and a replica that is not running its controllers (a standby, before
 * it leads) exports none, so two replicas never double a fleet's figures. Several controllers may feed
 * one gauge (e.g. every kind's Stalled resources).
 */
export class ResourceGauges {
  readonly #sources = new Map<string, Array<Source<string>>>();

  constructor(
    private readonly registry: Registry,
    private readonly exporting: () => boolean,
  ) {}

  add<L extends string>(definition: GaugeDefinition<L>, source: Source<L>): void {
    const known = this.#sources.get(definition.name);
    if (known) {
      known.push(source);
      return;
    }
    const sources: Array<Source<string>> = [source];
    this.#sources.set(definition.name, sources);
    const exporting = this.exporting;
    new ComputedGauge({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames,
      registers: [this.registry],
      collect() {
        if (!exporting()) return;
        for (const next of sources) for (const sample of next()) this.set(sample.labels, sample.value);
      },
    });
  }
}
