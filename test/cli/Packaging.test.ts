/**
 * What ships for running the proxy as a service, checked with the tools that run it:
 * the systemd unit passes `systemd-analyze verify` (no warning either); the Dockerfile is
 * multi-stage, its base images are build arguments defaulting to the public images, it runs as a
 * non-root user, its COPY sources exist, its configuration step turns the repository's
 * infrarust.toml into a valid container config, and its HEALTHCHECK command, run here, is a real
 * Minecraft status ping against a running proxy at the address INFRARUST_HEALTHCHECK_ADDRESS
 * names (and fails without one); the npm package carries what the bin needs. The image itself is
 * built and run on a real dockerd in DockerImage.e2e.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"

const REPO = fileURLToPath(new URL("../..", import.meta.url))
const NODE = process.execPath

interface Instruction {
  readonly op: string
  readonly args: string
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
const instructions = (text: string): ReadonlyArray<Instruction> => {
  const out: Array<Instruction> = []
  let current = ""
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw) || raw.trim() === "") continue
    current += raw.replace(/\\\s*$/, " ")
    if (/\\\s*$/.test(raw)) continue
    const m = /^\s*(\w+)\s+(.*)$/.exec(current)!
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() })
    current = ""
  }
  return out
}

const dockerfile = instructions(readFileSync(join(REPO, "packaging/Dockerfile"), "utf8"))
const stages = () => {
  const list: Array<{ name: string; body: Array<Instruction> }> = []
  for (const i of dockerfile) {
    if (i.op === "FROM") list.push({ name: /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? "", body: [] })
    else list.at(-1)?.body.push(i)
  }
  return list
}

describe("systemd unit", () => {
  it("passes systemd-analyze verify without a warning", () => {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-unit-"))
    try {
      // verify checks that ExecStart is executable: point it at this checkout's launcher.
      const unit = readFileSync(join(REPO, "packaging/infrarust-ts.service"), "utf8")
        .replace("/usr/local/bin/infrarust-ts", join(REPO, "src/cli/infrarust-ts"))
      assert.include(unit, `ExecStart=${join(REPO, "src/cli/infrarust-ts")} --config /etc/infrarust/infrarust.toml`)
      writeFileSync(join(dir, "infrarust-ts.service"), unit)
      const run = spawnSync("systemd-analyze", ["verify", join(dir, "infrarust-ts.service")], { encoding: "utf8" })
      assert.strictEqual(run.error, undefined, "systemd-analyze is installed")
      assert.strictEqual(run.status, 0, run.stderr)
      assert.strictEqual(run.stderr.trim(), "", "no warnings (unknown keys are only warnings)")
      for (const key of ["NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=", "RestartPreventExitStatus=2", "User=infrarust"]) {
        assert.include(unit, `\n${key}`)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("Dockerfile", () => {
  it("is multi-stage and its runtime stage runs as a non-root user, through the launcher", () => {
    const list = stages()
    assert.deepStrictEqual(list.map((s) => s.name), ["build", "runtime"])
    // Base images are arguments (a mirror or local images can stand in), defaulting to the public ones.
    const args = dockerfile.slice(0, dockerfile.findIndex((i) => i.op === "FROM")).filter((i) => i.op === "ARG").map((i) => i.args)
    assert.deepStrictEqual(args, ["NODE_IMAGE=node:24-bookworm-slim", "DEBIAN_IMAGE=debian:bookworm-slim"])
    assert.deepStrictEqual(dockerfile.filter((i) => i.op === "FROM").map((i) => i.args), ["${NODE_IMAGE} AS build", "${DEBIAN_IMAGE} AS runtime"])
    const runtime = list[1]!.body
    const user = runtime.filter((i) => i.op === "USER").at(-1)?.args
    assert.isDefined(user)
    assert.notMatch(user!, /^(root|0)(:|$)/)
    assert.isTrue(runtime.some((i) => i.op === "COPY" && i.args.startsWith("--from=build /app")))
    assert.strictEqual(runtime.find((i) => i.op === "ENTRYPOINT")?.args, `["/app/src/cli/infrarust-ts"]`)
    // The build stage's sources exist and pass the .dockerignore.
    const allowed = readFileSync(join(REPO, "packaging/Dockerfile.dockerignore"), "utf8").split("\n").filter((l) => l.startsWith("!")).map((l) => l.slice(1))
    for (const copy of list[0]!.body.filter((i) => i.op === "COPY")) {
      const sources = copy.args.split(/\s+/).slice(0, -1)
      for (const source of sources) {
        assert.isTrue(existsSync(join(REPO, source)), source)
        assert.isTrue(allowed.some((a) => source === a || source.startsWith(`${a}/`)), `${source} is in the build context`)
      }
    }
  })

  it("its configuration step makes a valid container config: every interface, state under /var/lib/infrarust", () => {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-image-"))
    try {
      const step = stages()[0]!.body.find((i) => i.op === "RUN" && i.args.includes("/etc/infrarust/infrarust.toml"))!
      writeFileSync(join(dir, "infrarust.toml"), readFileSync(join(REPO, "infrarust.toml")))
      const script = step.args.replaceAll("/etc/infrarust", dir).replaceAll("/tmp/top", join(dir, "top"))
      const run = spawnSync("sh", ["-c", script], { encoding: "utf8" })
      assert.strictEqual(run.status, 0, run.stderr)
      const parsed = parseProxyConfig(readFileSync(join(dir, "infrarust.toml"), "utf8"), "infrarust.toml")
      if (Result.isFailure(parsed)) return assert.fail(parsed.failure.message)
      assert.deepStrictEqual(parsed.success.warnings, [])
      const config = parsed.success.config
      assert.strictEqual(config.bind.text, "0.0.0.0:25565")
      assert.strictEqual(config.pluginsDir, "/var/lib/infrarust/plugins")
      assert.strictEqual(config.ban.file, "/var/lib/infrarust/bans.json")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.live("its HEALTHCHECK is a status ping: it passes against a running proxy and fails without one", () =>
    Effect.gen(function*() {
      const healthcheck = stages()[1]!.body.find((i) => i.op === "HEALTHCHECK")!.args
      const command = JSON.parse(/CMD\s+(\[.*\])$/.exec(healthcheck)![1]!) as Array<string>
      // No address argument: 127.0.0.1:25565 unless the container sets INFRARUST_HEALTHCHECK_ADDRESS.
      assert.deepStrictEqual(command, ["/app/node_modules/node/bin/node", "/app/src/cli/StatusPing.ts"])
      const proc = yield* proxyProcess(`worker_threads = 1\n`)
      const port = yield* Effect.promise(() => proc.port(30_000))
      // The image's paths are this checkout's; the address is the test proxy's, given as a container would.
      const check = () =>
        spawnSync(NODE, [join(REPO, "src/cli/StatusPing.ts")], {
          encoding: "utf8",
          timeout: 10_000,
          env: { ...process.env, INFRARUST_HEALTHCHECK_ADDRESS: `127.0.0.1:${port}` }
        })
      const ok = check()
      assert.strictEqual(ok.status, 0, ok.stderr)
      assert.match(ok.stdout, new RegExp(`^ok 127\\.0\\.0\\.1:${port} \\(healthcheck\\.invalid\\): `))
      assert.strictEqual(yield* Effect.promise(() => proc.stop()), 0)
      const down = check()
      assert.strictEqual(down.status, 1)
      assert.include(down.stderr, "failed")
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

describe("npm package", () => {
  it("is publishable and carries the launcher, the sources, the native addon's sources and the example config", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Record<string, unknown>
    assert.isUndefined(pkg["private"])
    assert.deepStrictEqual(pkg["bin"], { "infrarust-ts": "src/cli/infrarust-ts" })
    assert.property(pkg["dependencies"] as object, "node", "the package brings its Node 24")
    // The license the metadata names, in full (npm ships LICENSE whatever `files` says).
    assert.strictEqual(pkg["license"], "MIT")
    assert.match(readFileSync(join(REPO, "LICENSE"), "utf8"), /^MIT License\n/)
    const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" })
    assert.strictEqual(packed.status, 0, packed.stderr)
    const files = new Set((JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string; mode: number }> }>)[0]!.files.map((f) => f.path))
    for (const f of ["src/cli/infrarust-ts", "src/main.ts", "src/cli/StatusPing.ts", "src/native/binding.gyp", "infrarust.toml", "servers/demo.toml", "packaging/infrarust-ts.service", "packaging/Dockerfile", "LICENSE"]) {
      assert.isTrue(files.has(f), f)
    }
    assert.isFalse([...files].some((f) => f.startsWith("test/") || f.startsWith("bench/")))
  })
})
