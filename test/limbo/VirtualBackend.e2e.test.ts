/**
 * The limbo as a virtual backend: `Limbo.enter` resolves the names and opens an in-memory
 * connection, and a real minecraft-protocol client logs in over its backend end (as the
 * session's backend login will), plays and leaves when the chain completes; unknown names are
 * refused before anything is opened.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import mc from "minecraft-protocol"
import { Limbo } from "../../src/limbo/Limbo.ts"
import { LimboHandlers } from "../../src/limbo/LimboHandlers.ts"
import { limboLayer, within } from "./support.ts"

layer(limboLayer(), { timeout: 30_000, excludeTestServices: true })("Limbo.enter", (it) => {
  describe("the virtual backend", () => {
    it.effect("strict refuses unknown names with the given reason; nothing is opened", () =>
      Effect.gen(function*() {
        const limbo = yield* Limbo
        const entered = yield* limbo.enter({ names: ["nope"], strictness: "strict", entry: { _tag: "InitialConnection", target: "hub" }, refusal: "No limbo handlers configured for this server" })
        assert.deepStrictEqual(entered, { _tag: "Refused", reason: "No limbo handlers configured for this server", unknown: ["nope"] })
      }).pipe(Effect.scoped))

    it.effect("a player logs in over the in-memory socket, is greeted, and a command completes the chain", () =>
      Effect.gen(function*() {
        const limbo = yield* Limbo
        const handlers = yield* LimboHandlers
        const command = Deferred.makeUnsafe<string>()
        yield* handlers.register("test", "gate", {
          enter: (p) => Effect.as(p.message("hello over a duplexPair"), { _tag: "Hold" } as const),
          chat: (p, input) => Effect.andThen(Deferred.succeed(command, input.message), Effect.as(p.complete({ _tag: "Accept" }), "consumed" as const))
        })
        const entered = yield* limbo.enter({ names: ["gate", "unknown"], strictness: "lenient", entry: { _tag: "KickedFromServer", server: "survival", reason: "restarting" }, uuid: "069a79f4-44e9-4726-a5be-fca90e38aaf5" })
        if (entered._tag !== "Open") return assert.fail(`refused: ${entered.reason}`)
        const socket = entered.visit.socket
        // minecraft-protocol's own `stream` option emits 'connect' before its offline login
        // listens for it; connecting one tick later lets the login start.
        const connect = (c: { setSocket: (s: unknown) => void; emit: (e: string) => void }) => {
          c.setSocket(socket)
          setImmediate(() => c.emit("connect"))
        }
        const client = mc.createClient({ connect, username: "Notch", version: "1.12.2", auth: "offline", hideErrors: true, validateChannelProtocol: false } as unknown as mc.ClientOptions)
        yield* Effect.addFinalizer(() => Effect.sync(() => client.end("bye")))
        const greeted = new Promise<void>((done) => {
          client.on("packet", (p: { message?: string }, meta: { name: string }) => {
            if (meta.name === "chat" && p.message?.includes("hello over a duplexPair") === true) done()
          })
        })
        const success = new Promise<{ uuid: string }>((done) => client.once("success", done))
        yield* within("the greeting", () => greeted)
        assert.strictEqual((yield* Effect.promise(() => success)).uuid, "069a79f4-44e9-4726-a5be-fca90e38aaf5", "the session's identity, not the offline one")
        client.chat("/done")
        assert.strictEqual(yield* Deferred.await(command), "done")
        assert.deepStrictEqual(yield* entered.visit.exit, { _tag: "Completed", target: "survival" })
      }).pipe(Effect.scoped))
  })
})
