/** Every version minecraft-protocol speaks, 1.7 to the newest, through `proxy_mode = "offline"`. */
import { describe, it } from "@effect/vitest"
import { sessionThrough, VERSIONS } from "./support.ts"

describe("offline: every version", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: status, login with compression on both legs, keep-alives, chat both ways`, () => sessionThrough("offline", version), { timeout: 30_000 })
  }
})
