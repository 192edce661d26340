/**
 * The queue plugin's lines, one per server: players wait by rank (0 = priority, 1 = everyone
 * else), then in the order they arrived. Plain synchronous data: the plugin decides when a slot
 * is free, the line only says who is next and where everyone stands.
 */

export interface WaitingLine<P> {
  /** Puts `player` at the back of its rank for `server`; its 1-based position. */
  readonly join: (server: string, player: P, rank: number) => number
  /** Takes `player` out of whichever line it is in; the server's id, or undefined if it waited nowhere. */
  readonly leave: (player: P) => string | undefined
  /** 1-based place in its line, and the line's length. */
  readonly position: (player: P) => { readonly position: number; readonly total: number } | undefined
  /** Removes and returns the first `n` players of `server`'s line. */
  readonly take: (server: string, n: number) => ReadonlyArray<P>
  readonly waiting: (server: string) => ReadonlyArray<P>
  /** The servers someone waits for. */
  readonly servers: () => ReadonlyArray<string>
}

interface Waiter<P> {
  readonly player: P
  readonly rank: number
  readonly arrival: number
}

export const makeWaitingLine = <P>(): WaitingLine<P> => {
  const lines = new Map<string, Array<Waiter<P>>>()
  const where = new Map<P, string>()
  let arrivals = 0
  const lineOf = (server: string) => lines.get(server) ?? []
  return {
    join: (server, player, rank) => {
      const line = lines.get(server) ?? []
      lines.set(server, line)
      // After every waiter of the same or a better rank: FIFO within a rank.
      const at = line.findIndex((w) => w.rank > rank)
      const index = at === -1 ? line.length : at
      line.splice(index, 0, { player, rank, arrival: arrivals++ })
      where.set(player, server)
      return index + 1
    },
    leave: (player) => {
      const server = where.get(player)
      if (server === undefined) return undefined
      where.delete(player)
      const line = lineOf(server).filter((w) => w.player !== player)
      if (line.length === 0) lines.delete(server)
      else lines.set(server, line)
      return server
    },
    position: (player) => {
      const server = where.get(player)
      if (server === undefined) return undefined
      const line = lineOf(server)
      return { position: line.findIndex((w) => w.player === player) + 1, total: line.length }
    },
    take: (server, n) => {
      const line = lineOf(server)
      const taken = line.splice(0, Math.max(0, n))
      if (line.length === 0) lines.delete(server)
      for (const w of taken) where.delete(w.player)
      return taken.map((w) => w.player)
    },
    waiting: (server) => lineOf(server).map((w) => w.player),
    servers: () => [...lines.keys()]
  }
}
