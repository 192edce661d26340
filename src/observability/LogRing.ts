/**
 * The last log lines, kept in memory for the admin API (`/api/v1/logs/history`) and streamed live
 * to its log subscribers (`/api/v1/logs`, the dashboard): a logger installed next to the
 * process's own (src/main.ts), so it sees exactly the lines an operator reads, worker threads'
 * included when they forward their lines to the coordinator.
 *
 * Bounded both ways: the ring holds {@link LOG_RING_CAPACITY} records (Infrarust's 1000), and
 * each live subscriber has its own small buffer; a subscriber that falls behind loses lines,
 * counted, and never slows the logger (which runs on every fiber that logs, the data plane's
 * included). Plain synchronous code: a log call must stay cheap.
 */
import { Cause, Logger, type LogLevel, References } from "effect"

/** Infrarust keeps 1000 entries in its broadcast log layer's ring. */
export const LOG_RING_CAPACITY = 1000
/** Lines a live subscriber may be behind before it loses some. */
const SUBSCRIBER_BUFFER = 512

export interface LogRecord {
  /** ISO-8601 time of the line. */
  readonly timestamp: string
  /** `trace`, `debug`, `info`, `warn`, `error` or `fatal`. */
  readonly level: string
  readonly message: string
  /**
   * Where the line comes from: the `plugin`, `worker` or `server` annotation when the line has
   * one (in that order), else `proxy`. The API's `target=` filter matches it by prefix.
   */
  readonly target: string
  /** The line's annotations as text (client, server, player, worker …). */
  readonly fields: Readonly<Record<string, string>>
}

export interface LogSubscription {
  /** Lines since the last call, oldest first. */
  readonly drain: () => ReadonlyArray<LogRecord>
  /** Lines lost since the last call because this subscriber read too slowly; resets the count. */
  readonly lagged: () => number
  /** Called (synchronously, from the logging fiber) when a line arrives; keep it cheap. */
  readonly onLine: (wake: () => void) => void
  readonly close: () => void
}

export interface LogRing {
  /** The logger to install beside the process's own. */
  readonly logger: Logger.Logger<unknown, void>
  /** The newest `n` records (at most the capacity), oldest first. */
  readonly recent: (n: number) => ReadonlyArray<LogRecord>
  readonly subscribe: () => LogSubscription
}

const LEVEL_ORDER: ReadonlyArray<string> = ["trace", "debug", "info", "warn", "error", "fatal"]

/** Rank of a level name for filtering (`warning` and `warn` alike); undefined when unknown. */
export const levelRank = (level: string): number | undefined => {
  const lower = level.trim().toLowerCase()
  const index = LEVEL_ORDER.indexOf(lower === "warning" ? "warn" : lower)
  return index < 0 ? undefined : index
}

/** `level=warn&target=plugin:x`: a record at or above `minLevel`, whose target starts with `target`. */
export const matches = (record: LogRecord, minLevel: number, target: string | undefined): boolean =>
  (levelRank(record.level) ?? 0) >= minLevel && (target === undefined || target === "" || record.target.startsWith(target))

const text = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value) ?? String(value))

const targetOf = (fields: Readonly<Record<string, string>>): string =>
  fields["plugin"] !== undefined
    ? `plugin:${fields["plugin"]}`
    : fields["worker"] !== undefined
    ? `worker:${fields["worker"]}`
    : fields["server"] !== undefined
    ? `server:${fields["server"]}`
    : "proxy"

export const makeLogRing = (capacity: number = LOG_RING_CAPACITY): LogRing => {
  const ring: Array<LogRecord | undefined> = new Array(capacity)
  let next = 0
  let size = 0
  const subscribers = new Set<{ buffer: Array<LogRecord>; dropped: number; wake: (() => void) | undefined }>()

  const push = (record: LogRecord) => {
    ring[next] = record
    next = (next + 1) % capacity
    size = Math.min(size + 1, capacity)
    for (const s of subscribers) {
      if (s.buffer.length >= SUBSCRIBER_BUFFER) s.dropped++
      else s.buffer.push(record)
      s.wake?.()
    }
  }

  const logger = Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    const fields: Record<string, string> = {}
    for (const [key, value] of Object.entries(fiber.getRef(References.CurrentLogAnnotations))) fields[key] = text(value)
    const body = parts.map(text).join(" ")
    push({
      timestamp: date.toISOString(),
      level: (logLevel as LogLevel.Severity).toLowerCase(),
      message: cause.reasons.length > 0 ? `${body}\n${Cause.pretty(cause)}` : body,
      target: targetOf(fields),
      fields
    })
  })

  const recent = (n: number): ReadonlyArray<LogRecord> => {
    const count = Math.max(0, Math.min(n, size))
    const out: Array<LogRecord> = []
    for (let i = count; i > 0; i--) out.push(ring[(next - i + capacity) % capacity]!)
    return out
  }

  const subscribe = (): LogSubscription => {
    const state = { buffer: [] as Array<LogRecord>, dropped: 0, wake: undefined as (() => void) | undefined }
    subscribers.add(state)
    return {
      drain: () => state.buffer.splice(0, state.buffer.length),
      lagged: () => {
        const n = state.dropped
        state.dropped = 0
        return n
      },
      onLine: (wake) => {
        state.wake = wake
      },
      close: () => {
        subscribers.delete(state)
      }
    }
  }

  return { logger, recent, subscribe }
}
