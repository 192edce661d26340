/**
 * Backends that expect player-info forwarding, built on minecraft-protocol offline servers
 * (test-peers.md §1.4) and written independently of src/forwarding, so tests that join them
 * through our encoders cross-check those encoders:
 *
 * - {@link startBungeeBackend}: reads the forwarded handshake address
 *   `host\0ip\0uuid\0propertiesJSON`, as Spigot/Paper with `bungeecord: true` do, and logs the
 *   player in with the forwarded UUID; with a `guardToken` it also demands BungeeGuard's
 *   `bungeeguard-token` property and kicks (login Disconnect) when it is missing or wrong.
 * - {@link startVelocityBackend}: holds Login Start, sends a `login_plugin_request` on
 *   `velocity:player_info` with the requested version byte, checks the HMAC-SHA256 of the answer
 *   with its secret (a wrong one is kicked), parses the payload, then lets the login finish with
 *   the forwarded UUID and name.
 *
 * Both record what they were told ({@link Forwarded}) and every kick reason they sent. Plain
 * Node; each player that completes the login gets a join game so the client reaches play.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import minecraftData from "minecraft-data"
import { startMcServer } from "./McPeers.ts"

export interface ForwardedProperty {
  readonly name: string
  readonly value: string
  readonly signature?: string
}

export interface Forwarded {
  /** The host part of a BungeeCord handshake; undefined for Velocity. */
  readonly host?: string
  readonly address: string
  /** Canonical dashed UUID. */
  readonly uuid: string
  /** Velocity carries the name; BungeeCord does not (the client's Login Start has it). */
  readonly name?: string
  readonly properties: ReadonlyArray<ForwardedProperty>
  /** Velocity payload version. */
  readonly version?: number
}

export interface ForwardingBackend {
  readonly port: number
  readonly version: string
  readonly forwarded: Array<Forwarded>
  readonly kicks: Array<string>
  readonly close: () => Promise<void>
}

type Listener = (packet: unknown) => void
type ShimClient = {
  uuid: string
  username: string
  end: (reason: string) => void
  write: (name: string, params: unknown) => void
  once: (event: string, listener: Listener) => void
  listeners: (event: string) => Array<Listener>
  removeAllListeners: (event: string) => void
}

const dashed = (hex: string): string =>
  hex.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5")

/**
 * The shared part: a minecraft-protocol offline server whose Login Start is held until
 * `check` (given the handshake address) accepts the player, with what was forwarded, or kicks.
 * The forwarded UUID (and name) replace the offline ones in `beforeLogin`, which runs after
 * minecraft-protocol has assigned the offline UUID.
 */
const startShim = async (
  version: string,
  check: (client: ShimClient, serverHost: string, accept: (forwarded: Forwarded) => void) => void
): Promise<ForwardingBackend> => {
  const forwarded: Array<Forwarded> = []
  const kicks: Array<string> = []
  const identities = new WeakMap<object, Forwarded>()
  const server = await startMcServer(version, {
    keepAlive: false,
    beforeLogin: (c) => {
      const f = identities.get(c)
      const client = c as unknown as ShimClient
      if (f !== undefined) client.uuid = f.uuid
      if (f?.name !== undefined) client.username = f.name
    },
    onConnection: (c) => {
      const client = c as unknown as ShimClient
      const end = client.end.bind(client)
      client.end = (reason: string) => {
        kicks.push(reason)
        end(reason)
      }
      client.once("set_protocol", (packet) => {
        const { nextState, serverHost } = packet as { serverHost: string; nextState: number }
        if (nextState !== 2) return
        const original = client.listeners("login_start")
        client.removeAllListeners("login_start")
        client.once("login_start", (loginStart) =>
          check(client, serverHost, (f) => {
            forwarded.push(f)
            identities.set(c, f)
            original.forEach((listener) => listener(loginStart))
          }))
      })
    }
  })
  return { port: server.port, version, forwarded, kicks, close: server.close }
}

// ---- BungeeCord / BungeeGuard -------------------------------------------------------------

export interface BungeeOptions {
  /** Require BungeeGuard's token property with this value. */
  readonly guardToken?: string
}

const parseBungeeHost = (serverHost: string): Forwarded | string => {
  const parts = serverHost.split("\0")
  if (parts.length < 3) return "If you wish to use IP forwarding, please enable it in your BungeeCord config as well!"
  const [host, address, uuid, json] = parts as [string, string, string, string | undefined]
  if (!/^[0-9a-f]{32}$/i.test(uuid)) return `bad forwarded UUID ${JSON.stringify(uuid)}`
  const properties = json === undefined ? [] : (JSON.parse(json) as Array<ForwardedProperty>)
  return { host, address, uuid: dashed(uuid), properties }
}

/** A backend in BungeeCord mode (Spigot's `bungeecord: true`), optionally with BungeeGuard. */
export const startBungeeBackend = (version: string, options: BungeeOptions = {}): Promise<ForwardingBackend> =>
  startShim(version, (client, serverHost, accept) => {
    const parsed = parseBungeeHost(serverHost)
    if (typeof parsed === "string") return client.end(parsed)
    if (options.guardToken !== undefined) {
      const tokens = parsed.properties.filter((p) => p.name === "bungeeguard-token")
      if (tokens.length === 0) return client.end("BungeeGuard: no token")
      if (tokens.length > 1 || tokens[0]!.value !== options.guardToken) return client.end("BungeeGuard: invalid token")
    }
    accept(parsed)
  })

// ---- Velocity modern ----------------------------------------------------------------------

export interface VelocityOptions {
  readonly secret: string
  /** The version byte of the request (Paper sends up to 4); 1 unless given. */
  readonly requestedVersion?: number
}

/** A cursor over the forwarded payload, in the order Velocity writes it. */
const payloadReader = (buf: Buffer) => {
  let at = 0
  const varInt = () => {
    let value = 0
    for (let shift = 0;; shift += 7) {
      const b = buf[at++]!
      value |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return value
    }
  }
  const bytes = (n: number) => buf.subarray(at, (at += n))
  const string = () => bytes(varInt()).toString("utf8")
  return { varInt, bytes, string, bool: () => bytes(1)[0] === 1, done: () => at === buf.length }
}

/** Parses a Velocity player-info payload (v1-v4); throws on a malformed one. */
export const parseVelocityPayload = (payload: Buffer): Forwarded & { readonly key?: { expiry: bigint; publicKey: Buffer; signature: Buffer; holder?: string } } => {
  const r = payloadReader(payload)
  const version = r.varInt()
  const address = r.string()
  const uuid = dashed(r.bytes(16).toString("hex"))
  const name = r.string()
  const properties = Array.from({ length: r.varInt() }, (): ForwardedProperty => {
    const name = r.string()
    const value = r.string()
    return r.bool() ? { name, value, signature: r.string() } : { name, value }
  })
  let key: { expiry: bigint; publicKey: Buffer; signature: Buffer; holder?: string } | undefined
  if (version === 2 || version === 3) {
    const expiry = r.bytes(8).readBigInt64BE()
    const publicKey = Buffer.from(r.bytes(r.varInt()))
    const signature = Buffer.from(r.bytes(r.varInt()))
    key = { expiry, publicKey, signature }
    if (version === 3 && r.bool()) key.holder = dashed(r.bytes(16).toString("hex"))
  }
  if (!r.done()) throw new Error("trailing bytes in the forwarding payload")
  return { address, uuid, name, properties, version, ...(key === undefined ? {} : { key }) }
}

/** Velocity's check: HMAC-SHA256 of the payload with the secret, in the first 32 bytes. */
export const velocitySignatureValid = (data: Buffer, secret: string): boolean => {
  if (data.length < 32) return false
  const mac = createHmac("sha256", secret).update(data.subarray(32)).digest()
  return timingSafeEqual(mac, data.subarray(0, 32))
}

const PLAYER_INFO_MESSAGE_ID = 0x5e11

/** A backend in Velocity modern mode (Paper's `proxies.velocity`); login plugin messages need 1.13+. */
export const startVelocityBackend = (version: string, options: VelocityOptions): Promise<ForwardingBackend> => {
  const hasPluginMessages = "packet_login_plugin_request" in minecraftData(version).protocol.login.toClient.types
  return startShim(version, (client, _serverHost, accept) => {
    if (!hasPluginMessages) return client.end("Velocity modern forwarding needs 1.13 or newer")
    client.once("login_plugin_response", (packet) => {
      const { data, messageId } = packet as { messageId: number; data?: Buffer }
      if (messageId !== PLAYER_INFO_MESSAGE_ID) return client.end("Unexpected login plugin answer")
      if (data === undefined) return client.end("This server requires you to connect with Velocity.")
      if (!velocitySignatureValid(data, options.secret)) return client.end("Unable to verify player details.")
      accept(parseVelocityPayload(data.subarray(32)))
    })
    client.write("login_plugin_request", {
      messageId: PLAYER_INFO_MESSAGE_ID,
      channel: "velocity:player_info",
      data: Buffer.from([options.requestedVersion ?? 1])
    })
  })
}
