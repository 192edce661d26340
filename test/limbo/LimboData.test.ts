/**
 * The committed limbo data is what the generator makes from the installed minecraft-data (so the
 * two cannot drift), and it covers every version minecraft-protocol speaks.
 */
import { assert, describe, it } from "@effect/vitest"
import mc from "minecraft-protocol"
import minecraftData from "minecraft-data"
import { readFileSync } from "node:fs"
import { brotliDecompressSync } from "node:zlib"
import { OUTPUT, renderLimboData } from "../../scripts/generate-limbo-data.ts"
import { limboData, limboProtocols } from "../../src/limbo/LimboData.ts"

describe("LimboData", () => {
  it("the committed file is the generator's output (run `npm run generate:limbo` when this fails)", () => {
    const committed = new Uint8Array(brotliDecompressSync(readFileSync(OUTPUT)))
    assert.isTrue(Buffer.from(committed).equals(Buffer.from(renderLimboData().bytes)))
    assert.isBelow(readFileSync(OUTPUT).length, 64 * 1024, "compact")
  }, 60_000)

  it("every minecraft-protocol version has a Join Game, a spawn sequence and, from 1.20.2, registries", () => {
    for (const version of mc.supportedVersions as ReadonlyArray<string>) {
      const protocol = minecraftData(version).version.version as number
      const data = limboData(protocol)
      assert.isDefined(data, version)
      assert.isAtLeast(data!.spawn.length, 4, version)
      if (protocol >= 764) assert.isNotEmpty(data!.registriesFull, version)
      if (protocol >= 766) assert.isDefined(data!.knownPacks, version)
      else assert.isUndefined(data!.knownPacks, version)
    }
    assert.isAtLeast(limboProtocols().length, 30)
    assert.isUndefined(limboData(3))
  })
})
