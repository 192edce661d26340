import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import * as NodePath from "node:path"
import { ConfigError } from "../../src/config/ConfigError.ts"
import { loadProxyConfig, loadServerFile, parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { expectError, expectOk } from "./support.ts"

const fixtures = NodePath.join(import.meta.dirname, "../support/fixtures/config")
const repo = NodePath.join(import.meta.dirname, "../..")

const globalError = (text: string) => expectError(parseProxyConfig(text, "infrarust.toml"))
const serverError = (text: string, stem = "lobby") =>
  expectError(parseServerConfig(text, `servers/${stem}.toml`, stem, "linux"))
const valid = `domains = ["mc.example.com"]\naddresses = ["10.0.0.5:25565"]\n`

describe("ConfigLoader errors name the file, the key and what was expected", () => {
  it("wrong type", () => {
    const e = globalError(`max_connections = "5000"`)
    assert.strictEqual(e.reason, "InvalidValue")
    assert.strictEqual(e.path, "max_connections")
    assert.strictEqual(e.message, `infrarust.toml: max_connections: expected a whole number, got "5000"`)
  })

  it("a table where a value is expected and the other way round", () => {
    assert.strictEqual(globalError(`rate_limit = 5`).message, "infrarust.toml: rate_limit: expected a table, got 5")
    assert.strictEqual(serverError(valid + `max_players = { a = 1 }`).message, "servers/lobby.toml: max_players: expected a whole number, got a table")
  })

  it("unknown key at the top level, with a suggestion", () => {
    const e = globalError(`bnd = "0.0.0.0:25565"`)
    assert.strictEqual(e.reason, "UnknownKey")
    assert.strictEqual(e.message, `infrarust.toml: bnd: unknown key (did you mean "bind"?)`)
  })

  it("unknown key in a table, with a suggestion", () =>
    assert.strictEqual(
      globalError(`[rate_limit]\nmax_conections = 5`).message,
      `infrarust.toml: rate_limit.max_conections: unknown key (did you mean "max_connections"?)`
    ))

  it("unknown table, with a suggestion; far-off keys get none", () => {
    assert.strictEqual(globalError(`[ratelimit]`).message, `infrarust.toml: ratelimit: unknown key (did you mean "rate_limit"?)`)
    assert.strictEqual(serverError(valid + `colour = "red"`).message, "servers/lobby.toml: colour: unknown key")
  })

  it("unknown key deep inside", () =>
    assert.strictEqual(
      serverError(valid + `[motd.online]\ntext = "hi"\nfavicn = "x.png"`).message,
      `servers/lobby.toml: motd.online.favicn: unknown key (did you mean "favicon"?)`
    ))

  it("missing required key", () => {
    const e = serverError(`domains = ["a"]`)
    assert.strictEqual(e.reason, "MissingKey")
    assert.strictEqual(e.message, "servers/lobby.toml: addresses: required key is missing")
    assert.strictEqual(
      serverError(valid + `[motd.online]\nfavicon = "x.png"`).message,
      "servers/lobby.toml: motd.online.text: required key is missing"
    )
  })

  describe("bad durations", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`"5 parsecs"`, `got "5 parsecs" (unknown time unit "parsecs"`],
      [`"5"`, `got "5" (a time unit is needed, for example "5s" or "5ms")`],
      [`5`, "got 5"],
      [`"five seconds"`, `got "five seconds" (expected a number`]
    ]
    for (const [value, detail] of cases) {
      it(value, () => {
        const e = serverError(valid + `[timeouts]\nconnect = ${value}`, "survival")
        assert.strictEqual(e.path, "timeouts.connect")
        assert.isTrue(
          e.message.startsWith(`servers/survival.toml: timeouts.connect: expected a duration like "5s", "300ms" or "1h30m", ${detail}`),
          e.message
        )
      })
    }

    it(`"5 sec" is valid humantime (5 s), as in Infrarust`, () =>
      assert.isTrue(expectOk(parseServerConfig(valid + `[timeouts]\nconnect = "5 sec"`, "s.toml", "s")).config.timeouts !== undefined))
  })

  it("bad address", () =>
    assert.strictEqual(
      serverError(`domains = ["a"]\naddresses = ["10.0.0.5:25565", "10.0.0.6:99999"]`).message,
      `servers/lobby.toml: addresses[1]: expected an address like "10.0.0.5:25565" or "mc.internal", got "10.0.0.6:99999" (port 99999 is out of range (1-65535))`
    ))

  it("no addresses", () =>
    assert.strictEqual(serverError(`domains = ["a"]\naddresses = []`).message, "servers/lobby.toml: addresses: at least one address is required"))

  it("bad enum value, with a suggestion when close", () => {
    assert.strictEqual(
      serverError(valid + `proxy_mode = "Intercepted"`, "hub").message,
      `servers/hub.toml: proxy_mode: expected one of "passthrough", "zero_copy", "client_only", "offline", "server_only", "full"; got "Intercepted"`
    )
    assert.include(serverError(valid + `proxy_mode = "zerocopy"`).message, `got "zerocopy" (did you mean "zero_copy"?)`)
    assert.include(globalError(`[forwarding]\nmode = "velocty"`).message, `(did you mean "velocity"?)`)
    assert.include(serverError(valid + `load_balancing = "weighted"`).message, `load_balancing: expected one of "sequential", "random"`)
  })

  it("bad name charset", () => {
    const e = serverError(valid + `name = "Survival World"`)
    assert.strictEqual(e.path, "name")
    assert.strictEqual(e.message, `servers/lobby.toml: name: expected 1-64 characters of a-z, 0-9, _ and -, got "Survival World"`)
    assert.include(serverError(valid + `network = "${"a".repeat(65)}"`).message, "network: expected 1-64 characters")
    assert.include(serverError(valid + `name = ""`).message, `name: expected 1-64 characters of a-z, 0-9, _ and -, got ""`)
  })

  it("empty or whitespace domain", () =>
    assert.strictEqual(
      serverError(`domains = ["a.example.com", "  "]\naddresses = ["x"]`).message,
      `servers/lobby.toml: domains[1]: expected a non-empty string, got "  "`
    ))

  it("forwarding mode with a network", () =>
    assert.strictEqual(
      serverError(valid + `network = "main"`).message,
      `servers/lobby.toml: network: a server with proxy_mode "passthrough" cannot belong to a network (forwarding modes cannot switch servers)`
    ))

  it("forwarding mode without domains", () =>
    assert.strictEqual(
      serverError(`addresses = ["x"]\nproxy_mode = "server_only"`).message,
      `servers/lobby.toml: domains: proxy_mode "server_only" needs at least one domain (forwarding modes are reached only by domain)`
    ))

  it("tagged tables: unknown or missing type", () => {
    assert.strictEqual(
      serverError(valid + `[server_manager]\ntype = "kubernetes"`).message,
      `servers/lobby.toml: server_manager.type: expected one of "local", "pterodactyl", "crafty", "docker"; got "kubernetes"`
    )
    assert.strictEqual(
      serverError(valid + `[server_manager]\ncommand = "java"`).message,
      `servers/lobby.toml: server_manager.type: required key is missing (one of "local", "pterodactyl", "crafty", "docker")`
    )
    assert.strictEqual(
      serverError(valid + `[server_manager]\ntype = "local"\ncommand = "java"`).message,
      "servers/lobby.toml: server_manager.working_dir: required key is missing"
    )
  })

  it("values out of range", () => {
    assert.include(globalError(`[telemetry.traces]\nsampling_ratio = 1.5`).message, "telemetry.traces.sampling_ratio: expected a number from 0.0 to 1.0, got 1.5")
    assert.include(globalError(`[rate_limit]\nipv6_prefix = 0`).message, "rate_limit.ipv6_prefix: expected a whole number from 1 to 128, got 0")
    assert.include(serverError(`domains = ["a"]\naddresses = [{ address = "x", weight = 0 }]`).message, "addresses[0].weight: expected a whole number from 1 to 4294967295, got 0")
    assert.include(globalError(`trusted_proxies = ["10.0.0.0/33"]`).message, `trusted_proxies[0]: expected an IP address or CIDR block like "10.0.0.0/8", got "10.0.0.0/33"`)
    assert.include(globalError(`connect_timeout = 1979-05-27`).message, "connect_timeout: expected a duration like")
    assert.include(globalError(`connect_timeout = 1979-05-27`).message, "got a date-time")
  })

  it("a short admin API key is refused at load time (Infrarust refuses it at start-up)", () => {
    assert.strictEqual(
      globalError(`[web]\napi_key = "hunter2"`).message,
      "infrarust.toml: web.api_key: the API key is too short (7 characters); use at least 16, or leave it out to generate one"
    )
    assert.isTrue(Result.isSuccess(parseProxyConfig(`[web]\napi_key = "CHANGE-ME"`, "infrarust.toml")))
  })

  it("alias clash in channel permissions", () =>
    assert.strictEqual(
      globalError(`[forwarding.channel_permissions]\nip = true\nIP = false`).message,
      `infrarust.toml: forwarding.channel_permissions: "ip" and its alias "IP" are both set; keep one`
    ))

  it("invalid TOML gives line and column", () => {
    const e = serverError(`domains = ["a"]\naddresses = ["x"]\nproxy_mode = passthrough\n`)
    assert.strictEqual(e.reason, "InvalidToml")
    assert.deepStrictEqual([e.problems[0]?.line, e.problems[0]?.column], [3, 14])
    assert.strictEqual(e.message, "servers/lobby.toml: line 3, column 14: invalid TOML: invalid value")
  })

  it("every mistake in a file is reported, one per line", () => {
    const e = serverError(
      `name = "Lobby"\ndomains = ["lobby.example.com"]\naddresses = ["10.0.0.5:0"]\nproxy_mode = "Intercepted"\n\n[timeouts]\nconect = "5s"\nread = "5"\n`
    )
    assert.strictEqual(e.problems.length, 5)
    assert.deepStrictEqual(e.message.split("\n"), [
      `servers/lobby.toml: name: expected 1-64 characters of a-z, 0-9, _ and -, got "Lobby"`,
      `servers/lobby.toml: addresses[0]: expected an address like "10.0.0.5:25565" or "mc.internal", got "10.0.0.5:0" (port 0 is out of range (1-65535))`,
      `servers/lobby.toml: proxy_mode: expected one of "passthrough", "zero_copy", "client_only", "offline", "server_only", "full"; got "Intercepted"`,
      `servers/lobby.toml: timeouts.conect: unknown key (did you mean "connect"?)`,
      `servers/lobby.toml: timeouts.read: expected a duration like "5s", "300ms" or "1h30m", got "5" (a time unit is needed, for example "5s" or "5ms")`
    ])
  })
})

describe("ConfigLoader files", () => {
  it.effect("loads a global file", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* loadProxyConfig(NodePath.join(fixtures, "infrarust.toml"))
      assert.deepStrictEqual(warnings, [])
      assert.deepStrictEqual(
        [config.maxConnections, config.rateLimit.ipv6Prefix, config.limits.maxPendingHandshakes, config.metrics?.bind.port],
        [5000, 64, 0, 9101]
      )
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a missing global file is a clear error", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(loadProxyConfig("no-such-infrarust.toml"))
      assert.instanceOf(e, ConfigError)
      assert.strictEqual(e.reason, "Unreadable")
      assert.isTrue(e.message.startsWith("no-such-infrarust.toml: file not found (looked for /"), e.message)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("loads a server file; its id is the name", () =>
    Effect.gen(function*() {
      const path = NodePath.join(fixtures, "servers/hub.toml")
      const { server, warnings } = yield* loadServerFile(path)
      assert.deepStrictEqual(warnings, [])
      assert.deepStrictEqual([server.id, server.file, server.path], ["hub", "hub.toml", path])
      assert.deepStrictEqual(server.config.addresses.map((a) => a.weight), [1, 2])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a broken server file reports every mistake with its path", () =>
    Effect.gen(function*() {
      const path = NodePath.join(fixtures, "servers/broken.toml")
      const e = yield* Effect.flip(loadServerFile(path))
      assert.deepStrictEqual(e.problems.map((p) => p.path), ["proxy_mode", "timeouts.connect"])
      assert.isTrue(e.message.startsWith(`${path}: proxy_mode: expected one of`))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("the repository's own infrarust.toml and servers/ load with no warnings", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* loadProxyConfig(NodePath.join(repo, "infrarust.toml"))
      assert.deepStrictEqual(warnings, [])
      assert.strictEqual(config.serversDir, "./servers")
      assert.strictEqual(config.bind.host, "127.0.0.1", "a first run is reachable from this machine only")
      for (const file of ["survival.toml", "creative.toml", "demo.toml"]) {
        const loaded = yield* loadServerFile(NodePath.join(repo, "servers", file))
        assert.deepStrictEqual(loaded.warnings, [], file)
        assert.strictEqual(loaded.server.config.proxyMode, "passthrough")
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
