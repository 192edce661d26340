/**
 * Real Minecraft clients for end-to-end tests (minecraft-protocol, offline mode, any version
 * the library supports), to go with the servers of McPeers.ts.
 *
 * {@link joinAndStay} is the player: it joins through the proxy, optionally from a chosen
 * loopback source address, and stays until it leaves; {@link loginAndChat},
 * {@link loginExpectingKick} and {@link loginOutcome} are thin wrappers on it. {@link ping} is
 * a status ping. Like the servers, the clients skip plugin-channel validation (~40 ms of CPU a
 * login).
 */
import mc from "minecraft-protocol"
import * as Net from "node:net"

export interface Player {
  readonly client: mc.Client
  /** The Login Success the player got: its UUID, name and profile properties (skins). */
  readonly success: { readonly uuid: string; readonly username: string; readonly properties?: ReadonlyArray<{ readonly name: string }> } | undefined
  /** Keep-alives received so far. */
  readonly keepAlives: () => number
  /**
   * Resolves with the kick reason (a play-phase kick as its JSON), or `ended: <reason>` if the
   * connection ends without one within {@link KICK_GRACE_MS}.
   */
  readonly kicked: Promise<string>
  /** Resolves when the connection has closed (the player left or was dropped). */
  readonly closed: Promise<void>
  /** Sends `text` as chat; whether its echo came back within `timeoutMs`. */
  readonly chatEchoed: (text: string, timeoutMs?: number) => Promise<boolean>
  readonly leave: () => void
}

/**
 * Why {@link joinAndStay} failed: `kicked` by a login Disconnect (`reason` is its reason),
 * `closed` without one (`reason` is `ended: ...` or `error: ...`), or a `timeout`.
 */
export class NotJoined extends Error {
  readonly kind: "kicked" | "closed" | "timeout"
  readonly reason: string
  constructor(username: string, kind: "kicked" | "closed" | "timeout", reason: string) {
    super(kind === "timeout" ? reason : `${username} was kicked: ${reason}`)
    this.kind = kind
    this.reason = reason
  }
}

/** A Disconnect that arrives with the close may be decoded (zlib, streams) just after it. */
const KICK_GRACE_MS = 200
/** How long a failed join waits after the close for a Disconnect packet to explain it. */
const JOIN_GRACE_MS = 50

/** An online-mode player: it posts its join to a fake session server (FakeSessionServer.ts). */
export interface OnlineAccount {
  readonly sessionServer: string
  /** Its Mojang UUID (dashed or not). */
  readonly id: string
}

export interface JoinOptions {
  /** Source address (e.g. 127.0.0.2), so tests can tell players apart on loopback. */
  readonly localAddress?: string
  /** Log in as an online-mode player (encryption, session join) instead of offline. */
  readonly online?: OnlineAccount
  /** For the join game; 10 s unless given. */
  readonly timeoutMs?: number
  /** Sees the client before it connects (to record packets from the very first one). */
  readonly onClient?: (client: mc.Client) => void
}

/**
 * minecraft-protocol's options for an online login against a fake session server: a custom
 * `auth` that fills in a session (test-peers.md §1.3) and posts joins to `sessionServer`.
 */
const onlineAuth = (username: string, account: OnlineAccount) => ({
  sessionServer: account.sessionServer,
  auth: (client: Record<string, unknown>, options: Record<string, unknown>) => {
    client["username"] = username
    client["session"] = { accessToken: `token-${username}`, selectedProfile: { id: account.id.replaceAll("-", ""), name: username } }
    options["haveCredentials"] = true
    ;(options["connect"] as (c: unknown) => void)(client)
  }
})

/**
 * A player that logs in through 127.0.0.1:`port` with `host` as the handshake address and stays
 * once the join game arrives. Rejects with {@link NotJoined}: kicked (a login Disconnect),
 * closed or failed without one, or no join within `timeoutMs`.
 */
export const joinAndStay = (version: string, port: number, host: string, username: string, options: JoinOptions = {}): Promise<Player> =>
  new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 10_000
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username,
      version,
      ...(options.online === undefined ? { auth: "offline" } : onlineAuth(username, options.online)),
      fakeHost: host,
      hideErrors: true,
      validateChannelProtocol: false,
      connect: (c: { setSocket: (s: Net.Socket) => void }) =>
        c.setSocket(Net.connect({ port, host: "127.0.0.1", ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}) }))
    } as unknown as mc.ClientOptions)
    options.onClient?.(client)
    let joined = false
    let keepAlives = 0
    let success: Player["success"] = undefined
    client.once("success", (packet: Player["success"]) => {
      success = packet
    })
    let kickedWith: (text: string) => void = () => {}
    const kicked = new Promise<string>((r) => (kickedWith = r))
    const closed = new Promise<void>((done) => client.on("end", () => done()))
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new NotJoined(username, "timeout", `${username} did not join within ${timeoutMs} ms`))
    }, timeoutMs)
    // An error or close before the join fails it, unless a Disconnect explains it first.
    const failUnlessJoined = (why: string) => {
      if (joined) return
      clearTimeout(timer)
      setTimeout(() => reject(new NotJoined(username, "closed", why)), JOIN_GRACE_MS)
    }
    client.on("error", (e: Error) => failUnlessJoined(`error: ${e.message}`))
    client.on("disconnect", (p: { reason: string }) => {
      clearTimeout(timer)
      kickedWith(p.reason)
      reject(new NotJoined(username, "kicked", p.reason))
    })
    client.on("kick_disconnect", (p: { reason: unknown }) => kickedWith(JSON.stringify(p.reason)))
    client.on("end", (reason: string) => {
      setTimeout(() => kickedWith(`ended: ${reason}`), KICK_GRACE_MS)
      failUnlessJoined(`ended: ${reason}`)
    })
    client.on("keep_alive", () => {
      keepAlives++
    })
    client.on("login", () => {
      joined = true
      clearTimeout(timer)
      resolve({
        client,
        success,
        keepAlives: () => keepAlives,
        kicked,
        closed,
        chatEchoed: (text, timeoutMs = 5000) =>
          new Promise((done) => {
            const finish = (echoed: boolean) => {
              clearTimeout(t)
              client.off("chat", onMessage)
              client.off("system_chat", onMessage)
              done(echoed)
            }
            const t = setTimeout(() => finish(false), timeoutMs)
            const onMessage = (packet: unknown) => {
              if (JSON.stringify(packet).includes(`echo:${text}`)) finish(true)
            }
            client.on("chat", onMessage)
            client.on("system_chat", onMessage)
            client.chat(text)
          }),
        leave: () => client.end("done")
      })
    })
  })

/** The plain text of a Disconnect reason (JSON text component, or already plain). */
export const reasonText = (reason: string): string => {
  if (!reason.startsWith("{") && !reason.startsWith("\"")) return reason
  // JSON.parse reports bad JSON by throwing; the raw reason is then the answer.
  try {
    const parsed = JSON.parse(reason) as { text?: string } | string
    return typeof parsed === "string" ? parsed : parsed.text ?? reason
  } catch {
    return reason
  }
}

/** What a failed {@link joinAndStay} saw, as plain text: the kick text, `ended: ...`, or the error. */
export const notJoinedText = (error: unknown): string =>
  reasonText(error instanceof NotJoined ? error.reason : String(error))

/** Joins and leaves at once: "joined", or {@link notJoinedText}. Waits 8 s unless told. */
export const loginOutcome = (version: string, port: number, host: string, username: string, options: JoinOptions = {}): Promise<string> =>
  joinAndStay(version, port, host, username, { timeoutMs: 8000, ...options }).then(
    (player) => {
      player.leave()
      return "joined"
    },
    notJoinedText
  )

export interface LoginResult {
  readonly keepAlivesReceived: number
  readonly echoed: boolean
}

/**
 * Logs in, waits for the join game and two keep-alives, sends a chat line and waits for its
 * echo; then leaves. All of it within `timeoutMs` (10 s unless given).
 */
export const loginAndChat = (version: string, port: number, host: string, username: string, options: JoinOptions = {}): Promise<LoginResult> => {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  return joinAndStay(version, port, host, username, { ...options, timeoutMs }).then((player) =>
    new Promise<LoginResult>((resolve, reject) => {
      let settled = false
      const settle = (outcome: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        player.leave()
        outcome()
      }
      const fail = (why: string) => settle(() => reject(new Error(`${version}: ${why} (joined, keepAlives=${player.keepAlives()})`)))
      const timer = setTimeout(() => fail(`no complete session within ${timeoutMs} ms`), deadline - Date.now())
      void player.closed.then(() => fail("disconnected during the session"))
      const chat = () =>
        player.chatEchoed("hello-from-client", Math.max(0, deadline - Date.now())).then((echoed) =>
          echoed
            ? settle(() => resolve({ keepAlivesReceived: player.keepAlives(), echoed }))
            : fail(`no complete session within ${timeoutMs} ms`)
        )
      const onKeepAlive = () => {
        if (player.keepAlives() < 2) return
        player.client.off("keep_alive", onKeepAlive)
        void chat()
      }
      player.client.on("keep_alive", onKeepAlive)
      onKeepAlive()
    })
  )
}

/** Waits for a login Disconnect and resolves with its reason; fails if the player joins, or after `timeoutMs`. */
export const loginExpectingKick = (version: string, port: number, host: string, username = "kicked", timeoutMs = 8000, options: JoinOptions = {}): Promise<string> =>
  joinAndStay(version, port, host, username, { ...options, timeoutMs }).then(
    (player) => {
      player.leave()
      throw new Error("joined instead of being kicked")
    },
    (error: unknown) => {
      if (error instanceof NotJoined && error.kind === "kicked") return error.reason
      throw new Error(`no kick: ${String(error)}`)
    }
  )

/** A modern status ping to 127.0.0.1:`port` with `host` in the handshake; the parsed response. */
export const ping = (version: string, port: number, host: string): Promise<Record<string, unknown>> =>
  mc.ping({
    host,
    port,
    version,
    closeTimeout: 8000,
    connect: (client: { setSocket: (s: Net.Socket) => void; emit: (e: string) => void }) => {
      client.setSocket(Net.connect(port, "127.0.0.1"))
    }
  } as unknown as mc.PingOptions).then((r) => r as unknown as Record<string, unknown>)
