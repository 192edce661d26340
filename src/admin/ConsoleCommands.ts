/**
 * The stdin console's commands (Infrarust's, reference §2.18, with their aliases): each line
 * is parsed into a command and run on AdminActions, the same operations the REST API uses, and
 * answers with lines of text. A mistake (unknown command, missing argument, unknown player)
 * is an answer, never a failure: the console keeps reading.
 *
 * Durations are humantime (`30m`, `1h30m`, `7d`) or `permanent`/`perm`; the console's ban source
 * is "console" and a ban kicks the players it matches.
 */
import { Clock, Duration, Effect, Result } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { listLines, versionLine } from "../command/PlayerLines.ts"
import { parseHumanDuration } from "../config/HumanDuration.ts"
import type { AdminActionsShape } from "./AdminActions.ts"
import type { ApiError } from "./ApiErrors.ts"
import { banView, healthOf, humanDuration, playerView } from "./Views.ts"

export interface ConsoleEnv {
  readonly actions: AdminActionsShape
  readonly startedAt: number
  readonly requestShutdown: Effect.Effect<void> | undefined
}

type Handler = (args: ReadonlyArray<string>, env: ConsoleEnv) => Effect.Effect<ReadonlyArray<string>, ApiError>

interface Command {
  readonly names: ReadonlyArray<string>
  readonly usage: string
  readonly help: string
  readonly run: Handler
}

const lines = (...text: ReadonlyArray<string>) => Effect.succeed(text)

/** `[duration] [reason…]`: a leading duration (or `permanent`) is the duration, the rest the reason. */
export const splitDuration = (args: ReadonlyArray<string>): { readonly duration: Duration.Duration | undefined; readonly reason: string | undefined } => {
  const [first, ...rest] = args
  if (first === undefined) return { duration: undefined, reason: undefined }
  if (first === "permanent" || first === "perm") return { duration: undefined, reason: rest.join(" ") || undefined }
  const parsed = parseHumanDuration(first)
  return Result.isSuccess(parsed)
    ? { duration: parsed.success, reason: rest.join(" ") || undefined }
    : { duration: undefined, reason: args.join(" ") }
}

const banCommand = (type: "username" | "ip"): Handler => (args, { actions }) =>
  Effect.gen(function*() {
    const [target, ...rest] = args
    const { duration, reason } = splitDuration(rest)
    const { entry, kicked } = yield* actions.ban({ type, value: target!, reason, duration, source: "console" })
    const view = banView(entry, yield* Clock.currentTimeMillis)
    return [`Banned ${type} ${entry.target.value} (${view.permanent ? "permanent" : `expires in ${view.expires_in}`})` +
      `${entry.reason === undefined ? "" : `: ${entry.reason}`}; ${kicked} player(s) kicked`]
  })

const unbanCommand = (type: "username" | "ip"): Handler => ([target], { actions }) =>
  Effect.as(actions.unban(type, target!, "console"), [`Unbanned ${type} ${target}`])

const COMMANDS: ReadonlyArray<Command> = [
  {
    names: ["list", "players", "who", "online", "ls"],
    usage: "list",
    help: "players online, by server",
    // The same lines as the in-game /ir list.
    run: (_, { actions }) => Effect.map(actions.players, listLines)
  },
  {
    names: ["find"],
    usage: "find <player>",
    help: "where a player is",
    run: ([name], { actions }) =>
      Effect.gen(function*() {
        const s = yield* actions.findPlayer(name!)
        const v = playerView(s, yield* Clock.currentTimeMillis)
        return [`${v.username} (${v.uuid ?? "no uuid"}) on ${v.server ?? "no server"} from ${v.ip}, ${v.mode}, connected ${v.connected_duration}`]
      })
  },
  {
    names: ["kick"],
    usage: "kick <player> [reason]",
    help: "disconnect a player",
    run: ([name, ...reason], { actions }) => Effect.map(actions.kick(name!, reason.join(" ") || undefined), (s) => [`Kicked ${s.player}`])
  },
  {
    names: ["kick-ip"],
    usage: "kick-ip <ip> [reason]",
    help: "disconnect every player from an address",
    run: ([ip, ...reason], { actions }) =>
      Effect.gen(function*() {
        const matching = (yield* actions.players).filter((s) => playerView(s, 0).ip === ip)
        for (const s of matching) yield* actions.kick(String(s.id), reason.join(" ") || undefined)
        return [`Kicked ${matching.length} player(s) from ${ip}`]
      })
  },
  { names: ["send"], usage: "send <player> <server>", help: "move a player", run: ([name, server], { actions }) => Effect.map(actions.send(name!, server!), (s) => [`Sent ${s.player} to ${server}`]) },
  {
    names: ["send-all"],
    usage: "send-all <server>",
    help: "move every player",
    run: ([server], { actions }) =>
      Effect.gen(function*() {
        const list = yield* actions.players
        if (list.length === 0) return ["No players online"]
        const refusals: Array<string> = []
        for (const s of list) {
          const sent = yield* Effect.result(actions.send(String(s.id), server!))
          if (sent._tag === "Failure") refusals.push(sent.failure.error.message)
        }
        return [`Moved ${list.length - refusals.length} of ${list.length} player(s)`, ...refusals.slice(0, 5).map((r) => `  ${r}`)]
      })
  },
  { names: ["msg"], usage: "msg <player> <message>", help: "message a player", run: ([name, ...words], { actions }) => Effect.map(actions.message(name!, words.join(" ")), (s) => [`Message sent to ${s.player}`]) },
  {
    names: ["broadcast"],
    usage: "broadcast <message>",
    help: "message every player",
    run: (words, { actions }) =>
      Effect.map(actions.broadcast(words.join(" ")), (b) => [`Broadcast sent to ${b.delivered} player(s)` + (b.skipped > 0 ? `; ${b.skipped} in forwarding modes or logging in cannot receive messages` : "")])
  },
  { names: ["ban"], usage: "ban <player> [duration|permanent] [reason]", help: "ban a player name", run: banCommand("username") },
  { names: ["ban-ip"], usage: "ban-ip <ip> [duration|permanent] [reason]", help: "ban an address", run: banCommand("ip") },
  { names: ["unban"], usage: "unban <player>", help: "lift a name ban", run: unbanCommand("username") },
  { names: ["unban-ip"], usage: "unban-ip <ip>", help: "lift an address ban", run: unbanCommand("ip") },
  {
    names: ["banlist"],
    usage: "banlist",
    help: "active bans",
    run: (_, { actions }) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const bans = (yield* actions.bans).map((b) => banView(b, now))
        if (bans.length === 0) return ["No active bans"]
        return [`${bans.length} active ban(s)`, ...bans.map((b) => `  ${b.target_type} ${b.target_value}: ${b.reason ?? "no reason"} (${b.permanent ? "permanent" : `expires in ${b.expires_in}`}, by ${b.source})`)]
      })
  },
  {
    names: ["baninfo"],
    usage: "baninfo <player|ip>",
    help: "the ban of a name or an address",
    run: ([target], { actions }) =>
      Effect.gen(function*() {
        const type = /^[\d.]+$/.test(target!) || target!.includes(":") ? "ip" : "username"
        const ban = yield* actions.findBan(type, target!)
        if (ban === undefined) return [`${target} is not banned`]
        const b = banView(ban, yield* Clock.currentTimeMillis)
        return [`${b.target_type} ${b.target_value}: ${b.reason ?? "no reason"}; ${b.permanent ? "permanent" : `expires ${b.expires_at}`}; by ${b.source} at ${b.created_at}`]
      })
  },
  {
    names: ["servers"],
    usage: "servers",
    help: "servers, their state and players",
    run: (_, { actions }) =>
      Effect.map(actions.servers, (list) =>
        list.length === 0 ? ["No servers"] : list.map((i) =>
          `  ${i.server.id}: ${i.state ?? healthOf(i.backends)}, ${i.players} player(s), ${i.server.config.proxyMode}, ${i.server.config.domains.join(" ")} → ${i.server.config.addresses.map((a) => a.text).join(" ")}`))
  },
  {
    names: ["server"],
    usage: "server <id>",
    help: "one server in detail",
    run: ([id], { actions }) =>
      Effect.map(actions.server(id!), (i) => [
        `${i.server.id} (${i.server.config.proxyMode}): ${i.state ?? healthOf(i.backends)}, ${i.players} player(s)`,
        ...i.backends.map((b) => `  ${b.backend}: ${b.healthy ? "healthy" : `down (${b.lastFailure ?? "?"})`}, ${b.players} player(s)`)
      ])
  },
  { names: ["start"], usage: "start <server>", help: "start a managed server", run: ([id], { actions }) => Effect.map(actions.start(id!), (m) => [m]) },
  { names: ["stop-server"], usage: "stop-server <server>", help: "stop a managed server", run: ([id], { actions }) => Effect.map(actions.stop(id!), (m) => [m]) },
  {
    names: ["reload"],
    usage: "reload",
    help: "re-read infrarust.toml, servers and bans now (the file watchers do it anyway)",
    run: (_, { actions }) => Effect.map(actions.reload, (r) => [`Reloaded: infrarust.toml ${r.configChanged ? "changed" : "unchanged"}, ${r.servers} server(s)`])
  },
  {
    names: ["status"],
    usage: "status",
    help: "uptime, players, servers, bans",
    run: (_, env) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const players = (yield* env.actions.players).length
        const servers = (yield* env.actions.servers).length
        const bans = (yield* env.actions.bans).length
        const rss = Math.round(process.memoryUsage.rss() / 1048576)
        return [`infrarust-ts ${packageJson.version}: up ${humanDuration(now - env.startedAt)}, ${players} player(s), ${servers} server(s), ${bans} ban(s), ${rss} MiB`]
      })
  },
  { names: ["version"], usage: "version", help: "the proxy's version", run: () => lines(versionLine()) },
  {
    names: ["stop", "shutdown", "exit", "quit"],
    usage: "stop",
    help: "stop the proxy (players are drained as on SIGTERM)",
    run: (_, env) =>
      env.requestShutdown === undefined ? lines("Stopping is not available here") : Effect.as(env.requestShutdown, ["Stopping the proxy"])
  },
  { names: ["clear", "cls"], usage: "clear", help: "clear the screen", run: () => lines("\x1b[2J\x1b[H") },
  { names: ["gc"], usage: "gc", help: "does nothing (kept for Infrarust's scripts)", run: () => lines("Nothing to do: Node collects garbage by itself") },
  {
    names: ["op", "deop", "ops", "oplist", "config", "plugins", "plugin"],
    usage: "op …",
    help: "not available in the console yet (use the admin API)",
    run: () => lines("Not available in the console yet: use the admin API (docs/admin-api.md)")
  }
]

const byName = new Map(COMMANDS.flatMap((c) => c.names.map((n) => [n, c] as const)))

/** Minimum arguments of each usage: the `<…>` parts. */
const required = (usage: string): number => (usage.match(/<[^>]+>/g) ?? []).length

const helpText = (): ReadonlyArray<string> => [
  "Commands:",
  ...COMMANDS.map((c) => `  ${c.usage.padEnd(44)} ${c.help}${c.names.length > 1 ? ` (also ${c.names.slice(1).join(", ")})` : ""}`)
]

/** Runs one console line; the answer is always lines of text. */
export const runLine = (line: string, env: ConsoleEnv): Effect.Effect<ReadonlyArray<string>> => {
  const [name, ...args] = line.trim().split(/\s+/).filter((w) => w !== "")
  if (name === undefined) return Effect.succeed([])
  const lower = name.toLowerCase()
  if (lower === "help" || lower === "?") return Effect.succeed(helpText())
  const command = byName.get(lower)
  if (command === undefined) return Effect.succeed([`Unknown command '${name}'. Type 'help' for the list.`])
  if (args.length < required(command.usage)) return Effect.succeed([`Usage: ${command.usage}`])
  return command.run(args, env).pipe(Effect.catch((error) => Effect.succeed([`Error: ${error.error.message}`])))
}
