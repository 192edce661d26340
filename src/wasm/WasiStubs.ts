/**
 * The WASI a plugin gets: what toolchains need to start, and nothing that reaches outside.
 *
 * Toolchains import WASI preview 2 interfaces whether the plugin uses them or not (libc's stdio,
 * the JavaScript engine's console). The plugin world grants no file system, network, clock or
 * environment, so these imports find nothing: no preopened directories, an empty environment,
 * a clock stopped at the epoch, stdin at its end. stdout and stderr are kept, line by line, as
 * debug lines of the plugin's log (bounded). Randomness is granted (hash tables and
 * `Math.random` need it; it reveals nothing about the host).
 *
 * Anything else a component might import from an allowed interface is a function that throws,
 * which the component sees as a trap: {@link ALLOWED_IMPORTS} lists the interfaces a component
 * may import at all (the loader refuses others, such as sockets or HTTP, before it runs).
 */
import { getRandomValues } from "node:crypto"

/** Interfaces (without version) a plugin may import; `infrarust:plugin/*` is the world itself. */
export const ALLOWED_IMPORTS: ReadonlySet<string> = new Set([
  "infrarust:plugin/host",
  "infrarust:plugin/types",
  "wasi:io/error",
  "wasi:io/poll",
  "wasi:io/streams",
  "wasi:cli/stdin",
  "wasi:cli/stdout",
  "wasi:cli/stderr",
  "wasi:cli/environment",
  "wasi:cli/exit",
  "wasi:cli/terminal-input",
  "wasi:cli/terminal-output",
  "wasi:cli/terminal-stdin",
  "wasi:cli/terminal-stdout",
  "wasi:cli/terminal-stderr",
  "wasi:clocks/wall-clock",
  "wasi:clocks/monotonic-clock",
  "wasi:filesystem/types",
  "wasi:filesystem/preopens",
  "wasi:random/random",
  "wasi:random/insecure",
  "wasi:random/insecure-seed"
])

/** Bytes of one stdout/stderr line kept; the rest of a longer line is cut. */
const MAX_LINE = 4096

/** A WASI `stream-error.closed`, thrown the way the JS bindings turn a host error into a result. */
const closed = () => ({ payload: { tag: "closed" } })

class Pollable {
  ready(): boolean {
    return true
  }
  block(): void {}
}

class IoError {
  toDebugString(): string {
    return "not granted to plugins"
  }
}

/** stdout or stderr: complete lines go to `emit`, partial ones wait for their newline. */
const outputStream = (emit: (line: string) => void) => {
  class OutputStream {
    private pending = ""
    checkWrite(): bigint {
      return 65_536n
    }
    write(bytes: Uint8Array): void {
      this.pending += Buffer.from(bytes).toString("utf8")
      const lines = this.pending.split("\n")
      this.pending = lines.pop() ?? ""
      if (this.pending.length > MAX_LINE) this.pending = this.pending.slice(0, MAX_LINE)
      for (const line of lines) emit(line.slice(0, MAX_LINE))
    }
    blockingWriteAndFlush(bytes: Uint8Array): void {
      this.write(bytes)
    }
    flush(): void {}
    blockingFlush(): void {}
    subscribe(): Pollable {
      return new Pollable()
    }
  }
  return OutputStream
}

class InputStream {
  read(): never {
    throw closed()
  }
  blockingRead(): never {
    throw closed()
  }
  skip(): never {
    throw closed()
  }
  blockingSkip(): never {
    throw closed()
  }
  subscribe(): Pollable {
    return new Pollable()
  }
}

/** A file descriptor the plugin can never obtain (no preopens); every method is denied. */
class Descriptor {}

/** An interface object whose missing functions trap with a message naming them. */
const interfaceOf = (name: string, functions: Record<string, unknown>): Record<string, unknown> =>
  new Proxy(functions, {
    get: (target, key) =>
      typeof key !== "string" || key in target
        ? Reflect.get(target, key)
        : () => {
          throw new Error(`${name}#${key} is not granted to plugins`)
        }
  })

const randomBytes = (len: bigint): Uint8Array => getRandomValues(new Uint8Array(Number(len > 65_536n ? 65_536n : len)))
const randomU64 = (): bigint => new BigUint64Array(getRandomValues(new BigUint64Array(1)).buffer)[0]!

/** The WASI imports, keyed as the transpiled component asks for them (interface without version). */
export const wasiImports = (output: { readonly stdout: (line: string) => void; readonly stderr: (line: string) => void }): Record<string, Record<string, unknown>> => {
  const Stdout = outputStream(output.stdout)
  const Stderr = outputStream(output.stderr)
  // One stream object each: a new one per call would split lines.
  const stdout = new Stdout()
  const stderr = new Stderr()
  const stdin = new InputStream()
  const OutputStream = outputStream(() => {})
  const entries: Record<string, Record<string, unknown>> = {
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll: (list: ReadonlyArray<unknown>) => new Uint32Array(list.map((_, i) => i)) },
    "wasi:io/streams": { InputStream, OutputStream },
    "wasi:cli/stdin": { getStdin: () => stdin },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/environment": { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
    "wasi:cli/exit": {
      exit: (status: unknown) => {
        throw new Error(`the plugin called exit (${JSON.stringify(status)})`)
      }
    },
    "wasi:cli/terminal-input": { TerminalInput: class TerminalInput {} },
    "wasi:cli/terminal-output": { TerminalOutput: class TerminalOutput {} },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => undefined },
    // No clock is granted: time stands still at the epoch.
    "wasi:clocks/wall-clock": { now: () => ({ seconds: 0n, nanoseconds: 0 }), resolution: () => ({ seconds: 1n, nanoseconds: 0 }) },
    "wasi:clocks/monotonic-clock": {
      now: () => 0n,
      resolution: () => 1_000_000_000n,
      subscribeInstant: () => new Pollable(),
      subscribeDuration: () => new Pollable()
    },
    "wasi:filesystem/types": { Descriptor, filesystemErrorCode: () => undefined },
    "wasi:filesystem/preopens": { getDirectories: () => [] },
    "wasi:random/random": { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    "wasi:random/insecure": { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
    "wasi:random/insecure-seed": { insecureSeed: () => [randomU64(), randomU64()] }
  }
  return Object.fromEntries(Object.entries(entries).map(([name, fns]) => [name, interfaceOf(name, fns)]))
}
