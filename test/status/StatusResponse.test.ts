/**
 * The pure parts of the status plane: which releases a version name covers, the JSON a client
 * gets from a cached backend response (extra fields kept, protocol rewritten when compatible
 * by name, overrides), protocol buckets, favicons, and legacy text.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { checkFaviconPng, classifyFavicon, inlineFavicon, loadFavicon, PNG_DATA_URI_PREFIX } from "../../src/status/Favicon.ts"
import { stripCodes, toLegacyText } from "../../src/status/LegacyText.ts"
import { OTHER_PROTOCOLS, type Overrides, parseStatus, protocolBucket, renderStatus, type StatusSnapshot } from "../../src/status/StatusSnapshot.ts"
import { coveredProtocols, rangesCover } from "../../src/status/VersionName.ts"
import { makePng } from "./support/Png.ts"

const covers = (name: string, protocol: number) => rangesCover(coveredProtocols(name), protocol)

describe("compatible by name", () => {
  it("single releases, server brands, families and ranges", () => {
    assert.isTrue(covers("1.20.4", 765))
    assert.isTrue(covers("1.20.3", 765)) // 1.20.3 and 1.20.4 share protocol 765
    assert.isFalse(covers("1.20.4", 764))
    assert.isTrue(covers("Paper 1.21.4", 769))
    assert.isFalse(covers("Paper 1.21.4", 47))
    assert.isTrue(covers("Spigot 1.8.8", 47))
    for (const p of [47, 340, 754, 767, 774]) assert.isTrue(covers("BungeeCord 1.8.x-1.21.x", p), `bungee ${p}`)
    assert.isFalse(covers("BungeeCord 1.8.x-1.21.x", 5))
    assert.isFalse(covers("BungeeCord 1.8.x-1.21.x", 775))
    for (const p of [4, 5, 47, 765, 769]) assert.isTrue(covers("Velocity 3.3.0 (1.7.2-1.21.4)", p), `velocity ${p}`)
    assert.isFalse(covers("Velocity 3.3.0 (1.7.2-1.21.4)", 770))
    assert.isTrue(covers("1.8 – 1.21", 774))
    assert.isTrue(covers("26.1", 775))
    assert.isTrue(covers("Waterfall 1.21", 767))
  })

  it("numbers that are not releases cover nothing", () => {
    assert.deepStrictEqual(coveredProtocols("Velocity 3.3.0-SNAPSHOT"), [])
    assert.deepStrictEqual(coveredProtocols("Paper 1.21.4-232").length, 1)
    assert.deepStrictEqual(coveredProtocols("§cMaintenance"), [])
    assert.deepStrictEqual(coveredProtocols("1.2.3.4"), [])
    // An unknown protocol number inside a range is not "covered": it is no release.
    assert.isFalse(covers("1.8.x-1.21.x", 100))
    assert.isFalse(covers("x".repeat(10_000) + " 1.20.4", 765))
  })
})

describe("protocol buckets", () => {
  it("known releases and near-future numbers are exact; snapshots and garbage share one bucket", () => {
    assert.strictEqual(protocolBucket(765), 765)
    assert.strictEqual(protocolBucket(778), 778)
    assert.strictEqual(protocolBucket(-1), OTHER_PROTOCOLS)
    assert.strictEqual(protocolBucket(0), OTHER_PROTOCOLS)
    assert.strictEqual(protocolBucket(100), OTHER_PROTOCOLS)
    assert.strictEqual(protocolBucket(0x40000000 | 250), OTHER_PROTOCOLS)
    assert.strictEqual(protocolBucket(123_456), OTHER_PROTOCOLS)
  })
})

const snapshotOf = (body: unknown): StatusSnapshot => {
  const s = parseStatus(JSON.stringify(body))
  if (typeof s === "string") throw new Error(s)
  return s
}

const NONE: Overrides = { online: undefined, onlineFavicon: undefined, defaultFavicon: undefined }

const forge = {
  version: { name: "BungeeCord 1.8.x-1.21.x", protocol: 765 },
  players: { max: 500, online: 42, sample: [{ name: "alex", id: "00000000-0000-0000-0000-000000000001" }] },
  description: { text: "§aModded", extra: [{ text: " network", bold: true }] },
  favicon: "data:image/png;base64,AAAA",
  forgeData: { channels: [], mods: [{ modId: "forge", modmarker: "47.2.0" }], fmlNetworkVersion: 3, truncated: false },
  modinfo: { type: "FML", modList: [] },
  enforcesSecureChat: true,
  previewsChat: false,
  someModsExtra: { nested: [1, 2, { deep: "x" }] }
}

describe("the JSON a client gets", () => {
  it("keeps every field the backend sent and reports the client's own protocol when covered by name", () => {
    const s = snapshotOf(forge)
    for (const protocol of [47, 340, 765, 774]) {
      const out = JSON.parse(renderStatus(s, protocol, NONE)) as typeof forge
      assert.deepStrictEqual({ ...out, version: forge.version }, forge)
      assert.deepStrictEqual(out.version, { name: forge.version.name, protocol })
    }
    // 1.7 is outside 1.8.x-1.21.x: the backend's own number stands (the client sees "incompatible").
    assert.strictEqual((JSON.parse(renderStatus(s, 5, NONE)) as typeof forge).version.protocol, 765)
  })

  it("a single-version backend's number is kept for other releases (truthful incompatibility)", () => {
    const s = snapshotOf({ version: { name: "1.20.4", protocol: 765 }, players: { max: 1, online: 0 }, description: "x" })
    assert.strictEqual(renderStatus(s, 47, NONE), s.raw)
    assert.include(renderStatus(s, 765, NONE), `"protocol":765`)
  })

  it("[motd.online] replaces description, favicon, version name and max players; keeps protocol, online, sample and extras", () => {
    const s = snapshotOf(forge)
    const overrides: Overrides = {
      online: { text: "§6Override", versionName: "My Network", maxPlayers: 1000 },
      onlineFavicon: `${PNG_DATA_URI_PREFIX}BBBB`,
      defaultFavicon: `${PNG_DATA_URI_PREFIX}CCCC`
    }
    const out = JSON.parse(renderStatus(s, 47, overrides)) as Record<string, any>
    assert.deepStrictEqual(out["description"], { text: "§6Override" })
    assert.deepStrictEqual(out["version"], { name: "My Network", protocol: 47 })
    assert.deepStrictEqual(out["players"], { ...forge.players, max: 1000 })
    assert.strictEqual(out["favicon"], `${PNG_DATA_URI_PREFIX}BBBB`)
    assert.deepStrictEqual(out["forgeData"], forge.forgeData)
  })

  it("the default favicon fills in only when there is none", () => {
    const defaults: Overrides = { ...NONE, defaultFavicon: `${PNG_DATA_URI_PREFIX}CCCC` }
    assert.strictEqual((JSON.parse(renderStatus(snapshotOf(forge), 765, defaults)) as typeof forge).favicon, forge.favicon)
    const bare = snapshotOf({ version: { name: "1.20.4", protocol: 765 }, description: "x" })
    assert.strictEqual((JSON.parse(renderStatus(bare, 765, defaults)) as { favicon: string }).favicon, `${PNG_DATA_URI_PREFIX}CCCC`)
  })

  it("memoises per overrides object and protocol; stays within the packet's string limit", () => {
    const s = snapshotOf(forge)
    assert.strictEqual(renderStatus(s, 47, NONE), renderStatus(s, 47, NONE))
    const huge: Overrides = { ...NONE, onlineFavicon: PNG_DATA_URI_PREFIX + "A".repeat(40_000) }
    const out = renderStatus(s, 47, huge)
    assert.isAtMost(out.length, 32767)
    assert.notInclude(out, "AAAAAAAA")
  })

  it("non-object responses are refused with a reason", () => {
    assert.isString(parseStatus("not json"))
    assert.isString(parseStatus("[1,2]"))
    assert.isString(parseStatus("\"text\""))
  })
})

describe("favicons", () => {
  const png64 = makePng(64, 64)
  it("accepts a 64x64 PNG and names what is wrong otherwise", () => {
    assert.isUndefined(checkFaviconPng(png64))
    assert.include(checkFaviconPng(makePng(128, 128))!, "128x128")
    assert.include(checkFaviconPng(Buffer.from("GIF89a............................"))!, "not a PNG")
    assert.include(checkFaviconPng(new Uint8Array(30_000))!, "bytes")
  })

  it("classifies data URIs, inline base64 and paths", () => {
    const b64 = png64.toString("base64")
    assert.strictEqual(classifyFavicon(`${PNG_DATA_URI_PREFIX}${b64}`)._tag, "Inline")
    assert.strictEqual(classifyFavicon(b64)._tag, "Inline")
    assert.strictEqual(classifyFavicon("./icons/server.png")._tag, "File")
    assert.strictEqual(classifyFavicon("server-icon")._tag, "File")
    assert.strictEqual(classifyFavicon("data:image/jpeg;base64,AAAA")._tag, "Invalid")
    assert.deepStrictEqual(inlineFavicon(b64), Result.succeed(`${PNG_DATA_URI_PREFIX}${b64}`))
    assert.isTrue(Result.isFailure(inlineFavicon("iVBORw0KGgo!!!")))
  })

  it.effect("loads a file once into a data URI; a wrong file is an error naming it", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "favicon-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "ok.png"), png64)
      writeFileSync(join(dir, "big.png"), makePng(32, 32))
      const ok = yield* loadFavicon(join(dir, "ok.png"))
      assert.strictEqual(ok, PNG_DATA_URI_PREFIX + png64.toString("base64"))
      const wrong = yield* Effect.flip(loadFavicon(join(dir, "big.png")))
      assert.include(wrong.message, "big.png")
      assert.include(wrong.message, "32x32")
      const missing = yield* Effect.flip(loadFavicon(join(dir, "missing.png")))
      assert.include(missing.message, "missing.png")
      assert.include(missing.message, "cannot read the file")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("legacy text", () => {
  it("turns JSON text components into § codes", () => {
    assert.strictEqual(toLegacyText("plain §ctext"), "plain §ctext")
    assert.strictEqual(toLegacyText({ text: "Hello", color: "gold", bold: true }), "§6§lHello")
    assert.strictEqual(
      toLegacyText({ text: "A", color: "red", extra: [{ text: "B" }, { text: "C", color: "green" }, { text: "D", italic: true }] }),
      "§cAB§aC§c§oD"
    )
    assert.strictEqual(toLegacyText(["", { text: "x", color: "aqua" }, "y"]), "§bx§ry")
    assert.strictEqual(toLegacyText({ translate: "menu.server", fallback: "Server" }), "Server")
    assert.strictEqual(toLegacyText({ text: "#hex", color: "#ff8800" }), "#hex")
    assert.strictEqual(stripCodes("§6§lGold §rtext§"), "Gold text")
  })

  it("is bounded on hostile input", () => {
    let deep: unknown = { text: "x" }
    for (let i = 0; i < 10_000; i++) deep = { text: "", extra: [deep] }
    assert.strictEqual(toLegacyText(deep), "")
    assert.isAtMost(toLegacyText({ text: "y".repeat(100_000) }).length, 1024)
  })
})
