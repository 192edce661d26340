/**
 * The Join Game packet a test server sends a player, in its own module so that programs that
 * need only this (ManagedMcServer.ts, which containers start) do not load Effect and NBT at
 * start-up.
 */
import minecraftData from "minecraft-data"

/** The Join Game fields a minecraft-protocol client of `version` reads (minecraft-data's sample where it has one). */
export const joinGamePacket = (version: string, client: { id: number }) => {
  const data = minecraftData(version)
  if (data.loginPacket) return data.loginPacket
  // Before 1.16 minecraft-data has no ready-made packet; these are the fields 1.7-1.15 read.
  return {
    entityId: client.id,
    gameMode: 1,
    dimension: 0,
    difficulty: 2,
    maxPlayers: 20,
    levelType: "default",
    reducedDebugInfo: false,
    viewDistance: 10,
    hashedSeed: [0, 0],
    enableRespawnScreen: true
  }
}
