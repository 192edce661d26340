/** A reason as the proxy shows it: a backend's JSON text stays a component, anything else is plain text. */
import type { Text } from "../../protocol/TextPackets.ts"

export const textOf = (reason: string): Text => {
  if (!reason.startsWith("{") && !reason.startsWith("\"")) return reason
  // JSON.parse reports bad JSON by throwing; plain text is then the answer (this is no Effect).
  try {
    const parsed = JSON.parse(reason) as unknown
    return typeof parsed === "string" ? parsed : typeof parsed === "object" && parsed !== null ? (parsed as Exclude<Text, string>) : reason
  } catch {
    return reason
  }
}
