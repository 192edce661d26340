/**
 * `[plugins.auth.config]`: the auth plugin's settings, in Infrarust's tables and keys where it
 * has them (storage, hashing, password_policy, security, messages) plus `premium_names`,
 * `premium_lookup` and its `[premium]` table (the Mojang profile API: PremiumLookup.ts).
 */
import { Duration, Effect, Schema } from "effect"
import type { PremiumApiSettings } from "./PremiumLookup.ts"

const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))

export const AUTH_MESSAGES = {
  login_title: "&6Authentication Required",
  login_subtitle: "&7/login <password>",
  login_success: "&aLogin successful!",
  login_fail: "&cWrong password! &7({attempts_left}/{max_attempts} attempts left)",
  login_max_attempts: "&cToo many failed login attempts.",
  login_timeout: "&cAuthentication timed out.",
  login_usage: "&cUsage: /login <password>",
  login_not_registered: "&cYou have no account yet. &7/register <password> <confirm>",
  register_title: "&6Welcome, {username}!",
  register_subtitle: "&7/register <password> <confirm>",
  register_success: "&aAccount created successfully!",
  register_password_mismatch: "&cPasswords do not match.",
  register_password_too_short: "&cPassword must be at least {min_length} characters.",
  register_password_too_long: "&cPassword must be at most {max_length} characters.",
  register_password_is_username: "&cPassword cannot be the same as your username.",
  register_account_exists: "&cAn account already exists for this username.",
  register_usage: "&cUsage: /register <password> <confirm>",
  unknown_command: "&7Available commands: &f/login&7, &f/register",
  premium_enabled: "&aFrom your next login Mojang authenticates you: no password. &7(/cracked undoes it)",
  premium_already: "&7You are authenticated by Mojang already.",
  premium_not_premium: "&cMojang knows no paid account named {username}: you keep your password.",
  premium_unknown: "&cYour name could not be checked with Mojang. Please try again later.",
  premium_needs_login: "&cLog in with your password first.",
  premium_disabled: "&cPremium detection is off on this server.",
  cracked_enabled: "&aFrom your next login you log in with your password.",
  cracked_register: "&aFrom your next login you register a password instead of Mojang's login.",
  cracked_already: "&7You log in with a password already.",
  cracked_listed: "&cYour name is on this server's premium list: ask an admin.",
  no_account: "&cYou have no account.",
  wrong_password: "&cWrong password.",
  changepassword_usage: "&cUsage: /changepassword <old password> <new password>",
  changepassword_success: "&aYour password is changed.",
  unregister_usage: "&cUsage: /unregister <password>",
  unregister_success: "&aYour account is removed: you will register again at your next login.",
  forcelogin_usage: "&cUsage: /forcelogin <player>",
  forcelogin_success: "&a{username} is logged in.",
  forcelogin_not_waiting: "&c{username} is not waiting to log in.",
  forcelogin_player: "&aAn admin logged you in.",
  forceunregister_usage: "&cUsage: /forceunregister <name>",
  forceunregister_success: "&aThe account of {username} is removed.",
  forcechangepassword_usage: "&cUsage: /forcechangepassword <name> <new password>",
  forcechangepassword_success: "&aThe password of {username} is changed.",
  admin_no_account: "&c{username} has no account."
} as const
export type AuthMessageKey = keyof typeof AUTH_MESSAGES

const Messages = Schema.Struct(
  Object.fromEntries(Object.keys(AUTH_MESSAGES).map((k) => [k, Schema.optionalKey(Schema.String)])) as {
    readonly [K in AuthMessageKey]: Schema.optionalKey<typeof Schema.String>
  }
)

const Seconds = Schema.Number.check(Schema.isGreaterThan(0))

const Raw = Schema.Struct({
  premium_names: Schema.optionalKey(Schema.Array(Schema.String)),
  premium_lookup: Schema.optionalKey(Schema.Boolean),
  premium: Schema.optionalKey(Schema.Struct({
    profile_api: Schema.optionalKey(Schema.String),
    timeout_seconds: Schema.optionalKey(Seconds),
    cache_ttl_seconds: Schema.optionalKey(Count),
    cache_size: Schema.optionalKey(Count),
    rate_limit: Schema.optionalKey(Positive),
    rate_limit_window_seconds: Schema.optionalKey(Seconds)
  })),
  storage: Schema.optionalKey(Schema.Struct({ path: Schema.optionalKey(Schema.String) })),
  hashing: Schema.optionalKey(Schema.Struct({
    argon2_memory_cost: Schema.optionalKey(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(8))),
    argon2_time_cost: Schema.optionalKey(Positive),
    argon2_parallelism: Schema.optionalKey(Positive)
  })),
  password_policy: Schema.optionalKey(Schema.Struct({
    min_length: Schema.optionalKey(Count),
    max_length: Schema.optionalKey(Positive),
    check_username: Schema.optionalKey(Schema.Boolean)
  })),
  security: Schema.optionalKey(Schema.Struct({
    max_login_attempts: Schema.optionalKey(Positive),
    login_timeout_seconds: Schema.optionalKey(Count)
  })),
  messages: Schema.optionalKey(Messages)
})

export interface AuthSettings {
  readonly premiumNames: ReadonlySet<string>
  /** Look names without an account up in Mojang's profile API at PreLogin (default off). */
  readonly premiumLookup: boolean
  readonly premiumApi: PremiumApiSettings
  /** Relative to the plugin's data directory unless absolute. */
  readonly storagePath: string
  readonly hashing: { readonly memory: number; readonly passes: number; readonly parallelism: number }
  readonly minLength: number
  readonly maxLength: number
  readonly checkUsername: boolean
  readonly maxAttempts: number
  /** 0: no limit. */
  readonly loginTimeoutSeconds: number
  readonly messages: Readonly<Record<AuthMessageKey, string>>
}

export const decodeAuthSettings = (config: unknown) =>
  Effect.map(Schema.decodeUnknownEffect(Raw)(config), (raw): AuthSettings => ({
    premiumNames: new Set((raw.premium_names ?? []).map((n) => n.toLowerCase())),
    premiumLookup: raw.premium_lookup ?? false,
    premiumApi: {
      profileApi: raw.premium?.profile_api ?? "https://api.mojang.com",
      timeout: Duration.seconds(raw.premium?.timeout_seconds ?? 3),
      cacheTtl: Duration.seconds(raw.premium?.cache_ttl_seconds ?? 600),
      cacheSize: raw.premium?.cache_size ?? 10_000,
      rateLimit: raw.premium?.rate_limit ?? 600,
      rateLimitWindow: Duration.seconds(raw.premium?.rate_limit_window_seconds ?? 600)
    },
    storagePath: raw.storage?.path ?? "accounts.json",
    hashing: {
      memory: raw.hashing?.argon2_memory_cost ?? 19456,
      passes: raw.hashing?.argon2_time_cost ?? 2,
      parallelism: raw.hashing?.argon2_parallelism ?? 1
    },
    minLength: raw.password_policy?.min_length ?? 8,
    maxLength: raw.password_policy?.max_length ?? 128,
    checkUsername: raw.password_policy?.check_username ?? true,
    maxAttempts: raw.security?.max_login_attempts ?? 5,
    loginTimeoutSeconds: raw.security?.login_timeout_seconds ?? 60,
    messages: { ...AUTH_MESSAGES, ...raw.messages }
  }))
