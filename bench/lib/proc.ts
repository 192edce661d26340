/**
 * What the bench reads from Linux about the processes it measures: CPU time (utime + stime
 * from /proc/<pid>/stat, which already sums every thread of a process, so the zero_copy
 * addon's thread and HAProxy's threads are included), resident memory (VmRSS), and the
 * process tree (nginx has a master and workers; every process of a subject is counted).
 *
 * Plain Node code: the bench's helpers never load Effect, so the load side of the bench does
 * not carry Effect's heap (see docs/performance.md).
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"

/** Clock ticks per second for /proc times (`getconf CLK_TCK`, 100 on Linux). */
export const CLK_TCK: number = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

/** `/proc/<pid>/stat` fields after the command name (which may contain spaces and parentheses). */
const statFields = (pid: number): Array<string> | undefined => {
  try {
    const text = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** `pid` and all its descendants (children of children included). */
export const processTree = (pid: number): Array<number> => {
  const parentOf = new Map<number, Array<number>>()
  for (const name of Fs.readdirSync("/proc")) {
    const child = Number(name)
    if (!Number.isInteger(child)) continue
    const f = statFields(child)
    if (f === undefined) continue
    const ppid = Number(f[1]) // field 4 overall: ppid
    const list = parentOf.get(ppid)
    if (list === undefined) parentOf.set(ppid, [child])
    else list.push(child)
  }
  const out: Array<number> = []
  const queue = [pid]
  while (queue.length > 0) {
    const p = queue.pop()!
    out.push(p)
    for (const c of parentOf.get(p) ?? []) queue.push(c)
  }
  return out
}

/** CPU seconds (user + system, all threads) used so far by the given processes. */
export const cpuSeconds = (pids: ReadonlyArray<number>): number => {
  let ticks = 0
  for (const pid of pids) {
    const f = statFields(pid)
    if (f === undefined) continue
    ticks += Number(f[11]) + Number(f[12]) // fields 14 and 15 overall: utime, stime
  }
  return ticks / CLK_TCK
}

/** Resident memory in bytes (VmRSS) summed over the given processes. */
export const rssBytes = (pids: ReadonlyArray<number>): number => {
  let kb = 0
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
      if (m !== null) kb += Number(m[1])
    } catch {
      // the process is gone
    }
  }
  return kb * 1024
}

/** Threads of a process (from /proc/<pid>/status). */
export const threadCount = (pid: number): number => {
  try {
    const m = /Threads:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return m === null ? 0 : Number(m[1])
  } catch {
    return 0
  }
}

/** The soft and hard limits on open files of the current process. */
export const openFileLimits = (): { soft: number; hard: number } => {
  try {
    const m = /Max open files\s+(\d+)\s+(\d+|unlimited)/.exec(Fs.readFileSync("/proc/self/limits", "utf8"))
    if (m === null) return { soft: 1024, hard: 1024 }
    return { soft: Number(m[1]), hard: m[2] === "unlimited" ? 1_048_576 : Number(m[2]) }
  } catch {
    return { soft: 1024, hard: 1024 }
  }
}

/**
 * The command line wrapped so that the child raises its soft open-file limit to the hard
 * limit first (`sh -c 'ulimit -n <hard>; exec ...'`): thousands of idle sessions need it.
 */
export const withFileLimit = (cmd: string, args: ReadonlyArray<string>): [string, Array<string>] => {
  const { soft, hard } = openFileLimits()
  if (soft >= hard) return [cmd, [...args]]
  return ["sh", ["-c", `ulimit -n ${hard} 2>/dev/null; exec "$0" "$@"`, cmd, ...args]]
}

/** The open-file limit the bench's children run with (the hard limit, see withFileLimit). */
export const childFileLimit = (): number => openFileLimits().hard
