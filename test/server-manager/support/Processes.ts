/**
 * Process checks for the local-provider tests: which processes a managed script launched (its
 * `--launches` file) and whether they still exist. A zombie (exited, not yet reaped by its new
 * parent) counts as gone: it runs nothing and holds no port.
 */
import { Result } from "effect"
import { existsSync, readFileSync } from "node:fs"

export interface Launches {
  readonly servers: ReadonlyArray<number>
  readonly grandchildren: ReadonlyArray<number>
}

export const readLaunches = (file: string): Launches => {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : []
  const pids = (kind: string) => lines.filter((l) => l.startsWith(`${kind} `)).map((l) => Number(l.slice(kind.length + 1)))
  return { servers: pids("server"), grandchildren: pids("grandchild") }
}

const isZombie = (pid: number): boolean =>
  Result.getOrElse(Result.try(() => readFileSync(`/proc/${pid}/stat`, "utf8")), () => "").replace(/^.*\) /s, "").startsWith("Z")

export const isAlive = (pid: number): boolean => Result.isSuccess(Result.try(() => process.kill(pid, 0))) && !isZombie(pid)

/**
 * SIGKILLs whatever a launches file lists that is still alive: a failing test must not leave
 * processes behind (a passing one has nothing left to kill).
 */
export const killLeftovers = (file: string): void => {
  const { grandchildren, servers } = readLaunches(file)
  for (const pid of [...servers, ...grandchildren]) if (isAlive(pid)) Result.try(() => process.kill(pid, "SIGKILL"))
}
