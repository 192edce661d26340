/**
 * `[forwarding]`: how player IP/UUID reach the backends (BungeeCord legacy, BungeeGuard, Velocity
 * modern), plus the BungeeCord plugin-channel permissions that Infrarust parses but never uses.
 *
 * Mode aliases are normalised here (`legacy` and `bungeecord` → `bungee_cord`, `bungeeguard` →
 * `bungee_guard`, `modern` → `velocity`), so consumers only ever see the four canonical names.
 * `bungeecord`/`bungeeguard` are the spellings Infrarust's own docs use; Infrarust itself rejects
 * them, but a file written from its docs should work here.
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { Bool, defaultTable, Str, table, withDefault } from "./TomlSchema.ts"

export const forwardingModes = ["none", "bungee_cord", "bungee_guard", "velocity"] as const
export const CanonicalForwardingMode = Schema.Literals(forwardingModes)
export type ForwardingMode = typeof CanonicalForwardingMode.Type

const aliases: Readonly<Record<string, ForwardingMode>> = {
  legacy: "bungee_cord",
  bungeecord: "bungee_cord",
  bungeeguard: "bungee_guard",
  modern: "velocity"
}

/** A forwarding mode as written (aliases allowed), decoded to its canonical name. */
export const ForwardingMode = Schema.Literals([...forwardingModes, "legacy", "bungeecord", "bungeeguard", "modern"]).pipe(
  Schema.decodeTo(
    CanonicalForwardingMode,
    SchemaTransformation.transform({
      decode: (mode) => aliases[mode] ?? (mode as ForwardingMode),
      encode: (mode) => mode
    })
  )
)

/** Each permission: its snake_case key, the BungeeCord sub-channel name accepted as an alias, its default. */
const channels = {
  connect: ["connect", "Connect", true],
  connectOther: ["connect_other", "ConnectOther", false],
  ip: ["ip", "IP", true],
  ipOther: ["ip_other", "IPOther", true],
  playerCount: ["player_count", "PlayerCount", true],
  playerList: ["player_list", "PlayerList", true],
  getServers: ["get_servers", "GetServers", true],
  getServer: ["get_server", "GetServer", true],
  getPlayerServer: ["get_player_server", "GetPlayerServer", true],
  forward: ["forward", "Forward", true],
  forwardToPlayer: ["forward_to_player", "ForwardToPlayer", true],
  uuid: ["uuid", "UUID", true],
  uuidOther: ["uuid_other", "UUIDOther", true],
  serverIp: ["server_ip", "ServerIP", true],
  message: ["message", "Message", false],
  messageRaw: ["message_raw", "MessageRaw", false],
  kickPlayer: ["kick_player", "KickPlayer", false],
  kickPlayerRaw: ["kick_player_raw", "KickPlayerRaw", false]
} as const
type Channel = keyof typeof channels
const channelEntries = Object.entries(channels) as Array<[Channel, typeof channels[Channel]]>

const ChannelPermissionsType = Schema.Struct(
  Object.fromEntries(channelEntries.map(([name]) => [name, Schema.Boolean]))
) as unknown as Schema.Struct<{ readonly [K in Channel]: typeof Schema.Boolean }>

const ChannelPermissionsFile = Schema.Struct(
  Object.fromEntries(channelEntries.flatMap(([, [key, alias]]) => [
    [key, Schema.optionalKey(Bool)],
    [alias, Schema.optionalKey(Bool)]
  ]))
) as unknown as Schema.Codec<Readonly<Record<string, boolean | undefined>>>

/** `[forwarding.channel_permissions]`: 18 booleans, each also accepted under its PascalCase alias. */
export const ChannelPermissions = ChannelPermissionsFile.pipe(
  Schema.decodeTo(
    ChannelPermissionsType,
    SchemaTransformation.transformEffect({
      decode: (file: Readonly<Record<string, boolean | undefined>>) => {
        const out: Record<string, boolean> = {}
        for (const [name, [key, alias, fallback]] of channelEntries) {
          const value = file[key]
          const aliased = file[alias]
          if (value !== undefined && aliased !== undefined) {
            return Effect.fail(
              new SchemaIssue.InvalidValue({ message: `"${key}" and its alias "${alias}" are both set; keep one` })
            )
          }
          out[name] = value ?? aliased ?? fallback
        }
        return Effect.succeed(out as { readonly [K in Channel]: boolean })
      },
      encode: (permissions) =>
        Effect.succeed<Readonly<Record<string, boolean | undefined>>>(
          Object.fromEntries(channelEntries.map(([name, [key]]) => [key, permissions[name]]))
        )
    })
  )
)
export type ChannelPermissions = typeof ChannelPermissions.Type

export const ForwardingConfig = table({
  mode: withDefault(ForwardingMode, "none"),
  /** Velocity key / BungeeGuard token file, relative to the working directory. */
  secretFile: withDefault(Str, "forwarding.secret"),
  bungeecordChannel: withDefault(Bool, true),
  channelPermissions: defaultTable(ChannelPermissions)
})
export type ForwardingConfig = typeof ForwardingConfig.Type
