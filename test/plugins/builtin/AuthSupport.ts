/**
 * Pieces the auth plugin's end-to-end tests share: a proxy over one offline-mode hub guarded by
 * the auth limbo handler (cheap hashes, its plugins_dir a temporary directory), a fake session
 * server and a fake profile API as scoped resources, and waits on what the log says.
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startFakeProfileApi } from "../../support/FakeProfileApi.ts"
import { startFakeSessionServer } from "../../support/FakeSessionServer.ts"
import type { LogLine } from "../../support/LogCapture.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"

export const VERSION = "1.21.4"
export const HOST = "hub.test"
export const NOTCH = { name: "Notch", id: "069a79f4-44e9-4726-a5be-fca90e38aaf5" }

export const tempPlugins = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-auth-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

export const fakeSessions = Effect.acquireRelease(Effect.promise(() => startFakeSessionServer()), (f) => Effect.promise(() => f.close()))

export const fakeProfiles = (premium: Readonly<Record<string, string>> = {}) =>
  Effect.acquireRelease(Effect.promise(() => startFakeProfileApi(premium)), (f) => Effect.promise(() => f.close()))

/** `extra` is TOML for infrarust.toml; `auth` goes under `[plugins.auth.config]`. */
export const authProxy = (hubAddress: string, pluginsDir: string, options: { readonly extra?: string; readonly auth?: string } = {}) =>
  startProxy({
    global: [
      `plugins_dir = ${JSON.stringify(pluginsDir)}`,
      options.extra ?? "",
      `[rate_limit]\nmax_connections = 100`,
      `[plugins.auth.config]\n${options.auth ?? ""}`,
      // Cheaper hashes keep the tests quick; the format and the algorithm are the same.
      `[plugins.auth.config.hashing]\nargon2_memory_cost = 1024\nargon2_time_cost = 1`
    ].join("\n"),
    servers: { "hub.toml": serverToml([HOST], [hubAddress], `proxy_mode = "offline"\nlimbo_handlers = ["auth"]`) }
  })

/** TOML lines for `[plugins.auth.config]` turning premium detection on against `api`. */
export const premiumLookup = (api: string, more = "") => `premium_lookup = true\n[plugins.auth.config.premium]\nprofile_api = "${api}"\n${more}`

type Logs = { readonly logs: ReadonlyArray<LogLine> }

/** The `at`-th time (1-based) the log says `name` went from the limbo to the hub. */
export const atHub = (proxy: Logs, name: string, at = 1) =>
  waitUntil(() => proxy.logs.filter((l) => l.message.includes(`switched ${name} from the limbo to 'hub'`)).length >= at, `${name} at the hub (${at})`, 10_000)

export const logged = (proxy: Logs, text: string) => waitUntil(() => proxy.logs.some((l) => l.message.includes(text)), `a log line with "${text}"`, 10_000)

export const noLogMentions = (proxy: Logs, secret: string) =>
  assert.isFalse(proxy.logs.some((l) => JSON.stringify(l).includes(secret)), `no log line mentions ${secret}`)
