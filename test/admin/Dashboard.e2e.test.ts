/**
 * The dashboard in Debian's headless Chromium (playwright-core, started once for this file),
 * served by a real proxy with real minecraft-protocol backends and players: log in, see a
 * player who joined, kick them (the client's connection ends), ban and unban, watch a backend
 * go down and come back, and names made of HTML shown as text (no element, no script).
 * Screenshots go to .test-output/dashboard/.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser, Page } from "playwright-core"
import { launchChromium } from "../support/Chromium.ts"
import { joinAndStay } from "../support/McClients.ts"
import { type McServer, startMcServer } from "../support/McPeers.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { type AdminProxy, API_KEY, call, startAdminProxy } from "./support.ts"

const VERSION = "1.20.4"
const SHOTS = fileURLToPath(new URL("../../.test-output/dashboard/", import.meta.url))
/** The longest HTML a player name can carry (names are at most 16 characters). */
const HTML_PLAYER = "<img src=x>"
/** Ban targets may be longer: the classic probe, as a banned name. */
const HTML_BAN = "<img src=x onerror=alert(1)>"

let backend: McServer
let flaky: McServer
let proxy: AdminProxy
let browser: Browser
let page: Page
const dialogs: Array<string> = []

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
const tab = (name: string) => page.click(`#tabs button[data-tab="${name}"]`)
const row = (kind: string, key: string) => page.locator(`tr[data-${kind}=${JSON.stringify(key)}]`)

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  backend = await startMcServer(VERSION)
  flaky = await startMcServer(VERSION)
  proxy = await startAdminProxy({
    global: "[rate_limit]\nmax_connections = 100",
    servers: {
      "hub.toml": serverToml(["hub.test"], [backend.address]),
      "flaky.toml": serverToml(["flaky.test"], [flaky.address], "[health_check]\ninterval = \"100ms\"\ntimeout = \"500ms\"\nkind = \"tcp\"\nunhealthy_after = 1\nhealthy_after = 1")
    }
  }, "[web.rate_limit]\nrequests_per_minute = 100000")
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await proxy?.close()
  await backend?.close()
  await flaky?.close()
})

describe("dashboard", () => {
  it("refuses a wrong key, then logs in with the right one", async () => {
    await page.goto(`http://127.0.0.1:${proxy.admin}/`)
    await page.fill("#api-key", "not-the-key-0123456789")
    await page.click("#login-form button")
    await page.waitForSelector("#login-error:has-text('refused')")
    await page.fill("#api-key", API_KEY)
    await page.click("#login-form button")
    await page.waitForSelector("#app:not([hidden])")
    await page.waitForSelector("#live:has-text('live')")
    assert.strictEqual(await page.locator("#stat-cards .card").count(), 6)
  })

  it("shows a player who joined, and kicks them: the client's connection ends", async () => {
    const alex = await joinAndStay(VERSION, proxy.port, "hub.test", "Alex")
    await tab("players")
    await row("player", "Alex").waitFor()
    assert.strictEqual(await row("player", "Alex").locator("td").nth(1).textContent(), "hub")
    await shot("players")
    await row("player", "Alex").locator("button", { hasText: "Kick" }).click()
    await page.fill("#dialog-fields input[name=reason]", "see you")
    await page.click("#dialog-ok")
    await alex.closed
    await row("player", "Alex").waitFor({ state: "detached" })
    await page.waitForSelector("#notice:has-text('Alex kicked')")
  })

  it("shows names made of HTML as text", async () => {
    const player = await joinAndStay(VERSION, proxy.port, "hub.test", HTML_PLAYER)
    try {
      await row("player", HTML_PLAYER).waitFor()
      assert.strictEqual(await row("player", HTML_PLAYER).locator("td.name").textContent(), HTML_PLAYER)
      await tab("bans")
      await page.selectOption("#ban-type", "username")
      await page.fill("#ban-value", HTML_BAN)
      await page.fill("#ban-reason", "<b>not bold</b>")
      await page.click("#ban-form button[type=submit]")
      await row("ban", `username:${HTML_BAN}`).waitFor()
      assert.strictEqual(await row("ban", `username:${HTML_BAN}`).locator("td").nth(1).textContent(), "<b>not bold</b>")
      await tab("overview")
      await page.waitForSelector(`#activity li:has-text(${JSON.stringify(`${HTML_PLAYER} joined hub`)})`)
      // Nothing the names carry became an element, and no script ran.
      assert.strictEqual(await page.locator("main img, main b").count(), 0)
      assert.deepStrictEqual(dialogs, [])
      await call(proxy.admin, "DELETE", `/api/v1/bans/username/${encodeURIComponent(HTML_BAN)}`)
    } finally {
      player.leave()
    }
  })

  it("bans and unbans from the bans view", async () => {
    await tab("bans")
    await page.selectOption("#ban-type", "username")
    await page.fill("#ban-value", "Griefer")
    await page.selectOption("#ban-duration", "86400")
    await page.fill("#ban-reason", "griefing")
    await page.click("#ban-form button[type=submit]")
    await row("ban", "username:Griefer").waitFor()
    assert.include(await row("ban", "username:Griefer").textContent(), "griefing")
    const check = await call(proxy.admin, "GET", "/api/v1/bans/check/username/griefer")
    assert.strictEqual(check.json.data.ban.permanent, false)
    await shot("bans")
    await row("ban", "username:Griefer").locator("button", { hasText: "Remove" }).click()
    await row("ban", "username:Griefer").waitFor({ state: "detached" })
    assert.strictEqual((await call(proxy.admin, "GET", "/api/v1/bans/check/username/griefer")).json.data.banned, false)
  })

  it("shows a backend going down and coming back", async () => {
    await tab("servers")
    const backendCell = () => row("server", "flaky").locator(`[data-backend=${JSON.stringify(flaky.address)}]`)
    await backendCell().and(page.locator("[data-healthy=true]")).waitFor()
    const port = flaky.port
    await flaky.close()
    await backendCell().and(page.locator("[data-healthy=false]")).waitFor()
    assert.strictEqual(await row("server", "flaky").locator(".badge").textContent(), "down")
    await shot("servers-down")
    flaky = await startMcServer(VERSION, { port })
    await backendCell().and(page.locator("[data-healthy=true]")).waitFor()
    assert.strictEqual(await row("server", "flaky").locator(".badge").textContent(), "up")
    await tab("overview")
    await page.waitForSelector("#activity li:has-text('backend')")
    await shot("overview")
  })

  it("shows the live log with its level filter", async () => {
    await tab("logs")
    await page.waitForSelector("#logs li")
    await call(proxy.admin, "POST", "/api/v1/bans", { body: { target: { type: "ip", value: "198.51.100.4" } } })
    await page.waitForSelector("#logs li:has-text('ban added: ip:198.51.100.4')")
    await page.selectOption("#log-level", "warn")
    // Runs in the page (this project type-checks without the DOM library, hence `globalThis`).
    await page.waitForFunction(() =>
      [...(globalThis as any).document.querySelectorAll("#logs li b")].every((b: { textContent: string }) => ["warn", "error", "fatal"].includes(b.textContent))
    )
    await shot("logs")
  })
})
