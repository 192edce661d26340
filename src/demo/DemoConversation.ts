/**
 * The demo backend's side of one connection (pure): bytes in, bytes to answer, done or not.
 *
 * It speaks just enough of the protocol for a first run: a status ping gets a MOTD that says the
 * proxy works (with the client's own protocol version, so the list shows no "outdated" mark)
 * and a pong; a login gets a Login Disconnect that tells the player where the server files go.
 * Anything else ends the conversation. It never throws and never reads past its input.
 */
import { encodeLoginDisconnect } from "../protocol/Disconnect.ts"
import { decodeFrame } from "../protocol/Frame.ts"
import { decodeHandshake, NextState } from "../protocol/Handshake.ts"
import { isProtocolError } from "../protocol/ProtocolError.ts"
import { decodeStatusServerbound, encodePongResponse, encodeStatusResponse } from "../protocol/Status.ts"

/** What the demo says, built once per server file. */
export interface DemoText {
  /** The server list's MOTD (section-sign colours allowed). */
  readonly motd: string
  /** The login screen's message. */
  readonly kick: string
}

/** The first-run texts for a demo server defined in `serverFile`, serving `serversDir`. */
export const demoText = (serverFile: string, serversDir: string): DemoText => ({
  motd: "§ainfrarust-ts is running§r\n§7This is its built-in demo server",
  kick: `§ainfrarust-ts is running.§r\n\nThis is its built-in demo server (${serverFile}).\n\n` +
    `Put one .toml file per backend server in\n§e${serversDir}§r\nand remove the demo file. ` +
    "Edits apply while the proxy runs."
})

type Phase = "handshake" | "status" | "login"

export interface Step {
  /** Frames to write now. */
  readonly out: ReadonlyArray<Uint8Array>
  /** Bytes not consumed yet (a frame still arriving). */
  readonly rest: Uint8Array
  /** Close the connection after writing `out`. */
  readonly end: boolean
}

/** One connection's state machine: feed it every chunk; it answers what to write. */
export class DemoConversation {
  private phase: Phase = "handshake"
  private protocol = 0
  private readonly text: DemoText
  constructor(text: DemoText) {
    this.text = text
  }

  feed(bytes: Uint8Array): Step {
    const out: Array<Uint8Array> = []
    let offset = 0
    for (;;) {
      const step = this.next(bytes, offset, out)
      if (step === "more") return { out, rest: bytes.subarray(offset), end: false }
      if (step === "end") return { out, rest: new Uint8Array(0), end: true }
      offset = step
    }
  }

  /** Handles one frame at `offset`: the next offset, "more" (incomplete) or "end". */
  private next(bytes: Uint8Array, offset: number, out: Array<Uint8Array>): number | "more" | "end" {
    if (offset >= bytes.length) return "more"
    switch (this.phase) {
      case "handshake": {
        const hs = decodeHandshake(bytes, offset)
        if (hs._tag === "NeedMore") return "more"
        if (isProtocolError(hs)) return "end"
        this.protocol = hs.value.protocolVersion
        this.phase = hs.value.nextState === NextState.Status ? "status" : "login"
        return hs.offset
      }
      case "status": {
        const packet = decodeStatusServerbound(bytes, offset)
        if (packet._tag === "NeedMore") return "more"
        if (isProtocolError(packet)) return "end"
        if (packet.value._tag === "PingRequest") {
          out.push(encodePongResponse(packet.value.payload))
          return "end"
        }
        const json = JSON.stringify({
          version: { name: "infrarust-ts demo", protocol: this.protocol },
          players: { max: 0, online: 0 },
          description: { text: this.text.motd }
        })
        const response = encodeStatusResponse(json)
        if (isProtocolError(response)) return "end"
        out.push(response)
        return packet.offset
      }
      case "login": {
        // Whatever the login start says, the answer is the same: wait for it whole, then kick.
        const frame = decodeFrame(bytes, offset)
        if (frame._tag === "NeedMore") return "more"
        const kick = encodeLoginDisconnect(this.text.kick)
        if (!isProtocolError(kick)) out.push(kick)
        return "end"
      }
    }
  }
}
