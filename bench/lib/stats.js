// Small statistics helpers: a bounded uniform sample and percentiles.

/** Keeps a uniform random sample of at most `capacity` values (Vitter's algorithm R). */
export class Reservoir {
  constructor(capacity) {
    this.capacity = capacity;
    this.seen = 0;
    this.items = [];
  }
  add(value) {
    this.seen += 1;
    if (this.items.length < this.capacity) {
      this.items.push(value);
      return;
    }
    const j = Math.floor(Math.random() * this.seen);
    if (j < this.capacity) this.items[j] = value;
  }
  values() {
    return this.items;
  }
}

/** The p-th percentile (0..100) of the values, or null when there are none. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)];
}

export function median(values) {
  const present = values.filter((v) => v !== null && Number.isFinite(v));
  if (present.length === 0) return null;
  const sorted = [...present].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
