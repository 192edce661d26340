#!/usr/bin/env node
/**
 * `node src/cli/StatusPing.ts [HOST:PORT] [DOMAIN]`: one Minecraft status ping, for container
 * health checks and monitoring. Exit code 0 when a status response arrived within
 * {@link TIMEOUT_MS} (its version name and MOTD text are printed), 1 otherwise (the reason on
 * stderr).
 *
 * Defaults: $INFRARUST_HEALTHCHECK_ADDRESS and $INFRARUST_HEALTHCHECK_DOMAIN when set (so a
 * container that listens elsewhere keeps its image's HEALTHCHECK: `docker run -e ...`), else
 * 127.0.0.1:25565 and the domain `healthcheck.invalid`, which no server claims, so the
 * proxy answers from its own `[default_motd]` without touching a backend: the check says the
 * proxy accepts and answers, not whether some backend is up. With `unknown_domain_behavior =
 * "drop"` unknown domains get no answer: pass a served domain instead.
 *
 * Plain Node (no Effect runtime): it runs every few seconds in a container and must start fast.
 */
import * as Net from "node:net"
import { encodeHandshake, NextState } from "../protocol/Handshake.ts"
import { isProtocolError } from "../protocol/ProtocolError.ts"
import { decodeStatusClientbound, encodeStatusRequest } from "../protocol/Status.ts"

/** A health check that takes longer than this is a failed one. */
export const TIMEOUT_MS = 3000
/** The status protocol is the same in every version since 1.7; any recent number is answered. */
const PROTOCOL = 769

export interface PingResult {
  readonly version: string
  readonly motd: string
}

/** The text of a description (a string, or a component with `text` and `extra`). */
const textOf = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value === null || typeof value !== "object") return ""
  const c = value as { text?: unknown; extra?: unknown }
  return textOf(c.text) + (Array.isArray(c.extra) ? c.extra.map(textOf).join("") : "")
}

export const statusPing = (host: string, port: number, domain: string): Promise<PingResult> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect({ host, port })
    let buffered = new Uint8Array(0)
    const fail = (reason: string) => {
      socket.destroy()
      reject(new Error(reason))
    }
    socket.setTimeout(TIMEOUT_MS, () => fail(`no status response within ${TIMEOUT_MS} ms`))
    socket.on("error", (e) => fail(e.message))
    socket.on("close", () => fail("the connection closed without a status response"))
    socket.on("connect", () => {
      const handshake = encodeHandshake({ protocolVersion: PROTOCOL, serverAddress: domain, serverPort: port, nextState: NextState.Status })
      if (isProtocolError(handshake)) return fail(handshake.message)
      socket.write(handshake)
      socket.write(encodeStatusRequest())
    })
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const decoded = decodeStatusClientbound(buffered, 0)
      if (decoded._tag === "NeedMore") return
      if (isProtocolError(decoded) || decoded.value._tag !== "StatusResponse") return fail("not a status response")
      let body: { version?: { name?: unknown }; description?: unknown }
      try {
        body = JSON.parse(decoded.value.json) as typeof body
      } catch {
        return fail("the status response is not JSON")
      }
      socket.removeAllListeners("close")
      socket.destroy()
      resolve({ version: textOf(body.version?.name), motd: textOf(body.description).replace(/§./g, "") })
    })
  })

/** `host:port`, `[v6]:port` or `host` (port 25565). */
const parseTarget = (text: string): { host: string; port: number } => {
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text)
  return m === null ? { host: text, port: 25565 } : { host: m[1]!, port: Number(m[2]) }
}

if (import.meta.main) {
  const env = process.env
  const [target = env.INFRARUST_HEALTHCHECK_ADDRESS || "127.0.0.1:25565", domain = env.INFRARUST_HEALTHCHECK_DOMAIN || "healthcheck.invalid"] =
    process.argv.slice(2)
  const { host, port } = parseTarget(target)
  statusPing(host, port, domain).then(
    (r) => {
      process.stdout.write(`ok ${host}:${port} (${domain}): ${r.version}: ${r.motd.replace(/\s+/g, " ").trim()}\n`)
    },
    (e: Error) => {
      process.stderr.write(`status ping ${host}:${port} (${domain}) failed: ${e.message}\n`)
      process.exitCode = 1
    }
  )
}
