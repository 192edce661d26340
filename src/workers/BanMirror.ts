/**
 * Ban lookups in worker threads without a round trip, and still exact.
 *
 * Every connection asks for IP bans before its handshake and every login for name and UUID
 * bans; asking the coordinator each time would cost two thread wake-ups per lookup. Instead
 * each worker keeps a copy of the active list, and a version number in a SharedArrayBuffer
 * says whether that copy is current:
 *
 * - the coordinator's BanList calls {@link BanMirror.publish} with each new list *before*
 *   that list answers lookups there: the version is bumped first (atomically, visible to every
 *   thread at once), then the list is sent to every worker with its version;
 * - a worker whose copy carries the current version answers from it; one whose copy is older
 *   (the new list is still on its way) asks the coordinator instead.
 *
 * So a ban added anywhere refuses the player on every worker from the moment `add` returns,
 * as in one process, and between changes no lookup leaves the worker.
 */
import type { BanEntry } from "../security/Ban.ts"
import { type Index, indexOf, lookupBan, type BanLookup } from "../security/BanIndex.ts"

export interface MirroredBans {
  readonly version: number
  readonly bans: ReadonlyArray<BanEntry>
}

/** The coordinator's side. */
export interface BanMirror {
  readonly buffer: SharedArrayBuffer
  readonly current: () => MirroredBans
  /** BanList's `onPublish`. */
  readonly publish: (bans: ReadonlyArray<BanEntry>) => void
  /** Called with each new list after the version is bumped (the worker pool sends it on). */
  onChange: (mirrored: MirroredBans) => void
}

export const makeBanMirror = (): BanMirror => {
  const buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)
  const version = new Int32Array(buffer)
  let current: MirroredBans = { version: 0, bans: [] }
  const mirror: BanMirror = {
    buffer,
    current: () => current,
    publish: (bans) => {
      current = { version: Atomics.add(version, 0, 1) + 1, bans }
      mirror.onChange(current)
    },
    onChange: () => {}
  }
  return mirror
}

/** A worker's copy. */
export interface BanCopy {
  /** Replaces the copy with one the coordinator sent. */
  readonly update: (mirrored: MirroredBans) => void
  /** The answer from the copy, or `stale` when it is not the current list. */
  readonly lookup: (lookup: BanLookup, nowMs: number) => BanEntry | undefined | "stale"
}

export const makeBanCopy = (buffer: SharedArrayBuffer, initial: MirroredBans): BanCopy => {
  const version = new Int32Array(buffer)
  let held = initial.version
  let index: Index = indexOf({ bans: initial.bans, audit: [] })
  return {
    update: (mirrored) => {
      // Messages arrive in order, but never go back to an older list.
      if (mirrored.version < held) return
      held = mirrored.version
      index = indexOf({ bans: mirrored.bans, audit: [] })
    },
    lookup: (lookup, nowMs) => (Atomics.load(version, 0) === held ? lookupBan(index, lookup, nowMs) : "stale")
  }
}
