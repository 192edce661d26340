import { assert, describe, it } from "@effect/vitest"
import { mayUse, permissionWarnings, usableSubcommands } from "../../src/command/CommandPermissions.ts"

describe("CommandPermissions", () => {
  it("admins may use every subcommand; players none by default", () => {
    assert.deepStrictEqual(usableSubcommands(true, []), ["help", "version", "list", "server", "find", "plugins", "kick", "send", "broadcast", "reload", "plugin"])
    assert.deepStrictEqual(usableSubcommands(false, []), [])
  })

  it("player_commands opens subcommands in any case, never the always-admin ones; * opens the rest", () => {
    assert.deepStrictEqual(usableSubcommands(false, ["List", " server ", "kick", "reload"]), ["help", "list", "server"], "help comes with them")
    assert.deepStrictEqual(usableSubcommands(false, ["kick"]), [])
    assert.deepStrictEqual(usableSubcommands(false, ["*"]), ["help", "version", "list", "server", "find", "plugins"])
    assert.isFalse(mayUse("bogus", true, ["*"]))
  })

  it("warns about always-admin and unknown names", () => {
    assert.deepStrictEqual(permissionWarnings(["list", "KICK", "bogus", "*"]), [
      "[permissions] player_commands: /ir kick is always admin-only and cannot be opened to players",
      "[permissions] player_commands: 'bogus' is not an /ir subcommand; ignored"
    ])
  })
})
