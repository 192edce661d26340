import { assert, describe, it } from "@effect/vitest"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import * as Fs from "node:fs"
import { OUTPUT, renderPacketIds } from "../../scripts/generate-packet-ids.ts"
import { PACKET_ID_SETS, PACKET_NAMES } from "../../src/protocol/PacketIdData.ts"
import { packetId, packetName, packetTable, supportedPacketProtocols } from "../../src/protocol/PacketIds.ts"
import { protocolOf, releases } from "../../src/protocol/ProtocolVersion.ts"

describe("PacketIds", () => {
  it("the committed table is exactly what the generator produces from minecraft-data", () => {
    assert.strictEqual(Fs.readFileSync(OUTPUT, "utf8"), renderPacketIds())
  })

  it("covers every version minecraft-protocol supports, and only known releases", () => {
    for (const version of mc.supportedVersions) {
      // minecraft-protocol's "1.7" is minecraft-data's 1.7.10 (protocol 5), a major version only.
      const protocol = minecraftData.versionsByMinecraftVersion.pc[version]?.version ?? minecraftData(version)!.version.version!
      assert.isDefined(packetTable(protocol), `${version} (protocol ${protocol})`)
    }
    const known = new Set(releases.map((r) => r.protocol))
    for (const p of supportedPacketProtocols) assert.isTrue(known.has(p), `${p}`)
    assert.isAtLeast(supportedPacketProtocols.length, 30)
  })

  it("matches minecraft-data's own id for every tracked name of every described version", () => {
    let checked = 0
    for (const protocol of supportedPacketProtocols) {
      const release = releases.find((r) => r.protocol === protocol)!
      const data = minecraftData(release.names.find((n) => minecraftData(n)?.version.version === protocol) ?? release.names[0]!)
      if (data === null || data.version.version !== protocol) continue // 1.9.1 only as a pre-release: checked by the generator
      checked++
      for (const state of ["login", "configuration", "play"] as const) {
        for (const [direction, key] of [["clientbound", "toClient"], ["serverbound", "toServer"]] as const) {
          const mappings: Record<string, string> =
            (data.protocol as any)[state]?.[key]?.types?.packet?.[1]?.[0]?.type?.[1]?.mappings ?? {}
          const expected = new Map(Object.entries(mappings).map(([id, name]) => [name, Number.parseInt(id, 16)]))
          for (const name of PACKET_NAMES[state][direction]) {
            assert.strictEqual(packetId(protocol, state, direction, name as never), expected.get(name), `${protocol} ${state} ${direction} ${name}`)
          }
        }
      }
    }
    assert.isAtLeast(checked, supportedPacketProtocols.length - 1)
  })

  it("spot checks against the protocol documentation", () => {
    // 1.8: play keep-alive 0x00 both ways, join game 0x01, disconnect 0x40; serverbound chat 0x01.
    assert.strictEqual(packetId(47, "play", "clientbound", "keep_alive"), 0x00)
    assert.strictEqual(packetId(47, "play", "clientbound", "login"), 0x01)
    assert.strictEqual(packetId(47, "play", "clientbound", "kick_disconnect"), 0x40)
    assert.strictEqual(packetId(47, "play", "serverbound", "chat"), 0x01)
    assert.strictEqual(packetId(47, "login", "clientbound", "compress"), 0x03)
    // 1.12.2: keep-alive 0x1F, join game 0x23; 1.13 adds login plugin requests (0x04).
    assert.strictEqual(packetId(340, "play", "clientbound", "keep_alive"), 0x1f)
    assert.strictEqual(packetId(340, "play", "clientbound", "login"), 0x23)
    assert.strictEqual(packetId(340, "login", "clientbound", "login_plugin_request"), undefined)
    assert.strictEqual(packetId(393, "login", "clientbound", "login_plugin_request"), 0x04)
    // 1.20.2: the configuration state (finish 0x02) and Start Configuration in play.
    assert.strictEqual(packetId(764, "configuration", "clientbound", "finish_configuration"), 0x02)
    assert.strictEqual(packetId(764, "login", "serverbound", "login_acknowledged"), 0x03)
    assert.strictEqual(packetId(763, "login", "serverbound", "login_acknowledged"), undefined)
    // Chat moved: `chat` until 1.18.2, `chat_message` / `chat_command` from 1.19.
    assert.strictEqual(packetId(758, "play", "serverbound", "chat_message"), undefined)
    assert.isDefined(packetId(759, "play", "serverbound", "chat_message"))
    assert.strictEqual(packetId(759, "play", "serverbound", "chat"), undefined)
    // 1.21.11: keep-alive 0x2B, disconnect 0x20, join game 0x30.
    assert.strictEqual(packetId(774, "play", "clientbound", "keep_alive"), 0x2b)
    assert.strictEqual(packetName(774, "play", "clientbound", 0x20), "kick_disconnect")
    assert.strictEqual(packetName(774, "play", "clientbound", 0x30), "login")
  })

  it("answers undefined for unknown versions, untracked ids and ids out of range", () => {
    assert.isUndefined(packetTable(4)) // 1.7.2: minecraft-data describes 1.7.10 only
    assert.isUndefined(packetTable(999))
    assert.isUndefined(packetId(999, "play", "clientbound", "keep_alive"))
    assert.isUndefined(packetName(774, "play", "clientbound", 0x01)) // spawn_entity: not tracked
    assert.isUndefined(packetName(774, "play", "clientbound", 300))
    assert.isUndefined(packetName(774, "play", "clientbound", -1))
  })

  it("is inverse both ways, with ids below the names table length", () => {
    for (const set of PACKET_ID_SETS) for (const dirs of Object.values(set)) for (const ids of Object.values(dirs)) {
      for (const id of ids as ReadonlyArray<number>) assert.isBelow(id, 256)
    }
    for (const protocol of supportedPacketProtocols) {
      const table = packetTable(protocol)!
      for (const state of ["login", "configuration", "play"] as const) {
        for (const direction of ["clientbound", "serverbound"] as const) {
          const { ids, names } = table[state][direction] as { ids: Record<string, number>; names: ReadonlyArray<string | undefined> }
          for (const [name, id] of Object.entries(ids)) assert.strictEqual(names[id], name)
          names.forEach((name, id) => name === undefined || assert.strictEqual(ids[name], id))
        }
      }
    }
  })

  it("shares one table between versions with identical ids", () => {
    assert.strictEqual(packetTable(protocolOf("1.14")!), packetTable(protocolOf("1.14.4")!))
    assert.notStrictEqual(packetTable(protocolOf("1.14.4")!), packetTable(protocolOf("1.15")!))
    assert.isBelow(PACKET_ID_SETS.length, supportedPacketProtocols.length)
  })
})
