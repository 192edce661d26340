/**
 * `[server_manager] type = "pterodactyl"`: a server on a Pterodactyl panel, driven through the
 * panel's client API (reference §2.16):
 * - start / stop: `POST {api_url}/api/client/servers/{server_id}/power` with
 *   `{"signal":"start"}` / `{"signal":"stop"}`;
 * - status: `GET {api_url}/api/client/servers/{server_id}/resources`, reading
 *   `attributes.current_state`: `running`, `starting`, `stopping`, `offline` map to running,
 *   starting, stopping, stopped; any other text is unknown (which never changes a state).
 * The key is a client API key (`ptlc_...`), sent as a bearer token.
 */
import { Effect, Schema } from "effect"
import type { PterodactylManagerConfig } from "../config/ServerManagerConfig.ts"
import { makePanelClient } from "./PanelHttp.ts"
import type { ProviderReport, ProviderState, ServerProvider } from "./ServerProvider.ts"

const Resources = Schema.Struct({ attributes: Schema.Struct({ current_state: Schema.String }) })

const STATES: Readonly<Record<string, ProviderState>> = {
  running: "running",
  starting: "starting",
  stopping: "stopping",
  offline: "stopped"
}

export const makePterodactylProvider = Effect.fnUntraced(function*(serverId: string, config: typeof PterodactylManagerConfig.Type) {
  const panel = yield* makePanelClient({ server: serverId, provider: "pterodactyl", apiUrl: config.apiUrl, apiKey: config.apiKey })
  const base = `/api/client/servers/${encodeURIComponent(config.serverId)}`
  const provider: ServerProvider = {
    kind: "pterodactyl",
    start: panel.post("start", `${base}/power`, { signal: "start" }),
    stop: panel.post("stop", `${base}/power`, { signal: "stop" }),
    status: Effect.map(panel.get("status", `${base}/resources`, Resources), (body): ProviderReport => {
      const raw = body.attributes.current_state
      return { state: Object.hasOwn(STATES, raw) ? STATES[raw]! : "unknown", detail: `panel state "${raw}"` }
    })
  }
  return provider
})
