/**
 * An example WebAssembly plugin in JavaScript: a MOTD rotator. Each server-list ping shows the
 * next message of the list, for every server (or the ones listed). Where the rotation stands is
 * kept in the plugin's key-value storage, so a restart or a reload carries on from there.
 *
 *   [plugins.motd_rotator]
 *   path = "plugins/motd_rotator.wasm"
 *
 *   [plugins.motd_rotator.config]
 *   motds = ["§aWelcome to {server}!", "§e{online}/{max} playing right now"]
 *   servers = ["survival"]                # optional: only these servers
 *
 * Build: docs/wasm-plugins.md (componentize-js against src/wasm/wit/plugin.wit, world "plugin").
 */
import { config, kvGet, kvSet, log } from "infrarust:plugin/host@0.1.0"

let motds = []
let only
let next = 0

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole))

export const events = {
  init() {
    const settings = JSON.parse(config())
    motds = Array.isArray(settings.motds) ? settings.motds.map(String) : []
    only = Array.isArray(settings.servers) ? new Set(settings.servers) : undefined
    const saved = kvGet("next")
    if (saved !== undefined) next = Number(new TextDecoder().decode(saved)) || 0
    log("info", `rotating ${motds.length} MOTDs, starting at #${next % Math.max(motds.length, 1)}`)
    // No MOTD, no listening: the proxy then never calls this plugin.
    return motds.length === 0 ? [] : ["proxy-ping"]
  },

  onProxyPing(ping, reply) {
    if (ping.server === undefined || (only !== undefined && !only.has(ping.server))) return undefined
    const text = fill(motds[next % motds.length], { server: ping.server, online: reply.playersOnline, max: reply.playersMax })
    next = (next + 1) % motds.length
    kvSet("next", new TextEncoder().encode(String(next)))
    return { ...reply, description: JSON.stringify({ text }) }
  },

  // The world has every event; a plugin answers `undefined` (keep the result) to the ones it
  // did not ask for in init (they are never delivered).
  onPreLogin: () => undefined,
  onServerPreConnect: () => undefined,
  onChatMessage: () => undefined,
  onKickedFromServer: () => undefined,
  onDisconnect() {},
  onPostLogin() {},
  onServerStateChange() {}
}
