import { request } from "undici";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    samples.push({ name: match[1], labels: parseLabels(match[2] ?? ""), value: Number(match[3]) });
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) labels[match[1]] = match[2];
  }
  return labels;
}

/** One scrape of /metrics, queried by name and label subset. */
export class Scrape {
  constructor(readonly samples: readonly Sample[]) {}

  static async of(metricsUrl: string): Promise<Scrape> {
    const response = await request(metricsUrl, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`GET ${metricsUrl}: HTTP ${response.statusCode}`);
    return new Scrape(parsePrometheusText(text));
  }

  /** Sum of the samples of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
      .reduce((total, s) => total + s.value, 0);
  }

  /** `name`'s samples summed per value of one label. */
  byLabel(name: string, label: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.samples) {
      if (s.name !== name) continue;
      const key = s.labels[label] ?? "";
      out[key] = (out[key] ?? 0) + s.value;
    }
    return out;
  }
}
