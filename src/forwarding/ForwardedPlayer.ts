/**
 * What player-info forwarding tells a backend: the player's real address and profile. In
 * `client_only` the profile is Mojang's (properties included); otherwise it is the offline or
 * Login Start identity with no properties.
 */
import type { GameProfile } from "../protocol/GameProfile.ts"

export interface ForwardedPlayer {
  /** The player's IP as text ("203.0.113.7", "2001:db8::1"): the effective client address. */
  readonly address: string
  readonly profile: GameProfile
}
