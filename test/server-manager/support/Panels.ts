/**
 * Game panels for the server-manager tests: a real HTTP server on 127.0.0.1 that implements
 * the endpoints infrarust-ts calls (Pterodactyl's client API or Crafty Controller's v2 API, as
 * reference §2.16 documents them) over one simulated game server, and records every call.
 *
 * The simulated server goes offline → starting → running on a start request and running →
 * stopping → offline on a stop request, moving one step per `reads` status reads, so a test
 * decides how long a transition lasts by how often it is polled (no timers). `override` answers
 * chosen calls differently (401, 500, a hang) to test failures.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"

export type PanelFlavor = "pterodactyl" | "crafty"
export type GameState = "offline" | "starting" | "running" | "stopping"

export interface PanelCall {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly accept: string | undefined
  readonly contentType: string | undefined
  readonly body: string
  /** What the panel answered (0 = left hanging). */
  readonly status: number
}

/** A different answer for a call: a status code (with a small error body) or no answer at all. */
export type Override = number | "hang" | undefined

export interface Panel {
  /** The base URL, as `api_url` takes it. */
  readonly url: string
  readonly calls: Array<PanelCall>
  state: GameState
  /** Status reads before a transition moves on (starting → running, stopping → offline). */
  reads: number
  /** Pterodactyl only: report this raw `current_state` instead of the simulated one. */
  rawState: string | undefined
  override: (call: { readonly method: string; readonly path: string }) => Override
  /** Resolves with the first recorded call (earlier ones included) that matches. */
  readonly waitForCall: (match: (call: PanelCall) => boolean, timeoutMs?: number) => Promise<PanelCall>
  readonly count: (match: (call: PanelCall) => boolean) => number
}

export interface PanelOptions {
  readonly key: string
  /** The panel's id of the game server. */
  readonly serverId: string
  readonly state?: GameState
  readonly reads?: number
}

const routes = (flavor: PanelFlavor, id: string) =>
  flavor === "pterodactyl"
    ? { power: `/api/client/servers/${id}/power`, status: `/api/client/servers/${id}/resources`, start: "", stop: "" }
    : { power: "", status: `/api/v2/servers/${id}/stats`, start: `/api/v2/servers/${id}/action/start_server`, stop: `/api/v2/servers/${id}/action/stop_server` }

const json = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

export const panelPeer = (flavor: PanelFlavor, options: PanelOptions): Effect.Effect<Panel, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ panel: Panel; server: Http.Server }>((resume) => {
      const paths = routes(flavor, options.serverId)
      const watchers: Array<() => boolean> = []
      let reads = 0
      const panel: Panel = {
        url: "",
        calls: [],
        state: options.state ?? "offline",
        reads: options.reads ?? 1,
        rawState: undefined,
        override: () => undefined,
        waitForCall: (match, timeoutMs = 10_000) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const found = panel.calls.find(match)
              if (found === undefined) return false
              resolve(found)
              return true
            }
            if (check()) return
            const timer = setTimeout(() => reject(new Error("the panel saw no such call in time")), timeoutMs)
            watchers.push(() => {
              if (!check()) return false
              clearTimeout(timer)
              return true
            })
          }),
        count: (match) => panel.calls.filter(match).length
      }
      const record = (req: Http.IncomingMessage, body: string, status: number) => {
        panel.calls.push({
          method: req.method ?? "",
          path: req.url ?? "",
          authorization: req.headers.authorization,
          accept: req.headers.accept,
          contentType: req.headers["content-type"],
          body,
          status
        })
        for (const w of watchers.splice(0)) if (!w()) watchers.push(w)
      }
      const request = (signal: "start" | "stop") => {
        if (signal === "start" && panel.state === "offline") panel.state = "starting"
        if (signal === "stop" && (panel.state === "running" || panel.state === "starting")) panel.state = "stopping"
        reads = 0
      }
      const statusBody = () => {
        // One step per `reads` status reads.
        if (panel.state === "starting" || panel.state === "stopping") {
          if (++reads > panel.reads) panel.state = panel.state === "starting" ? "running" : "offline"
        }
        return flavor === "pterodactyl"
          ? { object: "stats", attributes: { current_state: panel.rawState ?? panel.state, is_suspended: false } }
          : { status: "ok", data: { running: panel.state === "running" || panel.state === "stopping", server_id: options.serverId } }
      }
      const server = Http.createServer((req, res) => {
        let body = ""
        req.on("data", (chunk: Buffer) => (body += chunk.toString()))
        req.on("end", () => {
          const path = req.url ?? ""
          const override = panel.override({ method: req.method ?? "", path })
          if (override === "hang") return record(req, body, 0)
          if (override !== undefined) {
            record(req, body, override)
            return json(res, override, { errors: [{ code: "Injected", status: String(override) }] })
          }
          if (req.headers.authorization !== `Bearer ${options.key}`) {
            record(req, body, 401)
            return json(res, 401, { errors: [{ code: "InvalidCredentials", status: "401", detail: "bad key" }] })
          }
          if (req.method === "GET" && path === paths.status) {
            const answer = statusBody()
            record(req, body, 200)
            return json(res, 200, answer)
          }
          if (req.method === "POST" && flavor === "pterodactyl" && path === paths.power) {
            const signal = (JSON.parse(body || "{}") as { signal?: string }).signal
            if (signal !== "start" && signal !== "stop") {
              record(req, body, 422)
              return json(res, 422, { errors: [{ code: "ValidationException" }] })
            }
            request(signal)
            record(req, body, 204)
            res.writeHead(204)
            return res.end()
          }
          if (req.method === "POST" && flavor === "crafty" && (path === paths.start || path === paths.stop)) {
            request(path === paths.start ? "start" : "stop")
            record(req, body, 200)
            return json(res, 200, { status: "ok" })
          }
          record(req, body, 404)
          json(res, 404, { errors: [{ code: "NotFound" }] })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as Net.AddressInfo).port
        ;(panel as { url: string }).url = `http://127.0.0.1:${port}`
        resume(Effect.succeed({ panel, server }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ panel }) => panel))
