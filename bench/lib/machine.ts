/**
 * What the bench reports about the machine it ran on, read at run time: CPU model and count,
 * memory, kernel, Node, the peers' versions, open-file limits, load average and the source
 * revision (flagged when src/ has uncommitted changes).
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import { openFileLimits } from "./proc.ts"

const readFirst = (file: string, re: RegExp): string | undefined => {
  try {
    return re.exec(Fs.readFileSync(file, "utf8"))?.[1]?.trim()
  } catch {
    return undefined
  }
}

const gitRevision = (repo: string): string => {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: repo, encoding: "utf8" }).trim() !== ""
    return dirty ? `${rev} (src/ has uncommitted changes)` : rev
  } catch {
    return "unknown"
  }
}

export const loadAverage = (): string => Os.loadavg().map((x) => x.toFixed(2)).join(" ")

export const describeMachine = (repo: string, peers: { haproxy?: string | undefined; nginx?: string | undefined }) => {
  const limits = openFileLimits()
  return {
    cpu: readFirst("/proc/cpuinfo", /model name\s*:\s*(.*)/) ?? Os.cpus()[0]?.model ?? "unknown",
    cores: Os.availableParallelism(),
    memory: `${(Os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${Os.type()} ${Os.release()}`,
    node: process.version,
    haproxy: peers.haproxy ?? "not installed",
    nginx: peers.nginx ?? "not installed",
    openFiles: `soft ${limits.soft}, hard ${limits.hard}`,
    loadAverageAtStart: loadAverage(),
    loadAverageAtEnd: "",
    date: new Date().toISOString(),
    revision: gitRevision(repo)
  }
}
