/**
 * `[plugins.server_wake.config]`: timings and messages of the server_wake limbo handler, with
 * Infrarust's keys, defaults and texts (`&` colour codes, `{dots}`, `{count}`, `{server}`).
 * A mistake (a negative timeout, a number where text belongs) fails the plugin's load with the
 * Schema's message.
 */
import { Effect, Schema } from "effect"

const Seconds = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))

const Raw = Schema.Struct({
  timing: Schema.optionalKey(Schema.Struct({
    start_timeout_seconds: Schema.optionalKey(Seconds),
    title_refresh_interval_seconds: Schema.optionalKey(Seconds.check(Schema.isGreaterThanOrEqualTo(1))),
    show_waiting_count: Schema.optionalKey(Schema.Boolean)
  })),
  messages: Schema.optionalKey(Schema.Struct({
    starting_title: Schema.optionalKey(Schema.String),
    starting_subtitle: Schema.optionalKey(Schema.String),
    stopping_title: Schema.optionalKey(Schema.String),
    stopping_subtitle: Schema.optionalKey(Schema.String),
    ready_title: Schema.optionalKey(Schema.String),
    ready_subtitle: Schema.optionalKey(Schema.String),
    failed_kick: Schema.optionalKey(Schema.String),
    timeout_kick: Schema.optionalKey(Schema.String),
    waiting_action_bar: Schema.optionalKey(Schema.String)
  }))
})

export interface WakeSettings {
  /** 0: no limit of the plugin's own (the server manager's `start_timeout` still applies). */
  readonly startTimeoutSeconds: number
  readonly refreshSeconds: number
  readonly showWaitingCount: boolean
  readonly messages: {
    readonly startingTitle: string
    readonly startingSubtitle: string
    readonly stoppingTitle: string
    readonly stoppingSubtitle: string
    readonly readyTitle: string
    readonly readySubtitle: string
    readonly failedKick: string
    readonly timeoutKick: string
    readonly waitingActionBar: string
  }
}

export const decodeWakeSettings = (config: unknown) =>
  Effect.map(Schema.decodeUnknownEffect(Raw)(config), (raw): WakeSettings => {
    const t = raw.timing ?? {}
    const m = raw.messages ?? {}
    return {
      startTimeoutSeconds: t.start_timeout_seconds ?? 180,
      refreshSeconds: t.title_refresh_interval_seconds ?? 3,
      showWaitingCount: t.show_waiting_count ?? true,
      messages: {
        startingTitle: m.starting_title ?? "&eServer Starting",
        startingSubtitle: m.starting_subtitle ?? "&7Please wait&f{dots}",
        stoppingTitle: m.stopping_title ?? "&eServer Restarting",
        stoppingSubtitle: m.stopping_subtitle ?? "&7Waiting for shutdown&f{dots}",
        readyTitle: m.ready_title ?? "&aServer Ready!",
        readySubtitle: m.ready_subtitle ?? "&7Connecting you now...",
        failedKick: m.failed_kick ?? "&cThe server failed to start. Please try again later.",
        timeoutKick: m.timeout_kick ?? "&cThe server took too long to start. Please try again.",
        waitingActionBar: m.waiting_action_bar ?? "&7{count} player(s) waiting for &e{server}"
      }
    }
  })
