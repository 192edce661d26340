/**
 * BungeeCord legacy forwarding and BungeeGuard: the backend learns the player's address and
 * profile from the handshake's server address, which becomes
 * `host \0 address \0 uuid (32 lower-case hex, no dashes) \0 properties JSON`.
 * Spigot and Paper split it on `\0` (with `bungeecord: true`); BungeeGuard checks the extra
 * `bungeeguard-token` property against its `allowed-tokens`.
 *
 * The properties are a JSON array of `{"name","value","signature"}` with `signature` left out
 * when there is none, and `[]` when there are no properties (reference §2.12). The result is
 * longer than vanilla's 255-char address bound; Spigot and Paper accept it, and the handshake
 * encoder allows it (`MAX_ENCODED_SERVER_ADDRESS_CHARS`). Pure.
 */
import type { ProfileProperty } from "../protocol/GameProfile.ts"
import type { ForwardedPlayer } from "./ForwardedPlayer.ts"

/** The property BungeeGuard looks for (its `BungeeGuardUtils`). */
export const BUNGEEGUARD_TOKEN_PROPERTY = "bungeeguard-token"

const propertiesJson = (properties: ReadonlyArray<ProfileProperty>): string =>
  JSON.stringify(properties.map(({ name, signature, value }) => signature === undefined ? { name, value } : { name, value, signature }))

/** The handshake address for BungeeCord legacy forwarding; `host` is the address the backend would otherwise see. */
export const bungeeCordHost = (host: string, player: ForwardedPlayer): string =>
  [host, player.address, player.profile.id.replaceAll("-", "").toLowerCase(), propertiesJson(player.profile.properties)].join("\0")

/**
 * The handshake address for BungeeGuard: BungeeCord's, with `{"name":"bungeeguard-token",
 * "value":<token>,"signature":""}` appended to the properties. `token` is the secret file's
 * text, already trimmed (ForwardingSecret.ts).
 */
export const bungeeGuardHost = (host: string, player: ForwardedPlayer, token: string): string =>
  bungeeCordHost(host, {
    ...player,
    profile: {
      ...player.profile,
      properties: [...player.profile.properties, { name: BUNGEEGUARD_TOKEN_PROPERTY, value: token, signature: "" }]
    }
  })
