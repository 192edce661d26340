import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { connectTimeoutOf } from "../../src/config/ServerConfig.ts"
import { expectError, expectOk, plain } from "./support.ts"

const minimal = `domains = ["mc.example.com"]\naddresses = ["10.0.0.5:25565"]\n`
const parse = (text: string, stem = "survival", platform = "linux") =>
  expectOk(parseServerConfig(text, `servers/${stem}.toml`, stem, platform))
const fail = (text: string, stem = "survival") => expectError(parseServerConfig(text, `servers/${stem}.toml`, stem, "linux"))

describe("ServerConfig", () => {
  it("a minimal file gets every default (reference §1.4 and the infrarust-ts extensions)", () => {
    const parsed = parse(minimal)
    assert.deepStrictEqual(parsed.warnings, [])
    assert.strictEqual(parsed.id, "survival")
    assert.deepStrictEqual(plain(parsed.config), {
      domains: ["mc.example.com"],
      addresses: [{ host: "10.0.0.5", port: 25565, text: "10.0.0.5:25565", weight: 1 }],
      proxyMode: "passthrough",
      sendProxyProtocol: false,
      domainRewrite: { _tag: "None" },
      motd: {},
      maxPlayers: 0,
      demo: false,
      disconnectMessage: "Server is currently unreachable. Please try again later.",
      limboHandlers: [],
      fallback: [],
      loadBalancing: "sequential",
      motdFrom: "first_healthy"
    })
  })

  it("id: name, else id, else the file name", () => {
    assert.strictEqual(parse(minimal + `id = "x"\nname = "hub"`).id, "hub")
    assert.strictEqual(parse(minimal + `id = "x"`).id, "x")
    assert.strictEqual(parse(minimal, "lobby").id, "lobby")
  })

  it("[timeouts]: absent = the global connect_timeout; inside, 5s/30s/30s and first_byte 10s", () => {
    const global = Duration.seconds(9)
    assert.strictEqual(Duration.toMillis(connectTimeoutOf(parse(minimal).config, global)), 9_000)
    const withSection = parse(minimal + `[timeouts]\nread = "1m"`).config
    assert.deepStrictEqual(plain(withSection.timeouts), { connect: "5s", read: "1m", write: "30s", firstByte: "10s" })
    assert.strictEqual(Duration.toMillis(connectTimeoutOf(withSection, global)), 5_000)
  })

  it("addresses: strings and { address, weight } tables", () =>
    assert.deepStrictEqual(
      parse(`domains = ["a"]\naddresses = ["b1", { address = "b2:25570", weight = 3 }, { address = "[::1]:1" }]`).config.addresses,
      [
        { host: "b1", port: 25565, text: "b1", weight: 1 },
        { host: "b2", port: 25570, text: "b2:25570", weight: 3 },
        { host: "::1", port: 1, text: "[::1]:1", weight: 1 }
      ]
    ))

  it("domain_rewrite", () => {
    const rewrite = (value: string) => parse(minimal + `domain_rewrite = ${value}`).config.domainRewrite
    assert.deepStrictEqual(rewrite(`"none"`), { _tag: "None" })
    assert.deepStrictEqual(rewrite(`"from_backend"`), { _tag: "FromBackend" })
    assert.deepStrictEqual(rewrite(`{ explicit = "backend.internal" }`), { _tag: "Explicit", host: "backend.internal" })
  })

  it("every proxy mode, load balancing strategy and forwarding mode parses", () => {
    for (const mode of ["passthrough", "zero_copy", "client_only", "offline", "server_only", "full"]) {
      assert.strictEqual(parse(minimal + `proxy_mode = "${mode}"`).config.proxyMode, mode)
    }
    for (const lb of ["sequential", "random", "round_robin", "least_players", "least_connections"]) {
      assert.strictEqual(parse(minimal + `load_balancing = "${lb}"`).config.loadBalancing, lb)
    }
    assert.strictEqual(parse(minimal + `forwarding_mode = "modern"`).config.forwardingMode, "velocity")
  })

  it("[health_check] defaults", () =>
    assert.deepStrictEqual(plain(parse(minimal + "[health_check]").config.healthCheck), {
      interval: "10s",
      timeout: "3s",
      kind: "status",
      unhealthyAfter: 3,
      healthyAfter: 2
    }))

  it("[motd.<state>]", () =>
    assert.deepStrictEqual(
      parse(minimal + `[motd.sleeping]\ntext = "zzz"\n[motd.online]\ntext = "hi"\nmax_players = 20`).config.motd,
      { sleeping: { text: "zzz" }, online: { text: "hi", maxPlayers: 20 } }
    ))

  it("[ip_filter]", () =>
    assert.deepStrictEqual(parse(minimal + `[ip_filter]\nwhitelist = ["10.0.0.0/8"]`).config.ipFilter, {
      whitelist: ["10.0.0.0/8"],
      blacklist: []
    }))

  describe("[server_manager]", () => {
    /** The login keys every type has (src/mode/LoginWake.ts). */
    const wake = { loginWait: "25s", startingMessage: "The server is starting. Please join again in a moment." }

    it("local", () =>
      assert.deepStrictEqual(
        plain(parse(minimal + `[server_manager]\ntype = "local"\ncommand = "java"\nworking_dir = "/srv/mc"`).config.serverManager),
        {
          type: "local",
          command: "java",
          workingDir: "/srv/mc",
          args: [],
          readyPattern: `For help, type "help"`,
          shutdownTimeout: "30s",
          startTimeout: "1m",
          ...wake
        }
      ))

    for (const type of ["pterodactyl", "crafty"]) {
      it(type, () =>
        assert.deepStrictEqual(
          plain(
            parse(minimal + `[server_manager]\ntype = "${type}"\napi_url = "https://p"\napi_key = "k"\nserver_id = "s"\nshutdown_after = "10m"`)
              .config.serverManager
          ),
          { type, apiUrl: "https://p", apiKey: "k", serverId: "s", shutdownAfter: "10m", startTimeout: "1m", pollInterval: "5s", ...wake }
        ))
    }

    it("docker", () => {
      assert.deepStrictEqual(
        plain(parse(minimal + `[server_manager]\ntype = "docker"\ncontainer = "mc-survival"\nshutdown_after = "10m"`).config.serverManager),
        { type: "docker", container: "mc-survival", shutdownAfter: "10m", startTimeout: "1m", pollInterval: "1s", ...wake }
      )
      const endpoint = plain(
        parse(minimal + `[server_manager]\ntype = "docker"\ncontainer = "mc"\nendpoint = "tcp://127.0.0.1:2375"\nstop_timeout = "45s"`).config
          .serverManager
      )
      assert.include(endpoint, { endpoint: "tcp://127.0.0.1:2375", stopTimeout: "45s" })
      assert.strictEqual(
        fail(minimal + `[server_manager]\ntype = "docker"\ncontainer = "mc"\nendpoint = "https://docker:2376"`).message,
        `servers/survival.toml: server_manager.endpoint: TLS endpoints are not supported ("https://docker:2376"): use the unix socket or a plain TCP port on a trusted network`
      )
      assert.strictEqual(
        fail(minimal + `[server_manager]\ntype = "docker"`).message,
        `servers/survival.toml: server_manager.container: required key is missing`
      )
    })
  })

  describe("rules across keys (cfg/validation.rs)", () => {
    for (const mode of ["passthrough", "zero_copy", "server_only"]) {
      it(`${mode} needs a domain`, () => {
        const error = fail(`addresses = ["a"]\nproxy_mode = "${mode}"`)
        assert.strictEqual(error.reason, "Invalid")
        assert.strictEqual(error.path, "domains")
        assert.strictEqual(
          error.message,
          `servers/survival.toml: domains: proxy_mode "${mode}" needs at least one domain (forwarding modes are reached only by domain)`
        )
      })

      it(`${mode} cannot have a network`, () => {
        const error = fail(minimal + `proxy_mode = "${mode}"\nnetwork = "main"`)
        assert.strictEqual(error.reason, "Invalid")
        assert.strictEqual(error.path, "network")
        assert.include(error.message, "cannot belong to a network")
      })

      it(`${mode} cannot have fallback servers`, () => {
        const error = fail(minimal + `proxy_mode = "${mode}"\nfallback = ["lobby"]`)
        assert.strictEqual(error.path, "fallback")
        assert.include(error.message, "cannot have fallback servers")
      })
    }

    it("fallback servers of an intercepted server without a network are warned about", () => {
      const parsed = parse(`addresses = ["a"]\nproxy_mode = "offline"\nfallback = ["lobby"]`)
      assert.deepStrictEqual(parsed.config.fallback, ["lobby"])
      assert.isTrue(parsed.warnings.some((w) => w.includes("fallback servers are never used")))
    })

    it("intercepted modes may have a network and no domain", () =>
      assert.strictEqual(parse(`addresses = ["a"]\nproxy_mode = "client_only"\nnetwork = "main"`).config.network, "main"))

    it("both problems are reported together", () =>
      assert.deepStrictEqual(fail(`addresses = ["a"]\nnetwork = "main"`).problems.map((p) => p.path), ["domains", "network"]))

    it("zero_copy off Linux only warns", () => {
      assert.deepStrictEqual(parse(minimal + `proxy_mode = "zero_copy"`, "s", "linux").warnings, [])
      assert.deepStrictEqual(parse(minimal + `proxy_mode = "zero_copy"`, "s", "darwin").warnings, [
        `servers/s.toml: proxy_mode: "zero_copy" is only supported on Linux; on darwin it works like "passthrough"`
      ])
    })
  })
})
