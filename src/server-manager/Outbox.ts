/**
 * Delivers what state transitions produce (commands for the monitor, state changes for
 * subscribers, outcomes for waiters) strictly in the order the transitions produced them.
 *
 * Why it exists: waking a fiber from synchronous code (`Queue.offerUnsafe`,
 * `PubSub.publishUnsafe`, `Deferred.doneUnsafe`) may run that fiber on the spot, and it may apply
 * the next transition before the first one's remaining items are out; delivered naively, a
 * stop could then reach the monitor before the start that preceded it, and subscribers could
 * see "starting → crashed" before "sleeping → starting". Here a delivery that re-enters only
 * queues its items; the outermost flush delivers them after the earlier ones.
 * (Regression: ServerManager.test.ts, the status-plane test, where a subscriber reacting to
 * "sleeping" wakes the server from inside the delivery.)
 */
export interface Outbox<A> {
  readonly push: (item: A) => void
  /** Delivers everything queued, unless a flush is already under way further up the stack. */
  readonly flush: () => void
}

export const makeOutbox = <A>(deliver: (item: A) => void): Outbox<A> => {
  const queue: Array<A> = []
  let flushing = false
  return {
    push: (item) => void queue.push(item),
    flush: () => {
      if (flushing) return
      flushing = true
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) deliver(item)
      flushing = false
    }
  }
}
