/**
 * The `host` interface of the plugin world, as the sandbox worker implements it: log lines, the
 * plugin's own config, and key-value storage in its data directory.
 *
 * A component calls these synchronously, so the storage uses synchronous file calls; that is fine
 * here because the worker serves this one plugin and nothing else waits on its thread. Every
 * limit is checked before anything touches the disk, and a broken rule is an `err` value the
 * plugin can read (the JS bindings turn a thrown `{ payload }` into `err(payload)`), never a trap.
 * Arguments that are not what the world says (an out-of-range pointer, invalid UTF-8) never get
 * here: the bindings trap the plugin while reading them.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"

export const MAX_KEY_LENGTH = 128
export const MAX_VALUE_BYTES = 1024 * 1024
export const MAX_KEYS = 1024
/** Characters of one log line kept. */
export const MAX_LOG_LINE = 4096
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

export type LogLevel = "debug" | "info" | "warn" | "error"

const refuse = (message: string) => ({ payload: message })

const fsMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

export interface HostOptions {
  /** `<plugins_dir>/<id>`: values live in its `kv/` folder, one file per key. */
  readonly dataDir: string
  /** The `[plugins.<id>.config]` table as JSON. */
  readonly configJson: string
  readonly log: (level: LogLevel, message: string) => void
}

/** The `host` functions, keyed as the transpiled component asks for them. */
export const hostImports = (options: HostOptions): Record<string, unknown> => {
  const dir = NodePath.join(options.dataDir, "kv")
  const fileOf = (key: string) => {
    if (typeof key !== "string" || !KEY.test(key)) {
      throw refuse(`invalid key ${JSON.stringify(String(key).slice(0, 40))}: 1-${MAX_KEY_LENGTH} letters, digits, '.', '_' or '-', not starting with '.'`)
    }
    return NodePath.join(dir, key)
  }
  // Disk errors are reported to the plugin as messages; the worker itself never fails on them.
  const guarded = <A>(what: string, f: () => A): A => {
    try {
      return f()
    } catch (error) {
      if (typeof error === "object" && error !== null && "payload" in error) throw error
      throw refuse(`${what}: ${fsMessage(error)}`)
    }
  }
  const keys = (): Array<string> => (NodeFs.existsSync(dir) ? NodeFs.readdirSync(dir).filter((k) => KEY.test(k)) : [])
  return {
    log: (level: LogLevel, message: string) => options.log(level, String(message).slice(0, MAX_LOG_LINE)),
    config: () => options.configJson,
    kvGet: (key: string) =>
      guarded("kv-get", () => {
        const file = fileOf(key)
        return NodeFs.existsSync(file) ? new Uint8Array(NodeFs.readFileSync(file)) : undefined
      }),
    kvSet: (key: string, value: Uint8Array) =>
      guarded("kv-set", () => {
        const file = fileOf(key)
        if (value.length > MAX_VALUE_BYTES) throw refuse(`value of ${value.length} bytes for '${key}': at most ${MAX_VALUE_BYTES} bytes`)
        if (!NodeFs.existsSync(file) && keys().length >= MAX_KEYS) throw refuse(`'${key}' would be key number ${MAX_KEYS + 1}: at most ${MAX_KEYS} keys`)
        NodeFs.mkdirSync(dir, { recursive: true })
        // Written aside and renamed over: a plugin stopped mid-write leaves the old value.
        const temporary = NodePath.join(dir, `.${key}.tmp`)
        NodeFs.writeFileSync(temporary, value)
        NodeFs.renameSync(temporary, file)
      }),
    kvDelete: (key: string) =>
      guarded("kv-delete", () => {
        const file = fileOf(key)
        if (!NodeFs.existsSync(file)) return false
        NodeFs.rmSync(file)
        return true
      }),
    kvKeys: () => guarded("kv-keys", () => keys().sort())
  }
}
