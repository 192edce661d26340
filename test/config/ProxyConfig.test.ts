import { assert, describe, it } from "@effect/vitest"
import { Duration, Result } from "effect"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import { expectError, expectOk, plain } from "./support.ts"

const parse = (text: string) => expectOk(parseProxyConfig(text, "infrarust.toml"))
const defaults = parse("").config

describe("ProxyConfig", () => {
  it("an empty file is a complete config with no warnings", () => assert.deepStrictEqual(parse("").warnings, []))

  it("top-level defaults (reference §1.2 and the infrarust-ts extensions)", () => {
    const c = defaults
    assert.deepStrictEqual(plain({
      bind: c.bind,
      maxConnections: c.maxConnections,
      connectTimeout: c.connectTimeout,
      receiveProxyProtocol: c.receiveProxyProtocol,
      serversDir: c.serversDir,
      pluginsDir: c.pluginsDir,
      workerThreads: c.workerThreads,
      soReuseport: c.soReuseport,
      unknownDomainBehavior: c.unknownDomainBehavior,
      announceProxyCommands: c.announceProxyCommands,
      trustedProxies: c.trustedProxies,
      shutdownTimeout: c.shutdownTimeout
    }), {
      bind: { host: "0.0.0.0", port: 25565, text: "0.0.0.0:25565" },
      maxConnections: 0,
      connectTimeout: "5s",
      receiveProxyProtocol: false,
      serversDir: "./servers",
      pluginsDir: "./plugins",
      workerThreads: 0,
      soReuseport: false,
      unknownDomainBehavior: "default_motd",
      announceProxyCommands: true,
      trustedProxies: [],
      shutdownTimeout: "30s"
    })
  })

  it("optional tables are absent", () => {
    for (const key of ["defaultMotd", "docker", "telemetry", "ipFilter", "forwarding", "web", "metrics"] as const) {
      assert.isUndefined(defaults[key], key)
    }
    assert.deepStrictEqual(defaults.plugins, {})
  })

  it("[rate_limit] (status_max 300 per the newer Infrarust docs; ipv6_prefix is ours)", () =>
    assert.deepStrictEqual(plain(defaults.rateLimit), {
      maxConnections: 3,
      window: "10s",
      statusMax: 300,
      statusWindow: "10s",
      ipv6Prefix: 128
    }))

  it("[status_cache]", () =>
    assert.deepStrictEqual(plain(defaults.statusCache), { ttl: "5s", maxEntries: 1000, grace: "1m" }))

  it("[keepalive]", () => assert.deepStrictEqual(plain(defaults.keepalive), { time: "30s", interval: "10s", retries: 3 }))

  it("[ban]", () =>
    assert.deepStrictEqual(plain(defaults.ban), { file: "bans.json", purgeInterval: "5m", enableAuditLog: true }))

  it("[limits]", () =>
    assert.deepStrictEqual(plain(defaults.limits), {
      firstPacketTimeout: "5s",
      handshakeTimeout: "10s",
      proxyProtocolTimeout: "5s",
      statusTimeout: "5s",
      maxPendingHandshakes: 1024,
      maxPendingPerAddress: 16
    }))

  it("[permissions]", () => assert.deepStrictEqual(defaults.permissions, { admins: [], playerCommands: [] }))

  it("[metrics]: an empty table listens on 127.0.0.1:9100", () =>
    assert.deepStrictEqual(parse("[metrics]").config.metrics?.bind, {
      host: "127.0.0.1",
      port: 9100,
      text: "127.0.0.1:9100"
    }))

  it("[docker]", () =>
    assert.deepStrictEqual(plain(parse("[docker]").config.docker), {
      pollInterval: "30s",
      reconnectDelay: "5s"
    }))

  it("[ip_filter]", () => assert.deepStrictEqual(parse("[ip_filter]").config.ipFilter, { whitelist: [], blacklist: [] }))

  it("[web]", () =>
    assert.deepStrictEqual(plain(parse("[web]").config.web), {
      enableApi: true,
      enableWebui: true,
      bind: { host: "127.0.0.1", port: 8080, text: "127.0.0.1:8080" },
      corsOrigins: [],
      rateLimit: { requestsPerMinute: 60 }
    }))

  it("[telemetry], endpoint by protocol", () => {
    assert.deepStrictEqual(plain(parse("[telemetry]").config.telemetry), {
      enabled: false,
      endpoint: "http://localhost:4317",
      protocol: "grpc",
      metrics: { enabled: true, exportInterval: "15s" },
      traces: { enabled: true, samplingRatio: 0.1 },
      resource: { serviceName: "infrarust" }
    })
    assert.strictEqual(parse(`[telemetry]\nprotocol = "http"`).config.telemetry?.endpoint, "http://localhost:4318")
    assert.strictEqual(
      parse(`[telemetry]\nprotocol = "http"\nendpoint = "http://otel:4318"`).config.telemetry?.endpoint,
      "http://otel:4318"
    )
  })

  it("[forwarding] with every channel permission default", () =>
    assert.deepStrictEqual(parse("[forwarding]").config.forwarding, {
      mode: "none",
      secretFile: "forwarding.secret",
      bungeecordChannel: true,
      channelPermissions: {
        connect: true,
        connectOther: false,
        ip: true,
        ipOther: true,
        playerCount: true,
        playerList: true,
        getServers: true,
        getServer: true,
        getPlayerServer: true,
        forward: true,
        forwardToPlayer: true,
        uuid: true,
        uuidOther: true,
        serverIp: true,
        message: false,
        messageRaw: false,
        kickPlayer: false,
        kickPlayerRaw: false
      }
    }))

  it("forwarding mode aliases are normalised, including the spellings of Infrarust's docs", () => {
    const mode = (m: string) => parse(`[forwarding]\nmode = "${m}"`).config.forwarding?.mode
    assert.deepStrictEqual(
      ["none", "bungee_cord", "legacy", "bungeecord", "bungee_guard", "bungeeguard", "velocity", "modern"].map(mode),
      ["none", "bungee_cord", "bungee_cord", "bungee_cord", "bungee_guard", "bungee_guard", "velocity", "velocity"]
    )
  })

  it("[auth] defaults: Mojang's session server, no IP check, 10 s per request", () =>
    assert.deepStrictEqual(plain(defaults.auth), {
      sessionServer: "https://sessionserver.mojang.com",
      preventProxyConnections: false,
      timeout: "10s"
    }))

  it("[auth] takes another session server, the IP check and a timeout", () =>
    assert.deepStrictEqual(
      plain(parse(`[auth]\nsession_server = "http://127.0.0.1:8652/base"\nprevent_proxy_connections = true\ntimeout = "2500ms"`).config.auth),
      { sessionServer: "http://127.0.0.1:8652/base", preventProxyConnections: true, timeout: "2s 500ms" }
    ))

  it("[auth] refuses a session server that is not an http(s) URL", () => {
    for (const url of ["sessionserver.mojang.com", "ftp://example.com", ""]) {
      const r = parseProxyConfig(`[auth]\nsession_server = "${url}"`, "infrarust.toml")
      assert.isTrue(Result.isFailure(r), url)
      if (Result.isFailure(r)) assert.include(r.failure.message, "auth.session_server: expected an http:// or https:// URL")
    }
  })

  it("channel permissions accept the BungeeCord sub-channel names", () => {
    const p = parse(`[forwarding.channel_permissions]\nIP = false\nUUIDOther = false\nkick_player = true\nServerIP = false`)
      .config.forwarding?.channelPermissions
    assert.deepStrictEqual([p?.ip, p?.uuidOther, p?.kickPlayer, p?.serverIp, p?.connect], [false, false, true, false, true])
  })

  it("[default_motd] states", () => {
    const motd = parse(`[default_motd.online]\ntext = "hi"\n[default_motd.unreachable]\ntext = "down"\nfavicon = "icon.png"\nversion_name = "maintenance"\nmax_players = 0`)
      .config.defaultMotd
    assert.deepStrictEqual(motd, {
      online: { text: "hi" },
      unreachable: { text: "down", favicon: "icon.png", versionName: "maintenance", maxPlayers: 0 }
    })
  })

  it("[plugins.<id>], its listener_timeout, its WASM limits and its own [plugins.<id>.config] table", () => {
    const plugins = parse(
      `[plugins.auth]\npath = "x"\npermissions = ["a"]\nlistener_timeout = "250ms"\nmax_memory = "16 MiB"\nmax_call_time = "20ms"\n[plugins.auth.config]\nattempts = 3\nnames = ["a", "b"]\n[plugins.auth.config.nested]\nflag = true\n[plugins.queue]\nenabled = false`
    ).config.plugins
    const millis = (p: (typeof plugins)[string]) => ({ ...p, listenerTimeout: Duration.toMillis(p.listenerTimeout), maxCallTime: Duration.toMillis(p.maxCallTime) })
    assert.deepStrictEqual(millis(plugins["auth"]!), {
      path: "x",
      permissions: ["a"],
      enabled: true,
      listenerTimeout: 250,
      maxMemory: 16 * 1024 * 1024,
      maxCallTime: 20,
      // Plugin settings are handed over as TOML parsed them, keys untouched.
      config: { attempts: 3, names: ["a", "b"], nested: { flag: true } }
    })
    assert.deepStrictEqual(millis(plugins["queue"]!), {
      permissions: [],
      enabled: false,
      listenerTimeout: 5000,
      maxMemory: 64 * 1024 * 1024,
      maxCallTime: 50,
      config: {}
    })
  })

  it("sizes: binary and decimal units, bytes, and a message for anything else", () => {
    const size = (text: string) => parse(`[plugins.p]\nmax_memory = ${JSON.stringify(text)}`).config.plugins["p"]!.maxMemory
    assert.deepStrictEqual(["512KiB", "1 GiB", "64mb", "4096", "1.5MiB", "100B"].map(size), [524_288, 1_073_741_824, 64_000_000, 4096, 1_572_864, 100])
    const bad = expectError(parseProxyConfig(`[plugins.p]\nmax_memory = "lots"`, "infrarust.toml"))
    assert.include(bad.message, `expected a size like "64MiB" or "512KiB", got "lots"`)
  })

  it("[permissions] keeps unknown keys out, with a warning (Infrarust does not reject them)", () => {
    const parsed = parse(`[permissions]\nadmins = ["Notch"]\nprovider = "builtin"`)
    assert.deepStrictEqual(parsed.config.permissions, { admins: ["Notch"], playerCommands: [] })
    assert.deepStrictEqual(parsed.warnings, ["infrarust.toml: permissions.provider: unknown key, ignored"])
  })

  it("trusted_proxies takes CIDR blocks and bare addresses", () =>
    assert.deepStrictEqual(
      parse(`trusted_proxies = ["10.0.0.0/8", "192.168.1.5", "2001:db8::/32"]`).config.trustedProxies,
      ["10.0.0.0/8", "192.168.1.5", "2001:db8::/32"]
    ))

  it("durations accept every humantime form", () => {
    const c = parse(`connect_timeout = "1500ms"\nshutdown_timeout = "1m 30s"\n[rate_limit]\nwindow = "1.5 min"`).config
    assert.deepStrictEqual(plain([c.connectTimeout, c.shutdownTimeout, c.rateLimit.window]), ["1s 500ms", "1m 30s", "1m 30s"])
  })
})
