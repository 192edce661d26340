/**
 * Every version minecraft-protocol speaks, 1.7 to the newest, through `proxy_mode = "client_only"`:
 * real online-mode clients authenticate with the proxy against a fake session server on loopback
 * (encryption end to end), and their profile reaches them.
 */
import { describe, it } from "@effect/vitest"
import { sessionThrough, VERSIONS } from "./support.ts"

describe("client_only: every version", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: online login through the proxy, encryption, compression, keep-alives, chat both ways`, () => sessionThrough("client_only", version), { timeout: 30_000 })
  }
})
