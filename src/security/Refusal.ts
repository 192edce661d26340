/**
 * Policy outcomes of a connection stage, as values: the pipeline continues with `Continue`,
 * or stops because the connection was refused (already kicked or to be closed). Refusals are
 * never errors — a banned or rate-limited player is the proxy working as configured.
 */
import type { LogLevel } from "effect"

export interface Refusal {
  readonly _tag: "Refusal"
  /** How loud the log line should be: scans and floods are Debug, misconfigurations Warn. */
  readonly level: LogLevel.Severity
  readonly reason: string
  /** A login disconnect to show the player first, if the client can display one. */
  readonly kick?: string | undefined
  /**
   * What the log throttle counts lines of (LogThrottle.ts): one word for one kind of event,
   * never a client-chosen value. Absent: the start of `reason`.
   */
  readonly kind?: string | undefined
  /** Who the line is about, for the throttle's once-per-subject rule; absent: the client's address. */
  readonly subject?: string | undefined
}

export const refuse = (level: LogLevel.Severity, reason: string, kick?: string, kind?: string, subject?: string): Refusal => ({
  _tag: "Refusal",
  level,
  reason,
  kick,
  kind,
  subject
})

export const isRefusal = (u: unknown): u is Refusal =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Refusal"
