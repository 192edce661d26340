/**
 * `[server_manager] type = "crafty"`: a server on Crafty Controller, driven through its v2 API
 * (reference §2.16):
 * - start: `POST {api_url}/api/v2/servers/{server_id}/action/start_server`;
 * - stop: `POST {api_url}/api/v2/servers/{server_id}/action/stop_server`;
 * - status: `GET {api_url}/api/v2/servers/{server_id}/stats`: `data.running` true is running,
 *   false is stopped.
 * Crafty reports `running` as soon as the Java process runs, so "online" may come a little
 * before the server accepts players (as in Infrarust); there is no `starting` report, so a
 * start that dies before `running` ends at `start_timeout`.
 */
import { Effect, Schema } from "effect"
import type { CraftyManagerConfig } from "../config/ServerManagerConfig.ts"
import { makePanelClient } from "./PanelHttp.ts"
import type { ServerProvider } from "./ServerProvider.ts"

const Stats = Schema.Struct({ data: Schema.Struct({ running: Schema.Boolean }) })

export const makeCraftyProvider = Effect.fnUntraced(function*(serverId: string, config: typeof CraftyManagerConfig.Type) {
  const panel = yield* makePanelClient({ server: serverId, provider: "crafty", apiUrl: config.apiUrl, apiKey: config.apiKey })
  const base = `/api/v2/servers/${encodeURIComponent(config.serverId)}`
  const provider: ServerProvider = {
    kind: "crafty",
    start: panel.post("start", `${base}/action/start_server`),
    stop: panel.post("stop", `${base}/action/stop_server`),
    status: Effect.map(panel.get("status", `${base}/stats`, Stats), (body) => ({ state: body.data.running ? "running" : "stopped" }))
  }
  return provider
})
