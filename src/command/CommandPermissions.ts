/**
 * Who may use which `/ir` subcommand (reference §1 `[permissions]`, §2.18):
 *
 * - an admin (PermissionsSetup: listed in `admins` and authenticated by the proxy, so an offline
 *   player with an admin's name is not one) may use every subcommand;
 * - everyone else may use the subcommands `player_commands` opens (`"*"` opens them all), except
 *   kick, send, broadcast, reload and plugin, which stay admin-only whatever the list says;
 * - help lists only what the player may use, so it comes with any other subcommand opened;
 * - with the default `player_commands = []`, players may use none (as Infrarust).
 *
 * Names match in any case. A plugin command says itself who may use it (`permission`).
 */
import { SUBCOMMANDS, subcommandNamed } from "./Subcommands.ts"

/** `player_commands`' wildcard. */
export const WILDCARD = "*"

const normalise = (names: ReadonlyArray<string>): ReadonlySet<string> => new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ""))

/** Whether a player (admin or not) may use subcommand `name` under `playerCommands`. */
export const mayUse = (name: string, admin: boolean, playerCommands: ReadonlyArray<string>): boolean => {
  const spec = subcommandNamed(name)
  if (spec === undefined) return false
  if (admin) return true
  if (spec.alwaysAdmin) return false
  const opened = normalise(playerCommands)
  if (opened.has(WILDCARD) || opened.has(spec.name)) return true
  return spec.name === "help" && SUBCOMMANDS.some((s) => s.name !== "help" && !s.alwaysAdmin && opened.has(s.name))
}

/** The subcommands a player may use, in the table's order. */
export const usableSubcommands = (admin: boolean, playerCommands: ReadonlyArray<string>): ReadonlyArray<string> =>
  SUBCOMMANDS.map((s) => s.name).filter((name) => mayUse(name, admin, playerCommands))

/** What an operator should be told about a `player_commands` list: always-admin and unknown names. */
export const permissionWarnings = (playerCommands: ReadonlyArray<string>): ReadonlyArray<string> => {
  const warnings: Array<string> = []
  for (const name of normalise(playerCommands)) {
    if (name === WILDCARD) continue
    const spec = subcommandNamed(name)
    if (spec === undefined) warnings.push(`[permissions] player_commands: '${name}' is not an /ir subcommand; ignored`)
    else if (spec.alwaysAdmin) warnings.push(`[permissions] player_commands: /ir ${name} is always admin-only and cannot be opened to players`)
  }
  return warnings
}
