/**
 * JSON text components (what modern status responses and MOTD configs carry) as legacy
 * `§`-coded text (what pre-1.7 clients read in a legacy ping reply).
 *
 * Named colours and the five formats map to their codes; hex colours, click and hover events
 * have no legacy form and are dropped; `translate` shows its `fallback`, else its key.
 * Pure and bounded: the component comes from a backend, so the walk stops at
 * {@link MAX_DEPTH} levels and {@link MAX_LEGACY_TEXT_CHARS} characters.
 */
import { Predicate } from "effect"

export const MAX_DEPTH = 32
export const MAX_LEGACY_TEXT_CHARS = 1024

const COLORS: Readonly<Record<string, string>> = {
  black: "0",
  dark_blue: "1",
  dark_green: "2",
  dark_aqua: "3",
  dark_red: "4",
  dark_purple: "5",
  gold: "6",
  gray: "7",
  dark_gray: "8",
  blue: "9",
  green: "a",
  aqua: "b",
  red: "c",
  light_purple: "d",
  yellow: "e",
  white: "f"
}

const FORMATS = [["obfuscated", "k"], ["bold", "l"], ["strikethrough", "m"], ["underlined", "n"], ["italic", "o"]] as const

interface Style {
  readonly color: string | undefined
  /** Format codes in a fixed order, e.g. "ln". */
  readonly formats: string
}

const PLAIN: Style = { color: undefined, formats: "" }

const styleOf = (node: Record<string, unknown>, parent: Style): Style => {
  const named = typeof node["color"] === "string" ? COLORS[node["color"]] : undefined
  const color = named ?? (node["color"] === "reset" ? undefined : parent.color)
  let formats = ""
  for (const [key, code] of FORMATS) {
    const own = node[key]
    if (own === true || (own !== false && parent.formats.includes(code))) formats += code
  }
  return { color, formats }
}

const codesFor = (style: Style, previous: Style): string => {
  if (style.color === previous.color && style.formats === previous.formats) return ""
  // A colour code resets the formats in legacy text; without a colour, §r does.
  const base = style.color !== undefined ? `§${style.color}` : previous.color !== undefined || previous.formats !== "" ? "§r" : ""
  return base + [...style.formats].map((c) => `§${c}`).join("")
}

/** `component` (string, object or array) as legacy text. */
export const toLegacyText = (component: unknown): string => {
  let out = ""
  let current = PLAIN
  const emit = (text: string, style: Style) => {
    if (text === "" || out.length >= MAX_LEGACY_TEXT_CHARS) return
    out += codesFor(style, current) + text
    current = style
  }
  const walk = (node: unknown, parent: Style, depth: number): void => {
    if (depth > MAX_DEPTH || out.length >= MAX_LEGACY_TEXT_CHARS) return
    if (typeof node === "string") return emit(node, parent)
    if (typeof node === "number" || typeof node === "boolean") return emit(String(node), parent)
    if (Array.isArray(node)) {
      // [a, b, c] is a with extra [b, c]: the rest inherit the first element's style.
      if (node.length === 0) return
      const first = node[0] as unknown
      const style = Predicate.isObject(first) ? styleOf(first, parent) : parent
      walk(first, parent, depth + 1)
      for (let i = 1; i < node.length; i++) walk(node[i], style, depth + 1)
      return
    }
    if (typeof node !== "object" || node === null) return
    const record = node as Record<string, unknown>
    const style = styleOf(record, parent)
    const text = typeof record["text"] === "string"
      ? record["text"]
      : typeof record["translate"] === "string"
      ? typeof record["fallback"] === "string" ? record["fallback"] : record["translate"]
      : ""
    emit(text, style)
    if (Array.isArray(record["extra"])) for (const child of record["extra"]) walk(child, style, depth + 1)
  }
  walk(component, PLAIN, 0)
  return out.length > MAX_LEGACY_TEXT_CHARS ? out.slice(0, MAX_LEGACY_TEXT_CHARS) : out
}

/** Legacy text without its `§x` codes (the Beta 1.8 reply cannot carry them). */
export const stripCodes = (text: string): string => text.replace(/§./gsu, "").replaceAll("§", "")
