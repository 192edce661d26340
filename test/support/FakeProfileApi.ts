/**
 * A fake Mojang profile API on 127.0.0.1 (plain Node `http`), for the auth plugin's premium
 * detection: `GET /users/profiles/minecraft/<name>` answers 200 `{id, name}` for a name made
 * premium (any case, as Mojang), else 404, as Mojang does today (it used to answer 204).
 *
 * - {@link FakeProfileApi.setMode}: `"down"` answers 503; `"slow"` holds every answer until the
 *   server closes; `"huge"` answers 200 with 1 MiB that is no profile.
 * - Every request is recorded by name, so tests can count lookups (a cache hit makes none).
 */
import * as Http from "node:http"
import type * as Net from "node:net"

export type ProfileApiMode = "normal" | "down" | "slow" | "huge"

export interface FakeProfileApi {
  /** `http://127.0.0.1:<port>`, for `[plugins.auth.config.premium] profile_api`. */
  readonly url: string
  /** The names asked for, in order, as they appeared in the path. */
  readonly asked: ReadonlyArray<string>
  /** How many requests asked for `name` (any case). */
  readonly count: (name: string) => number
  readonly setPremium: (name: string, id: string) => void
  readonly setMode: (mode: ProfileApiMode) => void
  readonly close: () => Promise<void>
}

const PATH = /^\/users\/profiles\/minecraft\/([^/]+)$/

export const startFakeProfileApi = (premium: Readonly<Record<string, string>> = {}): Promise<FakeProfileApi> => {
  const names = new Map(Object.entries(premium).map(([name, id]) => [name.toLowerCase(), { name, id }]))
  const asked: Array<string> = []
  const sockets = new Set<Net.Socket>()
  let mode: ProfileApiMode = "normal"

  const server = Http.createServer((req, res) => {
    const match = PATH.exec(new URL(req.url ?? "/", "http://fake").pathname)
    if (req.method !== "GET" || match === null) return void res.writeHead(400).end()
    const name = decodeURIComponent(match[1]!)
    asked.push(name)
    if (mode === "slow") return // answered never: the socket is destroyed on close
    if (mode === "huge") return void res.writeHead(200, { "content-type": "application/json" }).end(`"${"x".repeat(1 << 20)}"`)
    if (mode === "down") return void res.writeHead(503, { "content-type": "text/plain" }).end("unavailable")
    const profile = names.get(name.toLowerCase())
    if (profile === undefined) return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errorMessage: `Couldn't find any profile with name ${name}` }))
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: profile.id.replaceAll("-", ""), name: profile.name }))
  })
  server.on("connection", (s: Net.Socket) => {
    sockets.add(s)
    s.once("close", () => sockets.delete(s))
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        asked,
        count: (name) => asked.filter((a) => a.toLowerCase() === name.toLowerCase()).length,
        setPremium: (name, id) => void names.set(name.toLowerCase(), { name, id }),
        setMode: (next) => void (mode = next),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
