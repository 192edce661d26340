/** Small statistics for the bench: percentiles of sorted samples, medians of rounds. */

/** The `q` quantile (0..1) of an ascending array, nearest rank; NaN when empty. */
export const percentile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

/** Median of the finite values; NaN when there are none. */
export const median = (values: ReadonlyArray<number | undefined>): number => {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return Number.NaN
  const mid = xs.length >> 1
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
}

export const minMax = (values: ReadonlyArray<number | undefined>): [number, number] => {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  return xs.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...xs), Math.max(...xs)]
}
