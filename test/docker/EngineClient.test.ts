/**
 * The Engine client against a real HTTP server written here (on a unix socket and on a TCP
 * port): answers decoded, statuses turned into the right EngineError reasons with the Engine's
 * own message, time limits, and the event stream cut anywhere (mid-line, mid-character) with
 * lines that do not decode skipped and the end reported.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Schema } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { EngineEndpoint } from "../../src/config/DockerEndpoint.ts"
import { EngineEvent } from "../../src/docker/Container.ts"
import { makeEngineClient } from "../../src/docker/EngineClient.ts"

type Handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** An HTTP server on a unix socket (and the same handler on a loopback TCP port). */
const engineServer = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-engine-"))
      const socket = join(dir, "docker.sock")
      const servers = [Http.createServer(handler), Http.createServer(handler)]
      await new Promise<void>((resolve) => servers[0]!.listen(socket, resolve))
      await new Promise<void>((resolve) => servers[1]!.listen(0, "127.0.0.1", resolve))
      const port = (servers[1]!.address() as { port: number }).port
      const unix: EngineEndpoint = { _tag: "Unix", path: socket, text: `unix://${socket}` }
      const tcp: EngineEndpoint = { _tag: "Tcp", host: "127.0.0.1", port, text: `tcp://127.0.0.1:${port}` }
      return { dir, servers, unix, tcp }
    }),
    ({ dir, servers }) =>
      Effect.promise(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.closeAllConnections()
        s.close(() => resolve())
      })))).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  )

const json = (response: Http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(JSON.stringify(body))
}

const Item = Schema.Struct({ Id: Schema.String })

describe("EngineClient", () => {
  it.live("GET decodes, over the unix socket and over TCP; POST accepts 2xx and 304", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const engine = yield* engineServer((request, response) => {
        seen.push(`${request.method} ${request.url}`)
        if (request.url === "/containers/json") return json(response, 200, [{ Id: "a", Extra: true }])
        response.writeHead(request.url === "/containers/a/start" ? 204 : 304)
        response.end()
      })
      for (const endpoint of [engine.unix, engine.tcp]) {
        const client = makeEngineClient(endpoint)
        assert.deepStrictEqual(yield* client.get("/containers/json", Schema.Array(Item)), [{ Id: "a" }])
        assert.strictEqual(yield* client.post("/containers/a/start"), 204)
        assert.strictEqual(yield* client.post("/containers/a/stop"), 304)
      }
      assert.deepStrictEqual(seen.slice(0, 3), ["GET /containers/json", "POST /containers/a/start", "POST /containers/a/stop"])
    }))

  it.live("statuses, bad answers, silence and absence become EngineErrors that say why", () =>
    Effect.gen(function*() {
      const engine = yield* engineServer((request, response) => {
        if (request.url === "/containers/gone/json") return json(response, 404, { message: "No such container: gone" })
        if (request.url === "/broken") return json(response, 500, { message: "boom" })
        if (request.url === "/garbage") return void response.end("<html>")
        // /silent: never answers.
      })
      const client = makeEngineClient(engine.unix)
      const gone = yield* Effect.flip(client.get("/containers/gone/json", Item))
      assert.strictEqual(gone.reason, "NotFound")
      assert.strictEqual(gone.message, `Docker Engine at ${engine.unix.text}: GET /containers/gone/json: answered 404: No such container: gone`)
      assert.strictEqual((yield* Effect.flip(client.post("/broken"))).reason, "HttpStatus")
      assert.strictEqual((yield* Effect.flip(client.get("/garbage", Item))).reason, "InvalidResponse")
      const silent = yield* Effect.flip(client.get("/silent", Item, { timeout: Duration.millis(200) }))
      assert.strictEqual(silent.reason, "Timeout")
      const absent = yield* Effect.flip(makeEngineClient({ _tag: "Unix", path: join(engine.dir, "none.sock"), text: "unix://none" }).get("/_ping", Item))
      assert.strictEqual(absent.reason, "Unreachable")
      assert.include(absent.detail, "ENOENT")
    }))

  it.live("events: lines cut anywhere arrive whole, undecodable ones are skipped, the end is reported", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const engine = yield* engineServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.flushHeaders()
        // Sent once the client is subscribed: the stream is open before any event.
        void Effect.runPromise(Deferred.await(release)).then(() => {
          const text = Buffer.from(`{"Type":"container","Action":"start","Actor":{"ID":"é1"}}\nnot json\n{"Type":"container","Action":"die","Actor":{"ID":"b2"}}\n`)
          // Cut inside the two-byte "é" (bytes 52-53) and inside the third line.
          const cuts = [0, 53, 54, 100, text.length]
          for (let i = 0; i + 1 < cuts.length; i++) response.write(text.subarray(cuts[i], cuts[i + 1]))
          response.end()
        })
      })
      const events: Array<string> = []
      const feed = yield* makeEngineClient(engine.unix).events("/events", EngineEvent, (e) => events.push(`${e.Action} ${e.Actor?.ID}`))
      yield* Deferred.succeed(release, undefined)
      const ended = yield* Effect.flip(feed.ended)
      assert.deepStrictEqual(events, ["start é1", "die b2"])
      assert.strictEqual(ended.reason, "StreamEnded")
    }))
})
