/** `[docker] endpoint` and DOCKER_HOST: used as written, refused with a reason when they cannot work. */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { chooseEndpoint, DEFAULT_ENDPOINT, parseEndpoint } from "../../src/config/DockerEndpoint.ts"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"

const ok = (text: string) => {
  const parsed = parseEndpoint(text)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure)
  return parsed.success
}
const reason = (text: string) => {
  const parsed = parseEndpoint(text)
  if (Result.isSuccess(parsed)) throw new Error(`${text} parsed`)
  return parsed.failure
}

describe("DockerEndpoint", () => {
  it("unix sockets keep their path (Infrarust ignores it)", () => {
    assert.deepStrictEqual(ok("unix:///var/run/docker.sock"), { _tag: "Unix", path: "/var/run/docker.sock", text: "unix:///var/run/docker.sock" })
    assert.deepStrictEqual(ok("unix:///tmp/other/docker.sock"), { _tag: "Unix", path: "/tmp/other/docker.sock", text: "unix:///tmp/other/docker.sock" })
    assert.include(reason("unix://"), "the socket path")
  })

  it("tcp:// and http:// keep their host and port; 2375 without a port; IPv6 in brackets", () => {
    assert.deepStrictEqual(ok("tcp://127.0.0.1:2376"), { _tag: "Tcp", host: "127.0.0.1", port: 2376, text: "tcp://127.0.0.1:2376" })
    assert.deepStrictEqual(ok("http://docker-host/"), { _tag: "Tcp", host: "docker-host", port: 2375, text: "http://docker-host/" })
    assert.deepStrictEqual(ok("tcp://[::1]:2375"), { _tag: "Tcp", host: "::1", port: 2375, text: "tcp://[::1]:2375" })
    assert.include(reason("tcp://host:2375/v1.41"), "a path after the host is not supported")
    assert.include(reason("tcp://host:99999"), "out of range")
  })

  it("TLS, named pipes, unknown schemes and bare paths are refused with a reason", () => {
    assert.include(reason("https://docker:2376"), "TLS endpoints are not supported")
    assert.include(reason("npipe:////./pipe/docker_engine"), "named pipes")
    assert.include(reason("ssh://user@host"), `unknown scheme "ssh"`)
    assert.include(reason("/var/run/docker.sock"), "expected")
  })

  it("never throws on arbitrary text", () => {
    fc.assert(fc.property(fc.string(), (text) => void parseEndpoint(text)))
    fc.assert(fc.property(fc.string(), (text) => void parseEndpoint(`tcp://${text}`)))
  })

  it("the configured endpoint, else DOCKER_HOST, else the default socket", () => {
    assert.strictEqual(chooseEndpoint("tcp://a:1", "unix:///b"), "tcp://a:1")
    assert.strictEqual(chooseEndpoint(undefined, " unix:///b "), "unix:///b")
    assert.strictEqual(chooseEndpoint(undefined, ""), DEFAULT_ENDPOINT)
    assert.strictEqual(chooseEndpoint(undefined, undefined), DEFAULT_ENDPOINT)
  })

  it("a wrong endpoint in infrarust.toml is a config error naming the key", () => {
    const parsed = parseProxyConfig(`[docker]\nendpoint = "https://docker:2376"\n`, "infrarust.toml")
    assert.isTrue(Result.isFailure(parsed))
    if (Result.isFailure(parsed)) {
      assert.strictEqual(
        parsed.failure.message,
        `infrarust.toml: docker.endpoint: TLS endpoints are not supported ("https://docker:2376"): use the unix socket or a plain TCP port on a trusted network`
      )
    }
  })
})
