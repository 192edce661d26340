/**
 * A player's game profile as the protocol and Mojang's session server carry it: UUID, name, and
 * signed properties (the `textures` skin and cape, and whatever a proxy adds, such as BungeeGuard's
 * token). Shared by Login Success, the session-server client and the forwarding formats.
 * Source: https://minecraft.wiki/w/Mojang_API#Query_player's_skin_and_cape
 */

export interface ProfileProperty {
  readonly name: string
  /** Base64 for `textures`; opaque text in general. */
  readonly value: string
  /** Base64 Yggdrasil signature of `value`; absent when unsigned. */
  readonly signature?: string
}

export interface GameProfile {
  /** Canonical lower-case dashed UUID. */
  readonly id: string
  readonly name: string
  readonly properties: ReadonlyArray<ProfileProperty>
}
