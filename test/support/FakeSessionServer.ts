/**
 * A fake Mojang session server on 127.0.0.1 (plain Node `http`), for online-mode logins on
 * loopback. A client pointed at it (minecraft-protocol's `sessionServer` option) posts its join;
 * the proxy's SessionServer pointed at it asks `hasJoined` and gets the profile.
 *
 * - `POST /session/minecraft/join {accessToken, selectedProfile, serverId}` is stored (204).
 * - `GET /session/minecraft/hasJoined?username&serverId[&ip]` answers 200 with
 *   `{id, name, properties: [textures]}` when a join with that server id was posted (and, if
 *   `ip` is given, came from that address), else 204, as Mojang does.
 * - {@link FakeSessionServer.setMode} switches `hasJoined` to: `"slow"` (hold the answer until
 *   {@link FakeSessionServer.release} or close), `"error"` (500), `"garbage"` (200, not JSON), or
 *   `"refuse"` (the listener closes: connections are refused; another mode listens again on
 *   the same port). Joins are answered in every mode but `"refuse"`.
 * - Every request is recorded; `nextRequest` resolves on the next matching one (tests wait on
 *   that, not on sleeps).
 */
import { createHash } from "node:crypto"
import * as Http from "node:http"
import type * as Net from "node:net"

export interface JoinRecord {
  readonly accessToken: string
  readonly selectedProfile: string
  readonly serverId: string
  readonly address: string
}

export interface RequestRecord {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
}

export type FakeMode = "normal" | "slow" | "error" | "garbage" | "refuse"

export interface FakeSessionServer {
  /** `http://127.0.0.1:<port>`, for `[auth] session_server` and the client's `sessionServer`. */
  readonly url: string
  readonly port: number
  readonly joins: ReadonlyArray<JoinRecord>
  readonly requests: ReadonlyArray<RequestRecord>
  /** Switches how `hasJoined` is answered; resolves once the listener is in the right state. */
  readonly setMode: (mode: FakeMode) => Promise<void>
  /** Answers the `hasJoined` requests held in `"slow"` mode, normally. */
  readonly release: () => void
  /** Resolves with the next request whose path ends with `pathSuffix`. */
  readonly nextRequest: (pathSuffix: string) => Promise<RequestRecord>
  readonly close: () => Promise<void>
}

/** The `textures` property the fake hands out: base64 JSON as Mojang's, and a fake signature. */
export const fakeTextures = (id: string, name: string) => ({
  name: "textures",
  value: Buffer.from(JSON.stringify({
    timestamp: 1_700_000_000_000,
    profileId: id,
    profileName: name,
    textures: { SKIN: { url: `http://textures.invalid/${id}` } }
  })).toString("base64"),
  // Mojang signs with a 4096-bit key: 512 bytes, 684 base64 characters.
  signature: Buffer.concat(Array.from({ length: 16 }, (_, i) => createHash("sha256").update(`${id}:${i}`).digest()))
    .toString("base64")
})

const readBody = (req: Http.IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const parts: Array<Buffer> = []
    req.on("data", (c: Buffer) => parts.push(c))
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")))
  })

export const startFakeSessionServer = (): Promise<FakeSessionServer> => {
  const joins: Array<JoinRecord> = []
  const requests: Array<RequestRecord> = []
  const waiters: Array<{ suffix: string; resolve: (r: RequestRecord) => void }> = []
  const held: Array<() => void> = []
  const sockets = new Set<Net.Socket>()
  let mode: FakeMode = "normal"
  let port = 0

  const record = (r: RequestRecord) => {
    requests.push(r)
    for (const w of waiters.filter((w) => r.path.endsWith(w.suffix))) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(r)
    }
  }

  const answerHasJoined = (res: Http.ServerResponse, query: Readonly<Record<string, string>>) => {
    const join = joins.findLast((j) => j.serverId === query["serverId"])
    const ipMatches = query["ip"] === undefined || query["ip"] === join?.address
    if (join === undefined || !ipMatches || query["username"] === undefined) return res.writeHead(204).end()
    const id = join.selectedProfile.replaceAll("-", "")
    const name = query["username"]
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ id, name, properties: [fakeTextures(id, name)] }))
  }

  const handle = async (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake")
    const body = await readBody(req)
    const entry = { method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams) }
    if (req.method === "POST" && url.pathname === "/session/minecraft/join") {
      const json = JSON.parse(body) as { accessToken: string; selectedProfile: string; serverId: string }
      joins.push({ ...json, address: (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "") })
      record(entry)
      return res.writeHead(204).end()
    }
    record(entry)
    if (req.method !== "GET" || url.pathname !== "/session/minecraft/hasJoined") return res.writeHead(404).end()
    if (mode === "error") return res.writeHead(500, { "content-type": "text/plain" }).end("internal error")
    if (mode === "garbage") return res.writeHead(200, { "content-type": "application/json" }).end("<html>not json")
    if (mode === "slow") return void held.push(() => answerHasJoined(res, entry.query))
    answerHasJoined(res, entry.query)
  }

  const server = Http.createServer((req, res) => void handle(req, res))
  server.on("connection", (s: Net.Socket) => {
    sockets.add(s)
    s.once("close", () => sockets.delete(s))
  })
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(at, "127.0.0.1", () => {
        server.off("error", reject)
        port = (server.address() as Net.AddressInfo).port
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })

  return listen(0).then(() => ({
    url: `http://127.0.0.1:${port}`,
    port,
    joins,
    requests,
    setMode: async (next) => {
      if (next === "refuse") await stop()
      else if (!server.listening) await listen(port)
      mode = next
    },
    release: () => held.splice(0).forEach((answer) => answer()),
    nextRequest: (suffix) => new Promise((resolve) => waiters.push({ suffix, resolve })),
    close: stop
  }))
}
