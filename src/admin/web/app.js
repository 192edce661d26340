// The infrarust-ts dashboard: plain DOM, no framework, no build step (docs/dashboard.md).
// Everything that comes from players or backends (names, MOTDs, reasons, log lines) is put in
// the page with text nodes only: `h()` below never parses HTML, and nothing here uses innerHTML.
const $ = (id) => document.getElementById(id)
const KEY = "infrarust-admin-key"

/** An element: attributes (`on*` = listeners), then children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value)
    else if (name === "dataset") Object.assign(el.dataset, value)
    else el.setAttribute(name, value === true ? "" : String(value))
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child))
  return el
}
const fill = (el, ...children) => el.replaceChildren(...children.flat())
const ago = (iso) => new Date(iso).toLocaleString()

let key = sessionStorage.getItem(KEY)
let events
let logStream
const state = { players: [], servers: [], bans: [], history: [], tab: "overview" }

async function api(method, path, body) {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const json = res.status === 204 ? {} : await res.json().catch(() => ({}))
  if (res.status === 401) {
    logout("The key was refused")
    throw new Error("unauthorized")
  }
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`)
  return json
}

function notify(text, error = false) {
  const el = $("notice")
  el.textContent = text
  el.className = error ? "notice error" : "notice"
}
const act = (promise, success) => promise.then((r) => notify(success ?? r.data?.message ?? "Done")).catch((e) => notify(e.message, true))

// ---- dialog: a small form in a <dialog>, answered with the field values or null
function ask(title, fields) {
  const dialog = $("dialog")
  $("dialog-title").textContent = title
  fill($("dialog-fields"), fields.map((f) => h("label", {}, f.label,
    f.options
      ? h("select", { name: f.name }, f.options.map((o) => h("option", { value: o }, o)))
      : h("input", { name: f.name, value: f.value ?? "", placeholder: f.placeholder ?? "", required: f.required ?? false }))))
  dialog.showModal()
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "ok") return resolve(null)
      resolve(Object.fromEntries(fields.map((f) => [f.name, $("dialog-fields").querySelector(`[name="${f.name}"]`).value])))
    }, { once: true })
  })
}

// ---- login
async function login(candidate) {
  key = candidate
  const res = await fetch("/api/v1/proxy", { headers: { authorization: `Bearer ${key}` } })
  if (!res.ok) {
    key = null
    $("login-error").textContent = res.status === 401 ? "This key was refused." : `The proxy answered ${res.status}.`
    return
  }
  sessionStorage.setItem(KEY, key)
  $("login").hidden = true
  $("app").hidden = false
  connect()
  refreshAll()
  show(state.tab)
}

function logout(why) {
  sessionStorage.removeItem(KEY)
  key = null
  events?.close()
  logStream?.close()
  $("app").hidden = true
  $("login").hidden = false
  $("login-error").textContent = why ?? ""
}

// ---- live updates
function connect() {
  events?.close()
  events = new EventSource(`/api/v1/events?token=${encodeURIComponent(key)}`)
  events.onopen = () => fill($("live"), "live")
  events.onerror = () => fill($("live"), "reconnecting…")
  const on = (type, f) => events.addEventListener(type, (e) => f(JSON.parse(e.data)))
  for (const type of ["player.join", "player.leave", "player.switch"]) on(type, (e) => { activity(type, e.data); loadPlayers(); loadServers() })
  for (const type of ["server.state_change", "server.health", "config.reload"]) on(type, (e) => { activity(type, e.data); loadServers() })
  for (const type of ["ban.created", "ban.removed"]) on(type, (e) => { activity(type, e.data); loadBans() })
  on("stats.tick", (e) => { stats(e.data); state.history.push({ timestamp: e.data.timestamp, players_online: e.data.players_online, connections_per_second: null }); charts() })
  on("lagged", (e) => { notify(`Missed ${e.missed} live events; reloading`, true); refreshAll() })
}

function activity(type, data) {
  const text = describe(type, data)
  $("activity").prepend(h("li", {}, h("time", {}, new Date(data.timestamp).toLocaleTimeString()), " ", text))
  while ($("activity").children.length > 100) $("activity").lastChild.remove()
}

function describe(type, d) {
  switch (type) {
    case "player.join": return `${d.username} joined ${d.server}`
    case "player.leave": return `${d.username} left`
    case "player.switch": return `${d.username} moved from ${d.from} to ${d.to}`
    case "server.state_change": return `${d.server}: ${d.old_state} → ${d.new_state}`
    case "server.health": return `${d.server}: backend ${d.backend} ${d.healthy ? "up" : "down"}`
    case "config.reload": return `configuration reloaded (${d.source})`
    case "ban.created": return `${d.target_type} ${d.target_value} banned`
    case "ban.removed": return `${d.target_type} ${d.target_value} unbanned`
    default: return type
  }
}

// ---- overview
function stats(s) {
  const card = (label, value) => h("div", { class: "card" }, h("span", {}, label), h("strong", {}, value))
  fill($("stat-cards"),
    card("Players online", s.players_online), card("Servers", `${s.servers_online} / ${s.servers_total} online`),
    card("Sleeping", s.servers_sleeping), card("Active bans", s.bans_active),
    card("Uptime", `${Math.floor(s.uptime_seconds / 3600)}h ${Math.floor(s.uptime_seconds / 60) % 60}m`),
    card("Memory", `${Math.round(s.memory_rss_bytes / 1048576)} MiB`))
}

const SVG = "http://www.w3.org/2000/svg"
function chart(svg, points) {
  const values = points.filter((v) => typeof v === "number")
  const max = Math.max(1, ...values)
  const line = document.createElementNS(SVG, "polyline")
  const step = 600 / Math.max(1, 719)
  const start = 600 - (points.length - 1) * step
  line.setAttribute("points", points.map((v, i) => `${(start + i * step).toFixed(1)},${(155 - (150 * (v ?? 0)) / max).toFixed(1)}`).join(" "))
  const label = document.createElementNS(SVG, "text")
  label.setAttribute("x", "4")
  label.setAttribute("y", "14")
  label.textContent = `max ${Number.isInteger(max) ? max : max.toFixed(2)}`
  svg.replaceChildren(line, label)
}
function charts() {
  state.history = state.history.slice(-720)
  chart($("chart-players"), state.history.map((p) => p.players_online))
  chart($("chart-connections"), state.history.filter((p) => p.connections_per_second !== null).map((p) => p.connections_per_second))
}

// ---- players
async function loadPlayers() {
  const all = []
  for (let page = 1; ; page++) {
    const r = await api("GET", `/players?per_page=100&page=${page}`)
    all.push(...r.data)
    if (page >= r.meta.total_pages) break
  }
  state.players = all
  renderPlayers()
}

function renderPlayers() {
  const search = $("player-search").value.toLowerCase()
  const server = $("player-server").value
  const mode = $("player-mode").value
  const options = (select, values, all) => {
    const current = select.value
    fill(select, h("option", { value: "" }, all), [...new Set(values)].sort().map((v) => h("option", { value: v }, v)))
    select.value = current
  }
  options($("player-server"), state.servers.map((s) => s.id), "All servers")
  options($("player-mode"), state.players.map((p) => p.mode), "All modes")
  const rows = state.players
    .filter((p) => p.username.toLowerCase().includes(search) && (!server || p.server === server) && (!mode || p.mode === mode))
    .map((p) => h("tr", { dataset: { player: p.username } },
      h("td", { class: "name" }, p.username), h("td", {}, p.server ?? "—"), h("td", {}, p.mode), h("td", {}, p.ip),
      h("td", {}, ago(p.connected_since)),
      h("td", { class: "actions" },
        h("button", { onclick: () => kick(p) }, "Kick"),
        h("button", { class: "secondary", onclick: () => move(p) }, "Move"),
        h("button", { class: "secondary", onclick: () => message(p) }, "Message"),
        h("button", { class: "danger", onclick: () => banPlayer(p) }, "Ban"))))
  fill($("players"), rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No players online")))
}

async function kick(p) {
  const a = await ask(`Kick ${p.username}`, [{ name: "reason", label: "Reason", placeholder: "optional" }])
  if (a) act(api("POST", `/players/${encodeURIComponent(p.id)}/kick`, a.reason ? { reason: a.reason } : {}), `${p.username} kicked`)
}
async function move(p) {
  const a = await ask(`Move ${p.username}`, [{ name: "server", label: "Server", options: state.servers.map((s) => s.id) }])
  if (a) act(api("POST", `/players/${encodeURIComponent(p.id)}/send`, { server: a.server }))
}
async function message(p) {
  const a = await ask(`Message ${p.username}`, [{ name: "text", label: "Message", required: true }])
  if (a) act(api("POST", `/players/${encodeURIComponent(p.id)}/message`, { text: a.text }))
}
async function banPlayer(p) {
  const a = await ask(`Ban ${p.username}`, [{ name: "reason", label: "Reason" }, { name: "duration", label: "Duration (seconds, empty = permanent)" }])
  if (a) act(api("POST", "/bans", banBody("username", p.username, a.duration, a.reason)), `${p.username} banned`)
}
const banBody = (type, value, duration, reason) => ({
  target: { type, value },
  ...(reason ? { reason } : {}),
  ...(duration ? { duration_seconds: Number(duration) } : {})
})

// ---- servers
async function loadServers() {
  state.servers = (await api("GET", "/servers")).data
  const rows = state.servers.map((s) => h("tr", { dataset: { server: s.id } },
    h("td", { class: "name" }, s.id, s.is_api_managed ? h("small", {}, " (API)") : null),
    h("td", {}, h("span", { class: `badge ${s.state ?? s.health}` }, s.state ?? s.health)),
    h("td", {}, s.backends.map((b) => h("div", { class: "backend", dataset: { backend: b.address, healthy: String(b.healthy) } },
      h("span", { class: `dot ${b.health_mode === "none" ? "" : b.healthy ? "up" : "down"}` }), `${b.address} `,
      h("small", {}, b.health_mode === "none" ? "not checked" : b.healthy ? "up" : `down: ${b.last_failure ?? ""}`)))),
    h("td", {}, s.player_count), h("td", {}, s.proxy_mode), h("td", {}, s.domains.join(", ")),
    h("td", { class: "actions" },
      s.has_server_manager ? [h("button", { onclick: () => act(api("POST", `/servers/${s.id}/start`)) }, "Start"),
        h("button", { class: "secondary", onclick: () => act(api("POST", `/servers/${s.id}/stop`)) }, "Stop")] : null,
      s.is_api_managed ? [h("button", { class: "secondary", onclick: () => editServer(s) }, "Edit"),
        h("button", { class: "danger", onclick: () => act(api("DELETE", `/servers/${s.id}`)) }, "Delete")] : null)))
  fill($("servers"), rows.length ? rows : h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No servers")))
  renderPlayers()
}

const MODES = ["passthrough", "zero_copy", "server_only", "client_only", "offline", "full"]
const list = (text) => text.split(",").map((x) => x.trim()).filter(Boolean)
async function editServer(s) {
  const a = await ask(s ? `Edit ${s.id}` : "New server", [
    ...(s ? [] : [{ name: "id", label: "Id", required: true }]),
    { name: "domains", label: "Domains (comma-separated)", value: s?.domains.join(", "), required: true },
    { name: "addresses", label: "Backends host:port (comma-separated)", value: s?.addresses.join(", "), required: true },
    { name: "proxy_mode", label: "Mode", options: MODES }
  ])
  if (!a) return
  const body = { domains: list(a.domains), addresses: list(a.addresses), proxy_mode: a.proxy_mode }
  act(s ? api("PUT", `/servers/${s.id}`, body) : api("POST", "/servers", { id: a.id, ...body }))
}

// ---- bans
async function loadBans() {
  const r = await api("GET", "/bans?per_page=100")
  state.bans = r.data
  const rows = r.data.map((b) => h("tr", { dataset: { ban: `${b.target_type}:${b.target_value}` } },
    h("td", { class: "name" }, `${b.target_type} `, h("strong", {}, b.target_value)), h("td", {}, b.reason ?? "—"),
    h("td", {}, b.permanent ? "never" : `in ${b.expires_in}`), h("td", {}, b.source), h("td", {}, ago(b.created_at)),
    h("td", { class: "actions" }, h("button", {
      class: "secondary",
      onclick: () => act(api("DELETE", `/bans/${b.target_type}/${encodeURIComponent(b.target_value)}`), `${b.target_value} unbanned`)
    }, "Remove"))))
  fill($("bans"), rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No active bans")))
}

// ---- logs
function openLogs() {
  logStream?.close()
  logStream = new EventSource(`/api/v1/logs?token=${encodeURIComponent(key)}&level=${$("log-level").value}`)
  logStream.addEventListener("log", (e) => addLog(JSON.parse(e.data)))
  logStream.addEventListener("lagged", (e) => addLog({ timestamp: new Date().toISOString(), level: "warn", target: "dashboard", message: `${JSON.parse(e.data).missed} lines missed` }))
}
function addLog(r) {
  const filter = $("log-filter").value.toLowerCase()
  const li = h("li", { class: `log ${r.level}` }, h("time", {}, new Date(r.timestamp).toLocaleTimeString()), h("b", {}, r.level), h("i", {}, r.target), r.message)
  li.hidden = filter !== "" && !li.textContent.toLowerCase().includes(filter)
  $("logs").append(li)
  while ($("logs").children.length > 500) $("logs").firstChild.remove()
}
async function loadLogHistory() {
  const r = await api("GET", `/logs/history?n=200&level=${$("log-level").value}`).catch(() => ({ data: [] }))
  fill($("logs"))
  r.data.forEach(addLog)
}

// ---- navigation
function show(tab) {
  state.tab = tab
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${tab}`
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab)
  if (tab === "logs") loadLogHistory().then(openLogs)
  else logStream?.close()
}

async function refreshAll() {
  await Promise.all([
    api("GET", "/stats").then((r) => stats(r.data)),
    api("GET", "/stats/history").then((r) => { state.history = r.data; charts() }),
    api("GET", "/events/recent").then((r) => fill($("activity"), r.data.map((a) => h("li", {}, h("time", {}, new Date(a.timestamp).toLocaleTimeString()), " ", a.summary)))),
    loadServers(), loadPlayers(), loadBans()
  ]).catch((e) => notify(e.message, true))
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login($("api-key").value.trim()) })
  $("logout").addEventListener("click", () => logout())
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.tab))
  for (const id of ["player-search", "player-server", "player-mode"]) $(id).addEventListener("input", renderPlayers)
  $("broadcast").addEventListener("click", async () => {
    const a = await ask("Broadcast", [{ name: "text", label: "Message", required: true }])
    if (a) act(api("POST", "/players/broadcast", { text: a.text }))
  })
  $("new-server").addEventListener("click", () => editServer(undefined))
  $("ban-form").addEventListener("submit", (e) => {
    e.preventDefault()
    act(api("POST", "/bans", banBody($("ban-type").value, $("ban-value").value.trim(), $("ban-duration").value, $("ban-reason").value.trim())))
      .then(() => { $("ban-value").value = ""; $("ban-reason").value = "" })
  })
  $("log-level").addEventListener("change", () => loadLogHistory().then(openLogs))
  $("log-filter").addEventListener("input", () => {
    const f = $("log-filter").value.toLowerCase()
    for (const li of $("logs").children) li.hidden = f !== "" && !li.textContent.toLowerCase().includes(f)
  })
  $("log-clear").addEventListener("click", () => fill($("logs")))
  if (key) login(key)
  else $("login").hidden = false
})
