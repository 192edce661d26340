/**
 * Tab completion answered by the proxy, as real players ask for it on 1.12.2 (the whole line,
 * matches replacing the last word) and 1.21.4 (a transaction with the span to replace):
 * subcommands by permission, players and servers as arguments, a plugin's own completions; and
 * requests for the backend's commands forwarded to it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fakeSessions, NOTCH } from "../mode/intercepted/support.ts"
import { joinAndStay } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { GREETER, protocolOf, recordingBackend, tabComplete } from "./support.ts"

describe("tab completion", () => {
  it.live("/ir s gives server to a player and server, send to an admin; arguments and plugin commands complete; the backend's are forwarded (1.12.2, 1.21.4)", () =>
    Effect.gen(function*() {
      const fake = yield* fakeSessions
      for (const version of ["1.12.2", "1.21.4"]) {
        const protocol = protocolOf(version)
        const backend = yield* recordingBackend(version)
        const proxy = yield* startProxy({
          global: `[auth]\nsession_server = "${fake.url}"\n[permissions]\nadmins = ["Notch"]\nplayer_commands = ["server"]\n[plugins.greeter]\npath = ${JSON.stringify(GREETER)}\n`,
          servers: {
            "lobby.toml": serverToml(["lobby.example.com"], [backend.server.address], `proxy_mode = "client_only"\nnetwork = "main"`),
            "survival.toml": serverToml(["survival.example.com"], [backend.server.address], `proxy_mode = "offline"\nnetwork = "main"`),
            "event.toml": serverToml(["event.example.com"], [backend.server.address], `proxy_mode = "offline"\nnetwork = "event"`)
          }
        })
        const admin = yield* Effect.promise(() =>
          joinAndStay(version, proxy.port, "lobby.example.com", NOTCH.name, { online: { sessionServer: fake.url, id: NOTCH.id } }))
        const player = yield* Effect.promise(() => joinAndStay(version, proxy.port, "survival.example.com", "bob"))
        yield* Effect.addFinalizer(() => Effect.sync(() => (admin.leave(), player.leave())))
        const complete = (who: typeof admin, text: string) => Effect.promise(() => tabComplete(who, protocol, text))

        const asAdmin = yield* complete(admin, "/ir s")
        assert.deepStrictEqual(asAdmin.matches, ["send", "server"], version)
        if (protocol >= 393) assert.deepStrictEqual([asAdmin.start, asAdmin.length], [4, 1], `${version}: the span of "s"`)
        assert.deepStrictEqual((yield* complete(player, "/ir s")).matches, ["server"], version)
        assert.deepStrictEqual((yield* complete(player, "/infrarust ")).matches, ["help", "server"], version)
        assert.deepStrictEqual((yield* complete(player, "/ir send ")).matches, [], `${version}: not the player's`)
        assert.deepStrictEqual((yield* complete(admin, "/ir send ")).matches, ["bob", "Notch"], version)
        assert.deepStrictEqual((yield* complete(player, "/ir server ")).matches, ["lobby"], `${version}: where bob may switch to (not event, not survival)`)
        assert.deepStrictEqual((yield* complete(admin, "/ir send bob ")).matches, ["event", "lobby", "survival"], `${version}: send offers every server`)
        const servers = yield* complete(admin, "/ir send bob s")
        assert.deepStrictEqual(servers.matches, ["survival"], version)
        if (protocol >= 393) assert.deepStrictEqual([servers.start, servers.length], [13, 1], version)
        assert.deepStrictEqual((yield* complete(player, "/hello ")).matches, ["everyone", "there", "world"], version)
        assert.deepStrictEqual((yield* complete(player, "/hi W")).matches, ["world"], version)
        assert.deepStrictEqual((yield* complete(player, "/boom ")).matches, [], `${version}: a command without completions`)
        assert.deepStrictEqual(backend.completions, [], `${version}: the proxy answered all of these`)

        // The backend's own commands are its to complete (a minecraft-protocol server does not answer).
        admin.client.write("tab_complete", protocol >= 393 ? { transactionId: 9, text: "/give Not" } : { text: "/give Not", assumeCommand: false })
        player.client.write("tab_complete", protocol >= 393 ? { transactionId: 9, text: "/ir" } : { text: "/ir", assumeCommand: false })
        yield* waitUntil(() => backend.completions.length === 2, `${version}: the requests at the backend`)
        assert.deepStrictEqual(backend.completions, ["/give Not", "/ir"], version)
      }
    }), { timeout: 60_000 })
})
