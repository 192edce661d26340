/**
 * The `bans.json` format (pure): Infrarust's layout, read and written.
 *
 * ```json
 * { "bans": [ { "target": { "type": "username", "value": "Griefer" }, "reason": "griefing",
 *               "expires_at": 1711324800, "created_at": 1710720000, "source": "console" } ],
 *   "audit_log": [ { "action": "ban", "target": { "type": "ip", "value": "1.2.3.4" },
 *                    "reason": null, "source": "console", "timestamp": 1710720000 } ] }
 * ```
 *
 * Reading is strict about what matters (a bad target or time names the entry, and the whole
 * file is refused rather than half-applied) and lenient about what does not (a missing
 * `reason`, `expires_at`, `source` or `audit_log`; a missing `created_at` becomes `now`).
 * A blank file is an empty store. Two bans of one target: the later one wins, as in Infrarust.
 * Writing gives pretty JSON with every key present (`null` for absent values), like serde.
 */
import { Predicate, Result } from "effect"
import {
  type AuditAction,
  type AuditEntry,
  type BanEntry,
  type BanTarget,
  MAX_AUDIT_ENTRIES,
  MAX_REASON_CHARS,
  parseBanTarget,
  targetKey
} from "./Ban.ts"

export interface BanFileData {
  readonly bans: ReadonlyArray<BanEntry>
  readonly audit: ReadonlyArray<AuditEntry>
}

export const emptyBanFile: BanFileData = { bans: [], audit: [] }

/** Thrown inside {@link decodeData} only, and caught by {@link decodeBanFile}. */
class Invalid {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

const fail = (path: string, message: string): never => {
  throw new Invalid(`${path}: ${message}`)
}

/** Epoch seconds: a whole, non-negative number. */
const seconds = (value: unknown, path: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return fail(path, `expected whole seconds since 1970, got ${JSON.stringify(value)}`)
  }
  return value
}

const optionalSeconds = (value: unknown, path: string): number | undefined =>
  value === undefined || value === null ? undefined : seconds(value, path)

const optionalText = (value: unknown, path: string, max: number): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") return fail(path, `expected a string or null, got ${JSON.stringify(value)}`)
  return value.length > max ? fail(path, `longer than ${max} characters`) : value
}

const target = (value: unknown, path: string): BanTarget => {
  if (!Predicate.isObject(value)) return fail(path, `expected { "type": ..., "value": ... }`)
  const { type, value: text } = value
  if (typeof type !== "string") return fail(`${path}.type`, `expected a string`)
  if (typeof text !== "string") return fail(`${path}.value`, `expected a string`)
  const parsed = parseBanTarget(type, text)
  return Result.isSuccess(parsed) ? parsed.success : fail(path, parsed.failure)
}

const actions: ReadonlyArray<AuditAction> = ["ban", "unban", "expired"]

const decodeData = (root: unknown, nowSeconds: number): BanFileData => {
  if (!Predicate.isObject(root)) return fail("(top level)", `expected an object with "bans" and "audit_log"`)
  const rawBans = root["bans"] ?? []
  if (!Array.isArray(rawBans)) return fail("bans", "expected an array")
  const byTarget = new Map<string, BanEntry>()
  rawBans.forEach((raw: unknown, i) => {
    const path = `bans[${i}]`
    if (!Predicate.isObject(raw)) return fail(path, "expected an object")
    const entry: BanEntry = {
      target: target(raw["target"], `${path}.target`),
      reason: optionalText(raw["reason"], `${path}.reason`, MAX_REASON_CHARS),
      expiresAt: optionalSeconds(raw["expires_at"], `${path}.expires_at`),
      createdAt: raw["created_at"] === undefined ? nowSeconds : seconds(raw["created_at"], `${path}.created_at`),
      source: optionalText(raw["source"], `${path}.source`, MAX_REASON_CHARS) ?? ""
    }
    const key = targetKey(entry.target)
    byTarget.delete(key)
    byTarget.set(key, entry)
  })
  const rawAudit = root["audit_log"] ?? []
  if (!Array.isArray(rawAudit)) return fail("audit_log", "expected an array")
  const audit = rawAudit.slice(-MAX_AUDIT_ENTRIES).map((raw: unknown, i): AuditEntry => {
    const path = `audit_log[${i}]`
    if (!Predicate.isObject(raw)) return fail(path, "expected an object")
    const action = raw["action"]
    if (!actions.includes(action as AuditAction)) {
      return fail(`${path}.action`, `expected "ban", "unban" or "expired", got ${JSON.stringify(action)}`)
    }
    return {
      action: action as AuditAction,
      target: target(raw["target"], `${path}.target`),
      reason: optionalText(raw["reason"], `${path}.reason`, MAX_REASON_CHARS),
      source: optionalText(raw["source"], `${path}.source`, MAX_REASON_CHARS) ?? "",
      timestamp: seconds(raw["timestamp"], `${path}.timestamp`)
    }
  })
  return { bans: [...byTarget.values()], audit }
}

/** The store in `text`, or what is wrong with it (with the path of the bad value). */
export const decodeBanFile = (text: string, nowSeconds: number): Result.Result<BanFileData, string> => {
  if (text.trim() === "") return Result.succeed(emptyBanFile)
  let root: unknown
  // JSON.parse reports bad JSON by throwing; this is a pure function, not an Effect.
  try {
    root = JSON.parse(text)
  } catch (error) {
    return Result.fail(`not valid JSON (${(error as Error).message})`)
  }
  try {
    return Result.succeed(decodeData(root, nowSeconds))
  } catch (error) {
    if (error instanceof Invalid) return Result.fail(error.message)
    throw error
  }
}

const encodeTarget = (t: BanTarget) => ({ type: t.type, value: t.value })

export const encodeBanFile = (data: BanFileData): string =>
  JSON.stringify(
    {
      bans: data.bans.map((b) => ({
        target: encodeTarget(b.target),
        reason: b.reason ?? null,
        expires_at: b.expiresAt ?? null,
        created_at: b.createdAt,
        source: b.source
      })),
      audit_log: data.audit.map((a) => ({
        action: a.action,
        target: encodeTarget(a.target),
        reason: a.reason ?? null,
        source: a.source,
        timestamp: a.timestamp
      }))
    },
    null,
    2
  ) + "\n"
