/**
 * The player's socket as a packet leg: taken over with `onread` (relay/ClientIntake.ts), so its
 * reads go into one reused buffer too, and fed first with what the login stages read but did
 * not consume. Where the socket cannot be adopted, its 'data' events feed the same handler.
 *
 * The socket belongs to the connection's scope (usually it is the accepted socket itself,
 * switched over in place; a new one made by the adoption is closed there too), and closing it
 * politely is {@link closeLeg}.
 */
import { type Duration, Effect, Scope } from "effect"
import { adoptWithOnread } from "../../relay/ClientIntake.ts"
import { endAndAwaitClose } from "../../socket/GracefulClose.ts"
import type { ClientLink } from "../ModeHandler.ts"
import { PacketLeg } from "./PacketLeg.ts"

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) (out.set(c, at), at += c.length)
  return out
}

export const clientLeg = (link: ClientLink): Effect.Effect<PacketLeg, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    const original = link.socket
    const leg = new PacketLeg("client", original)
    const adopted = adoptWithOnread(original, { onData: leg.onChunk })
    let buffered: ReadonlyArray<Uint8Array> = []
    if (adopted !== undefined) {
      leg.socket = adopted.socket
      buffered = adopted.buffered
      // The pause the handler asks for by returning false is the socket's own. A new socket
      // (the original left as a shell) is closed with the connection's scope like the original.
      if (adopted.socket !== original) {
        adopted.socket.on("error", () => {})
        yield* Scope.addFinalizer(scope, Effect.sync(() => adopted.socket.destroy()))
      }
    } else {
      original.on("data", (chunk: Buffer) => {
        if (!leg.onChunk(chunk.length, chunk)) original.pause()
      })
    }
    const early = concat([link.inbound.pending, ...buffered])
    link.inbound.pending = new Uint8Array(0)
    if (early.length > 0) leg.reader.push(early)
    return leg
  })

/** Ends the leg's write side after what it has written, reads and drops whatever comes, and waits (bounded) for the close. */
export const closeLeg = (leg: PacketLeg, linger: Duration.Input): Effect.Effect<void> => {
  leg.handler = () => true
  return endAndAwaitClose(leg.socket, undefined, linger)
}
