/**
 * Docker discovery and the docker server manager against a real Docker Engine (one dockerd for
 * this whole file, test/support/DockerEngine.ts), real containers running a minecraft-protocol
 * server on the host network, the real proxy, and real Minecraft clients:
 * - a labelled container is routed within a second of its start, by its label domains, with
 *   its MOTD label, next to a file's server; stopped, its domain is unknown; re-created with
 *   other labels, the route follows (over the Engine's TCP endpoint);
 * - a wrong label is logged once with the container and the label; a file keeps an id or a
 *   domain a container also claims;
 * - a managed container (compose labels, or a server file) is started by a login and stopped
 *   when idle; one with a HEALTHCHECK is online once healthy; a paused one is unpaused by a
 *   login; one that exits while starting is crashed, and the player reads why;
 * - dockerd restarted under a running proxy: one warning, a resync, the routes right, no
 *   server listed twice (read through the admin API).
 * The Engine-absent case needs no dockerd: EngineAbsent.e2e.test.ts.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { call } from "../admin/support.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { type DockerEngine, dockerEngine } from "../support/DockerEngine.ts"
import { loginOutcome, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { eventually } from "../support/Poll.ts"
import { freeLowPort, waitForPort } from "../support/Ports.ts"
import { type ProxyFixture, serverToml, startProxy } from "../support/ProxyHarness.ts"
import { composeLabels, containerState, labelValue, mcContainer, portCheck, VERSION, withLabel } from "./support.ts"

const scope = Effect.runSync(Scope.make())
let engine: DockerEngine
beforeAll(async () => {
  engine = await Effect.runPromise(Scope.provide(scope)(dockerEngine))
}, 60_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 60_000)

const UNKNOWN = "§cUnknown server"
const API_KEY = "test-admin-key-0123456789"

/** The server list text a client reads for `host` through the proxy. */
const motd = (proxy: ProxyFixture, host: string) =>
  ping(VERSION, proxy.port, host).then((r) => {
    const d = r["description"] as { text?: string; extra?: Array<{ text?: string }> } | string
    return typeof d === "string" ? d : `${d.text ?? ""}${(d.extra ?? []).map((e) => e.text ?? "").join("")}`
  }, (e: unknown) => `ping failed: ${String(e)}`)

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) =>
  Effect.promise(() => eventually(check, timeoutMs)).pipe(Effect.flatMap((ok) => (ok ? Effect.void : Effect.die(new Error(`timed out waiting for ${what}`)))))

const dockerTable = (endpoint: string, extra = "") => `[docker]\nendpoint = "${endpoint}"\nreconnect_delay = "100ms"\n${extra}\n`
const logged = (proxy: ProxyFixture, text: string) => proxy.logs.filter((l) => l.message.includes(text))
const join = (proxy: ProxyFixture, host: string, name: string) => Effect.promise(() => loginOutcome(VERSION, proxy.port, host, name, { timeoutMs: 20_000 }))

describe("Docker discovery with a real Engine", () => {
  it.live("a labelled container routes by its label domains within a second, shows its MOTD label, disappears when stopped and follows a re-create", () =>
    Effect.gen(function*() {
      const lobby = yield* mcServer(VERSION, { motd: "the lobby" })
      const proxy = yield* startProxy({
        global: dockerTable(engine.tcpEndpoint),
        servers: { "lobby.toml": serverToml(["lobby.example.com"], [lobby.address]) }
      })
      const port = yield* Effect.promise(freeLowPort)
      // The compose example's labels, pointed at this container's loopback port.
      const labels = withLabel(composeLabels("survival"), "infrarust.port", String(port))
      const [domain, second] = labelValue(labels, "infrarust.domains").split(",")
      const text = labelValue(labels, "infrarust.motd.text")
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, domain!)), UNKNOWN)

      const container = mcContainer(engine, { name: "mc-survival", port, labels })
      yield* Effect.addFinalizer(() => Effect.sync(container.cleanup))
      const started = Date.now()
      yield* until("the route", async () => (await motd(proxy, domain!)) !== UNKNOWN, 1000)
      assert.isBelow(Date.now() - started, 1000, "routed within a second of the start")
      yield* until("the server in the container", async () => (await motd(proxy, domain!)) === text, 20_000)
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, second!)), text, "every label domain routes")
      assert.strictEqual(yield* join(proxy, domain!, "alex"), "joined")
      assert.strictEqual(yield* join(proxy, "lobby.example.com", "steve"), "joined", "the file's server, in the same table")
      assert.lengthOf(logged(proxy, `docker: container 'mc-survival' is server 'mc-survival': ${domain}, ${second} → 127.0.0.1:${port} (host network) [passthrough]`), 1)

      engine.cli(["stop", "mc-survival"])
      yield* until("the route to go", async () => (await motd(proxy, domain!)) === UNKNOWN, 5000)

      engine.cli(["rm", "mc-survival"])
      const edited = withLabel(withLabel(labels, "infrarust.domains", "edited.example.com"), "infrarust.motd.text", "Edited labels")
      const again = mcContainer(engine, { name: "mc-survival", port, labels: edited })
      yield* Effect.addFinalizer(() => Effect.sync(again.cleanup))
      yield* until("the edited route", async () => (await motd(proxy, "edited.example.com")) === "Edited labels", 20_000)
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, domain!)), UNKNOWN, "the old domains are gone")
      assert.strictEqual(yield* join(proxy, "edited.example.com", "alex"), "joined")
      engine.cli(["rm", "-f", "mc-survival"])
    }), { timeout: 90_000 })

  it.live("a wrong label is logged once with the container and the label; a file keeps an id or a domain a container claims; removing [docker] unroutes the containers", () =>
    Effect.gen(function*() {
      const lobby = yield* mcServer(VERSION, { motd: "the lobby" })
      const proxy = yield* startProxy({
        global: dockerTable(engine.unixEndpoint, `poll_interval = "100ms"`),
        servers: { "lobby.toml": serverToml(["lobby.example.com"], [lobby.address]) }
      })
      // Managed containers are routed while stopped: these need never run.
      const managed = ["infrarust.enable=true", "infrarust.server_manager=docker", "infrarust.port=1"]
      const made = [
        mcContainer(engine, { name: "mc-typo", port: 1, start: false, labels: [...managed, "infrarust.proxy_mode=survial"] }),
        mcContainer(engine, { name: "mc-shared-domain", port: 1, start: false, labels: [...managed, "infrarust.domains=lobby.example.com, clash.example.com"] }),
        mcContainer(engine, { name: "mc-shared-id", port: 1, start: false, labels: [...managed, "infrarust.name=lobby", "infrarust.domains=other.example.com"] })
      ]
      yield* Effect.addFinalizer(() => Effect.sync(() => made.forEach((c) => (c.cleanup(), engine.cli(["rm", "-f", c.name])))))
      const typo = `docker container 'mc-typo': label infrarust.proxy_mode: expected one of "passthrough", "zero_copy", "client_only", "offline", "server_only", "full"; got "survial"`
      yield* until("the label error", () => logged(proxy, typo).length > 0, 5000)
      yield* until("the container's route", async () => (await motd(proxy, "clash.example.com")) !== UNKNOWN, 5000)
      // Polls every 100 ms meanwhile: the same mistakes are not logged again.
      yield* Effect.sleep("600 millis")
      assert.lengthOf(logged(proxy, typo), 1)
      assert.lengthOf(logged(proxy, `docker@mc-shared-domain: domain "lobby.example.com" is already routed to 'lobby' (lobby.toml); the container keeps its other domains`), 1)
      assert.lengthOf(logged(proxy, `docker@mc-shared-id: server id "lobby" is already used by 'lobby' (lobby.toml); the container is not routed`), 1)
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, "lobby.example.com")), "the lobby", "the file keeps its domain")
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, "other.example.com")), UNKNOWN, "the container with the file's id is not routed")

      // infrarust.toml is watched: without [docker], the containers' routes go, the files' stay.
      proxy.writeGlobal("")
      yield* until("discovery to stop", () => logged(proxy, "docker: discovery stopped ([docker] was removed)").length > 0, 5000)
      yield* until("the container's route to go", async () => (await motd(proxy, "clash.example.com")) === UNKNOWN, 5000)
      assert.strictEqual(yield* Effect.promise(() => motd(proxy, "lobby.example.com")), "the lobby")
    }), { timeout: 60_000 })

  it.live("a managed container from the compose example: a login starts it, the player gets in, idle it is stopped", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freeLowPort)
      let labels = withLabel(composeLabels("creative"), "infrarust.port", String(port))
      labels = withLabel(labels, "infrarust.server_manager.shutdown_after", "1s")
      labels = withLabel(labels, "infrarust.server_manager.poll_interval", "200ms")
      const domain = labelValue(labels, "infrarust.domains")
      const proxy = yield* startProxy({ global: dockerTable(engine.unixEndpoint) })
      const container = mcContainer(engine, { name: "mc-creative", port, labels, start: false })
      yield* Effect.addFinalizer(() => Effect.sync(() => (container.cleanup(), engine.cli(["rm", "-f", "mc-creative"]))))
      yield* until("the sleeping MOTD", async () => (await motd(proxy, domain)).toLowerCase().includes("sleeping"), 10_000)
      assert.strictEqual(container.launches(), 0, "a ping starts nothing")

      assert.strictEqual(yield* join(proxy, domain, "builder"), "joined")
      assert.strictEqual(container.launches(), 1)
      yield* until("the idle stop", () => containerState(engine, "mc-creative") === "exited", 20_000)
      yield* until("the sleeping MOTD again", async () => (await motd(proxy, domain)).toLowerCase().includes("sleeping"), 10_000)
      assert.isTrue(proxy.logs.some((l) => l.message.includes("server 'mc-creative': online → stopping (no players for 1s)")))
    }), { timeout: 90_000 })

  it.live("a managed container that exits by itself while starting: the player reads the manager's text, the log has the exit code", () =>
    Effect.gen(function*() {
      const labels = ["infrarust.enable=true", "infrarust.domains=broken.example.com", "infrarust.server_manager=docker", "infrarust.port=1"]
      const proxy = yield* startProxy({ global: dockerTable(engine.unixEndpoint) })
      const container = mcContainer(engine, { name: "mc-broken", port: 1, labels, start: false, command: ["/bin/sh", "-c", "exit 3"] })
      yield* Effect.addFinalizer(() => Effect.sync(() => (container.cleanup(), engine.cli(["rm", "-f", "mc-broken"]))))
      yield* until("the route", async () => (await motd(proxy, "broken.example.com")) !== UNKNOWN, 5000)
      assert.strictEqual(yield* join(proxy, "broken.example.com", "unlucky"), "The server could not be started. Please try again later.")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("server 'mc-broken': starting → crashed (container exited with code 3)")))
    }), { timeout: 60_000 })

  it.live("a server file managing a container with a HEALTHCHECK (the docs example): a login starts it once healthy; paused, a login unpauses it", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freeLowPort)
      const file = docBlock("docker.md", "managed-file")
        .replace(/127\.0\.0\.1:25566/, `127.0.0.1:${port}`)
        .replace(`container = "mc-creative"`, `container = "mc-file"\nendpoint = "${engine.unixEndpoint}"\npoll_interval = "200ms"`)
      const container = mcContainer(engine, { name: "mc-file", port, labels: [], start: false, health: portCheck(port) })
      yield* Effect.addFinalizer(() => Effect.sync(() => (container.cleanup(), engine.cli(["rm", "-f", "mc-file"]))))
      const proxy = yield* startProxy({ servers: { "creative.toml": file } })
      assert.strictEqual(yield* join(proxy, "creative.example.com", "builder"), "joined")
      assert.strictEqual(container.launches(), 1)
      assert.strictEqual(engine.cli(["inspect", "-f", "{{.State.Health.Status}}", "mc-file"]), "healthy", "online only once Docker said healthy")

      engine.cli(["pause", "mc-file"])
      // dockerd freezes the container's cgroup and reports it paused; under a loaded machine (the
      // whole suite in parallel) that has taken longer than 10 s.
      yield* until("the paused container to be sleeping", () => logged(proxy, "server 'creative': online → sleeping").length > 0, 30_000)
      assert.strictEqual(yield* join(proxy, "creative.example.com", "builder"), "joined")
      assert.strictEqual(containerState(engine, "mc-file"), "running", "unpaused")
      assert.strictEqual(container.launches(), 1, "the same process, thawed")
    }), { timeout: 90_000 })

  it.live("dockerd restarted under the proxy: one warning, a resync, the routes right, no server twice", () =>
    Effect.gen(function*() {
      const [keepPort, gonePort] = [yield* Effect.promise(freeLowPort), yield* Effect.promise(freeLowPort)]
      const labels = (domain: string, port: number) => ["infrarust.enable=true", `infrarust.domains=${domain}`, `infrarust.port=${port}`, `infrarust.motd.text=${domain}`]
      const keep = mcContainer(engine, { name: "mc-keep", port: keepPort, labels: labels("keep.example.com", keepPort), restart: "always" })
      const gone = mcContainer(engine, { name: "mc-gone", port: gonePort, labels: labels("gone.example.com", gonePort) })
      yield* Effect.addFinalizer(() => Effect.sync(() => [keep, gone].forEach((c) => (c.cleanup(), engine.cli(["rm", "-f", c.name])))))
      const proxy = yield* startProxy({ global: `${dockerTable(engine.unixEndpoint)}\n[web]\nbind = "127.0.0.1:0"\napi_key = "${API_KEY}"\n` })
      const admin = yield* proxy.adminPort
      const serverIds = () => call(admin, "GET", "/api/v1/servers?per_page=100").then((a) => (a.json.data as Array<{ id: string }>).map((s) => s.id).sort())
      yield* until("both containers", async () => (await motd(proxy, "keep.example.com")) === "keep.example.com" && (await motd(proxy, "gone.example.com")) === "gone.example.com", 20_000)

      yield* engine.restart
      yield* until("the resync", () => logged(proxy, "docker: connected again to the Docker Engine").length > 0, 20_000)
      // dockerd stopped both; only the one with a restart policy came back.
      yield* until("the gone container's route to go", async () => (await motd(proxy, "gone.example.com")) === UNKNOWN, 5000)
      yield* until("one docker server", async () => JSON.stringify(await serverIds()) === JSON.stringify(["mc-keep"]), 5000)
      yield* Effect.promise(() => waitForPort(keepPort, 20_000))
      const warnings = proxy.logs.filter((l) => l.level === "Warn" && l.message.includes("Docker Engine"))
      assert.lengthOf(warnings, 1, warnings.map((w) => w.message).join("\n"))
      assert.include(warnings[0]!.message, "docker: lost the Docker Engine")
      assert.strictEqual(yield* join(proxy, "keep.example.com", "survivor"), "joined")
    }), { timeout: 90_000 })
})
