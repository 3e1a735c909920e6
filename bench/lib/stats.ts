/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined for none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Distribution {
  count: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export function distribution(samplesMs: readonly number[]): Distribution {
  const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
  const p50Ms = round(percentile(samplesMs, 50));
  const p99Ms = round(percentile(samplesMs, 99));
  const maxMs = round(percentile(samplesMs, 100));
  return {
    count: samplesMs.length,
    ...(p50Ms === undefined ? {} : { p50Ms }),
    ...(p99Ms === undefined ? {} : { p99Ms }),
    ...(maxMs === undefined ? {} : { maxMs }),
  };
}

export function median(samples: readonly number[]): number | undefined {
  return percentile(samples, 50);
}

export interface Trend {
  /** Least-squares slope, units of y per unit of x. */
  slope: number;
  intercept: number;
  /** Coefficient of determination of the fit, 0..1. */
  r2: number;
}

/** Ordinary least-squares line through (x, y). */
export function linearRegression(points: ReadonlyArray<{ x: number; y: number }>): Trend {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.y ?? 0, r2: 0 };
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const { x, y } of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
    syy += (y - meanY) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: meanY - slope * meanX, r2 };
}

/** `a - b` per key, keeping only keys whose difference is not zero. */
export function diffCounts(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const delta = (after[key] ?? 0) - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

export function sumCounts(counts: Readonly<Record<string, number>>, keep: (key: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((total, [key, value]) => (keep(key) ? total + value : total), 0);
}
