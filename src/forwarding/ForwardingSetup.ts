/**
 * Which player-info forwarding the proxy does, resolved at start-up from `[forwarding]` and the
 * secret file (reference §1.3, Infrarust's `resolve_forwarding_mode` and
 * `load_forwarding_secret`):
 *
 * - `none` (or no table): no forwarding; `bungee_cord`: no secret needed, and a warning that it
 *   is insecure;
 * - `bungee_guard` / `velocity`: the secret file is read, or generated when missing; an empty or
 *   unusable file turns forwarding off (`None`) with an error naming the file — the proxy still
 *   starts, as Infrarust's does;
 * - Velocity auto-detection: whatever the mode, an existing non-empty secret file (the configured
 *   path, or `forwarding.secret` without a table) gives {@link ForwardingSetup.velocitySecret},
 *   with which the proxy answers any backend's `velocity:player_info` request during a login it
 *   drives. No file is created for auto-detection.
 *
 * Outcomes are values; the only effects are file access and the log lines an operator needs.
 */
import { Effect, Option, Result } from "effect"
import type { ForwardingConfig, ForwardingMode } from "../config/ForwardingConfig.ts"
import { type ForwardingSecretError, loadOrCreateForwardingSecret, readForwardingSecret } from "./ForwardingSecret.ts"

/** Infrarust's default `secret_file`, also used for auto-detection when there is no table. */
export const DEFAULT_SECRET_FILE = "forwarding.secret"

export type ForwardingPlan =
  | { readonly _tag: "None" }
  | { readonly _tag: "BungeeCord" }
  | { readonly _tag: "BungeeGuard"; readonly token: string }
  | { readonly _tag: "Velocity"; readonly secret: string }

export interface ForwardingSetup {
  /** What the handshake and backend login carry. */
  readonly plan: ForwardingPlan
  /**
   * The key for answering a backend's `velocity:player_info` request: the Velocity secret or
   * BungeeGuard token of the plan, else an auto-detected secret file's; undefined = answer
   * "not understood", as a vanilla client would.
   */
  readonly velocitySecret: string | undefined
  /** Why the configured mode was turned off, if it was. */
  readonly disabled?: ForwardingSecretError
}

const NONE: ForwardingPlan = { _tag: "None" }

/** Widens each branch's result to the one public type. */
const setup = (value: ForwardingSetup): ForwardingSetup => value

const insecureWarning = "[forwarding] mode \"bungee_cord\" is insecure: anyone who can reach a backend directly can " +
  "claim to be any player. Firewall the backends, or use \"velocity\" (or \"bungee_guard\")."

const generatedNote = (path: string) =>
  `${path}: generated a new forwarding secret; copy this file to the backends ` +
  "(Paper: proxies.velocity.secret in config/paper-global.yml; BungeeGuard: allowed-tokens)"

/** The secret a mode needs, created when missing; None (and an error log) when unusable. */
const secretFor = Effect.fnUntraced(function*(mode: "bungee_guard" | "velocity", path: string) {
  const loaded = yield* Effect.result(loadOrCreateForwardingSecret(path))
  if (Result.isFailure(loaded)) {
    yield* Effect.logError(`${loaded.failure.message}; player-info forwarding (${mode}) is off`)
    return setup({ plan: NONE, velocitySecret: undefined, disabled: loaded.failure })
  }
  if (loaded.success.created) yield* Effect.logInfo(generatedNote(path))
  const { secret } = loaded.success
  const plan: ForwardingPlan = mode === "velocity" ? { _tag: "Velocity", secret } : { _tag: "BungeeGuard", token: secret }
  return setup({ plan, velocitySecret: secret })
})

/** Auto-detection: an existing secret file's text, without creating one; problems only at debug level. */
const detectSecret = Effect.fnUntraced(function*(path: string) {
  const found = yield* Effect.result(readForwardingSecret(path))
  if (Result.isFailure(found)) {
    yield* Effect.logDebug(`${found.failure.message}; Velocity auto-detection is off`)
    return undefined
  }
  if (Option.isNone(found.success)) return undefined
  yield* Effect.logInfo(`${path}: forwarding secret found; backends that ask for Velocity forwarding get signed answers`)
  return found.success.value
})

/**
 * Resolves `[forwarding]` (undefined = no table) against the secret file; without a table the
 * default file is `defaultSecretFile` (the caller resolves it beside the config file).
 */
export const resolveForwarding = Effect.fnUntraced(function*(config: ForwardingConfig | undefined, defaultSecretFile: string = DEFAULT_SECRET_FILE) {
  const path = config?.secretFile ?? defaultSecretFile
  const mode = config?.mode ?? "none"
  if (mode === "bungee_guard" || mode === "velocity") return yield* secretFor(mode, path)
  if (mode === "bungee_cord") yield* Effect.logWarning(insecureWarning)
  const plan: ForwardingPlan = mode === "bungee_cord" ? { _tag: "BungeeCord" } : NONE
  return setup({ plan, velocitySecret: yield* detectSecret(path) })
})

export interface ServerPlan {
  readonly plan: ForwardingPlan
  /** Set when the server's mode could not be honoured (it then gets no forwarding). */
  readonly problem?: string
}

/**
 * A server file's `forwarding_mode` against the global setup: absent = the global plan;
 * `bungee_guard` and `velocity` borrow the global mode's secret, and without one fall back to no
 * forwarding with a problem to log (reference §1.4, `core/services/proxy.rs`).
 */
export const serverForwardingPlan = (setup: ForwardingSetup, serverId: string, mode: ForwardingMode | undefined): ServerPlan => {
  if (mode === undefined) return { plan: setup.plan }
  if (mode === "none") return { plan: NONE }
  if (mode === "bungee_cord") return { plan: { _tag: "BungeeCord" } }
  const global = setup.plan
  const secret = global._tag === "Velocity" ? global.secret : global._tag === "BungeeGuard" ? global.token : undefined
  if (secret === undefined) {
    return {
      plan: NONE,
      problem: `server '${serverId}' uses forwarding_mode "${mode}", which needs the global [forwarding] mode to be ` +
        `"velocity" or "bungee_guard" (for its secret); it gets no forwarding`
    }
  }
  return { plan: mode === "velocity" ? { _tag: "Velocity", secret } : { _tag: "BungeeGuard", token: secret } }
}
