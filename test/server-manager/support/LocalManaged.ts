/**
 * A managed backend the local provider starts: a free port, a scratch working directory with a
 * launches file (Processes.ts), and the server file's `[server_manager]` table that runs `script`
 * under this Node. Whatever the script launched is killed and the directory removed with the scope.
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freeLowPort } from "../../support/Ports.ts"
import { killLeftovers } from "./Processes.ts"

export interface LocalManaged {
  readonly port: number
  /** The script's `--launches` file. */
  readonly launchFile: string
  /** `[server_manager]` with `type = "local"`, the command and its arguments, then `extra` lines. */
  readonly table: string
}

/** `args` gets the port and launches file; `extra` adds `[server_manager]` lines (timeouts). */
export const localManaged = (
  script: string,
  args: (port: number, launchFile: string) => ReadonlyArray<string>,
  extra: ReadonlyArray<string> = []
) =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(freeLowPort)
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-managed-"))
    const launchFile = join(dir, "launches.txt")
    yield* Effect.addFinalizer(() => Effect.sync(() => (killLeftovers(launchFile), rmSync(dir, { recursive: true, force: true }))))
    const table = [
      `[server_manager]`,
      `type = "local"`,
      `command = ${JSON.stringify(process.execPath)}`,
      `working_dir = ${JSON.stringify(dir)}`,
      `args = ${JSON.stringify([script, ...args(port, launchFile)])}`,
      ...extra
    ].join("\n")
    return { port, launchFile, table } as LocalManaged
  })
