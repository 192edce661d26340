/**
 * A connected backend socket whose reads arrive through Node's `onread` hook into its own
 * reused read buffer (see `socket/ReadBuffer.ts`). What happens to the bytes is decided by whoever
 * holds the link: the relay forwards them to the client, a status probe would parse them.
 */
import type * as Net from "node:net"
import type { ReadSink } from "./ReadBuffer.ts"

/**
 * Called for every chunk read from the backend (`socket`: the link's). `buf` is only valid during
 * the call (it is the socket's reused read buffer). Return `false` to pause the socket, as with
 * `onread`.
 */
export type BackendDataHandler = ReadSink["onData"]

export interface BackendLink {
  readonly socket: Net.Socket
  /** "host:port" as configured, for logs. */
  readonly address: string
  /** Bytes of the PROXY header written first, so relay byte counts can leave it out. */
  readonly headerBytes: number
  onData: BackendDataHandler
}

/** Until someone takes the link over, bytes from the backend are unexpected: keep them paused. */
export const pauseUntilTaken: BackendDataHandler = () => false
