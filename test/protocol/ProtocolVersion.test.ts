import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  isKnownProtocol,
  isSnapshotProtocol,
  nameOf,
  NEWEST_KNOWN_PROTOCOL,
  OLDEST_KNOWN_PROTOCOL,
  PROTOCOL_1_13,
  PROTOCOL_1_19,
  PROTOCOL_1_19_1,
  PROTOCOL_1_19_3,
  PROTOCOL_1_20_2,
  PROTOCOL_1_20_5,
  protocolOf,
  releaseOf,
  releases
} from "../../src/protocol/ProtocolVersion.ts"

interface Entry {
  readonly minecraftVersion: string
  readonly version: number
  readonly usesNetty: boolean
  readonly releaseType?: string
}

const minecraftData: ReadonlyArray<Entry> = JSON.parse(fs.readFileSync(
  path.join(import.meta.dirname, "../../node_modules/minecraft-data/minecraft-data/data/pc/common/protocolVersions.json"),
  "utf8"
))

describe("ProtocolVersion", () => {
  it("holds exactly minecraft-data's Netty-era releases", () => {
    // Older entries have no releaseType; releases are the plain "x.y[.z]" names.
    const expected = minecraftData
      .filter((e) => e.usesNetty && e.releaseType !== "snapshot" && /^\d+\.\d+(\.\d+)?$/.test(e.minecraftVersion))
      .map((e) => [e.minecraftVersion, e.version] as const)
      .sort(([a], [b]) => a.localeCompare(b))
    const actual = releases.flatMap((r) => r.names.map((n) => [n, r.protocol] as const)).sort(([a], [b]) => a.localeCompare(b))
    assert.deepStrictEqual(actual, expected)
  })

  it("is ordered, with the oldest and newest constants at its ends", () => {
    const protocols = releases.map((r) => r.protocol)
    assert.deepStrictEqual(protocols, [...protocols].sort((a, b) => a - b))
    assert.strictEqual(protocols[0], OLDEST_KNOWN_PROTOCOL)
    assert.strictEqual(protocols[protocols.length - 1], NEWEST_KNOWN_PROTOCOL)
  })

  it("names releases and ranges of releases", () => {
    const names: ReadonlyArray<readonly [number, string]> = [
      [4, "1.7.2–1.7.5"],
      [5, "1.7.6–1.7.10"],
      [47, "1.8–1.8.9"],
      [340, "1.12.2"],
      [754, "1.16.4–1.16.5"],
      [765, "1.20.3–1.20.4"],
      [769, "1.21.4"],
      [774, "1.21.11"],
      [775, "26.1–26.1.2"]
    ]
    for (const [protocol, name] of names) assert.strictEqual(nameOf(protocol), name)
    assert.isUndefined(nameOf(3))
    assert.isUndefined(nameOf(0x40000152))
    assert.deepStrictEqual(releaseOf(47)?.names.at(-1), "1.8.9")
    assert.strictEqual(protocolOf("1.8.9"), 47)
    assert.strictEqual(protocolOf("26.1"), 775)
    assert.isUndefined(protocolOf("1.8.10"))
    assert.isTrue(isKnownProtocol(769))
    assert.isFalse(isKnownProtocol(768.5))
  })

  it("puts the version gates on the releases they name", () => {
    assert.strictEqual(protocolOf("1.13"), PROTOCOL_1_13)
    assert.strictEqual(protocolOf("1.19"), PROTOCOL_1_19)
    assert.strictEqual(protocolOf("1.19.1"), PROTOCOL_1_19_1)
    assert.strictEqual(protocolOf("1.19.3"), PROTOCOL_1_19_3)
    assert.strictEqual(protocolOf("1.20.2"), PROTOCOL_1_20_2)
    assert.strictEqual(protocolOf("1.20.5"), PROTOCOL_1_20_5)
  })

  it("recognises snapshot protocol numbers", () => {
    const snapshots = minecraftData.filter((e) => e.releaseType === "snapshot" && e.version > 0x40000000)
    assert.isNotEmpty(snapshots)
    for (const s of snapshots) assert.isTrue(isSnapshotProtocol(s.version), s.minecraftVersion)
    for (const r of releases) assert.isFalse(isSnapshotProtocol(r.protocol))
    assert.isFalse(isSnapshotProtocol(-1))
  })
})
