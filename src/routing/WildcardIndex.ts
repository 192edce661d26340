/**
 * Wildcards grouped by the dot-led literal suffix every matching host must end with
 * (`DomainPattern.suffixKey`), so a lookup tests only the patterns that can match instead of
 * scanning all of them: 1,000 `*.<name>.example.net` routes cost a few map probes, not 1,000
 * matcher calls.
 *
 * Invariant: `first` returns exactly what a linear scan of the routes in precedence order
 * would return. Each route keeps its global rank; buckets are sorted by rank; the lowest-ranked
 * match across the buckets wins.
 */
import type { WildcardPattern } from "./DomainPattern.ts"

interface Ranked<R> {
  readonly rank: number
  readonly pattern: WildcardPattern
  readonly route: R
}

export interface WildcardIndex<R> {
  /** Suffix key (e.g. `".example.com"`) → routes with that key, in precedence order. */
  readonly bySuffix: ReadonlyMap<string, ReadonlyArray<Ranked<R>>>
  /** Routes whose key is `""` (no dot in their literal tail, e.g. `mc.*`): always tested. */
  readonly unkeyed: ReadonlyArray<Ranked<R>>
}

/** `routes` must already be in precedence order (index 0 wins). */
export const make = <R extends { readonly pattern: WildcardPattern }>(
  routes: ReadonlyArray<R>
): WildcardIndex<R> => {
  const bySuffix = new Map<string, Array<Ranked<R>>>()
  const unkeyed: Array<Ranked<R>> = []
  routes.forEach((route, rank) => {
    const ranked = { rank, pattern: route.pattern, route }
    const key = route.pattern.suffixKey
    if (key === "") {
      unkeyed.push(ranked)
      return
    }
    const bucket = bySuffix.get(key)
    if (bucket) bucket.push(ranked)
    else bySuffix.set(key, [ranked])
  })
  return { bySuffix, unkeyed }
}

/** Best match in `list` ranked below `best`, else `best`. Lists are sorted by rank. */
const scan = <R>(list: ReadonlyArray<Ranked<R>>, host: string, best: Ranked<R> | undefined) => {
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!
    if (best !== undefined && r.rank >= best.rank) return best
    if (r.pattern.matches(host)) return r
  }
  return best
}

/** The highest-precedence route whose pattern matches the (normalised) host. */
export const first = <R>(index: WildcardIndex<R>, host: string): R | undefined => {
  let best = scan(index.unkeyed, host, undefined)
  // A matching pattern's key is a suffix of the host that starts at one of its dots.
  for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
    const bucket = index.bySuffix.get(host.slice(dot))
    if (bucket !== undefined) best = scan(bucket, host, best)
  }
  return best?.route
}
