/**
 * The `load_balancing` strategies as pure functions: given the backends in rotation (in
 * `addresses` order), the order a new login should try them in. The first element is the
 * strategy's pick; the rest is the failover order if that backend does not connect.
 *
 * - `sequential`: as written (Infrarust).
 * - `random`: a weighted shuffle, so the pick lands on each backend with probability
 *   weight / total weight.
 * - `round_robin`: smooth weighted round robin (nginx's algorithm): over any window of
 *   `total weight` picks each backend is chosen exactly `weight` times, interleaved
 *   (weights 1 and 3 give b a b b, not a b b b). Failover continues in `addresses` order after
 *   the pick.
 * - `least_players` / `least_connections`: the backend with the lowest load ÷ weight; ties are
 *   broken by the same smooth weighted round robin, so idle backends still share players by
 *   weight instead of all going to the first one.
 *
 * Invariant: `order` returns a permutation of its input; the only state it touches is the
 * per-server round-robin memory passed in.
 */
import type { BackendTarget, LoadBalancing } from "../config/ServerConfig.ts"

/** Per-server memory of the round-robin strategies (keyed by backend `text`). */
export interface StrategyState {
  readonly current: Map<string, number>
}

export const makeStrategyState = (): StrategyState => ({ current: new Map() })

export interface StrategyInputs {
  /** A uniform number in [0, 1). */
  readonly random: () => number
  /** Players or connections on a backend (least_* only). */
  readonly load: (target: BackendTarget) => number
}

/**
 * One step of smooth weighted round robin over `targets`: every backend gains its weight, the
 * largest current value wins (first in order on a tie) and pays back the total.
 */
const smoothPick = (targets: ReadonlyArray<BackendTarget>, state: StrategyState): number => {
  let total = 0
  let best = -1
  let bestValue = -Infinity
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]!
    const value = (state.current.get(target.text) ?? 0) + target.weight
    state.current.set(target.text, value)
    total += target.weight
    if (value > bestValue) {
      bestValue = value
      best = i
    }
  }
  const winner = targets[best]!
  state.current.set(winner.text, bestValue - total)
  return best
}

/** The pick first, then the others in `addresses` order starting after it (wrapping). */
const rotateFrom = (targets: ReadonlyArray<BackendTarget>, index: number): Array<BackendTarget> => [
  ...targets.slice(index),
  ...targets.slice(0, index)
]

const weightedShuffle = (targets: ReadonlyArray<BackendTarget>, random: () => number): Array<BackendTarget> => {
  const pool = [...targets]
  const out: Array<BackendTarget> = []
  while (pool.length > 0) {
    let r = random() * pool.reduce((sum, t) => sum + t.weight, 0)
    let index = pool.length - 1
    for (let i = 0; i < pool.length; i++) {
      r -= pool[i]!.weight
      if (r < 0) {
        index = i
        break
      }
    }
    out.push(pool.splice(index, 1)[0]!)
  }
  return out
}

const leastLoaded = (
  targets: ReadonlyArray<BackendTarget>,
  state: StrategyState,
  load: (target: BackendTarget) => number
): Array<BackendTarget> => {
  const scored = targets.map((target) => ({ target, score: load(target) / target.weight }))
  const lowest = Math.min(...scored.map((s) => s.score))
  const tied = scored.filter((s) => s.score === lowest).map((s) => s.target)
  const pick = tied[smoothPick(tied, state)]!
  const rest = scored
    .filter((s) => s.target !== pick)
    .sort((a, b) => a.score - b.score) // stable: equal scores keep `addresses` order
    .map((s) => s.target)
  return [pick, ...rest]
}

export const order = (
  strategy: LoadBalancing,
  targets: ReadonlyArray<BackendTarget>,
  state: StrategyState,
  inputs: StrategyInputs
): Array<BackendTarget> => {
  if (targets.length <= 1) return [...targets]
  switch (strategy) {
    case "sequential":
      return [...targets]
    case "random":
      return weightedShuffle(targets, inputs.random)
    case "round_robin":
      return rotateFrom(targets, smoothPick(targets, state))
    case "least_players":
    case "least_connections":
      return leastLoaded(targets, state, inputs.load)
  }
}

/** Drops round-robin memory of backends that are no longer configured. */
export const pruneStrategyState = (state: StrategyState, keep: ReadonlySet<string>): void => {
  for (const key of state.current.keys()) if (!keep.has(key)) state.current.delete(key)
}
