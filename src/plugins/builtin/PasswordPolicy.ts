/**
 * `[password_policy]` for every place a password is chosen: `/register`, `/changepassword` and
 * `/forcechangepassword`. The answer is the message to show, or undefined when the password is
 * acceptable.
 */
import type { AuthMessageKey, AuthSettings } from "./AuthSettings.ts"

export interface PolicyRefusal {
  readonly key: AuthMessageKey
  readonly values: Readonly<Record<string, string | number>>
}

export const checkPassword = (settings: AuthSettings, name: string, password: string): PolicyRefusal | undefined => {
  // Characters, not UTF-16 units: an emoji is one character to the player.
  const length = [...password].length
  if (length < settings.minLength) return { key: "register_password_too_short", values: { min_length: settings.minLength } }
  if (length > settings.maxLength) return { key: "register_password_too_long", values: { max_length: settings.maxLength } }
  if (settings.checkUsername && password.toLowerCase() === name.toLowerCase()) return { key: "register_password_is_username", values: {} }
  return undefined
}
