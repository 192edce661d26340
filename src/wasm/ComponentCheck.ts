/**
 * Does a component fit the plugin world? The check compares what the JS bindings generator says
 * about the component (its TypeScript declarations, one file per interface) with what it says
 * about the world itself (a reference component built from wit/plugin.wit). Both come from the
 * same generator, so equal declarations mean equal types, and a difference can be named: the
 * missing export, the function whose type is wrong, the type that differs, the import that is
 * not granted. Plain functions over the generated text.
 */
import { ALLOWED_IMPORTS } from "./WasiStubs.ts"

export const WORLD_PACKAGE = "infrarust:plugin"
export const WORLD_VERSION = "0.1.0"
export const EVENTS_EXPORT = `${WORLD_PACKAGE}/events@${WORLD_VERSION}`

const EVENTS_DTS = "interfaces/infrarust-plugin-events.d.ts"
const HOST_DTS = "interfaces/infrarust-plugin-host.d.ts"
const TYPES_DTS = "interfaces/infrarust-plugin-types.d.ts"

/** What the bindings generator said about a component. */
export interface Description {
  /** Declaration files by path (only the three of the world are read). */
  readonly declarations: Readonly<Record<string, string>>
  readonly imports: ReadonlyArray<string>
  readonly exports: ReadonlyArray<string>
}

/** `onChatMessage` → `on-chat-message`, as the WIT names it. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** Declarations of one generated file by name (`export function x`, `export type X`, `export interface X`). */
export const declarationsOf = (text: string | undefined): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  if (text === undefined) return out
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "")
  for (const block of code.split(/\n(?=export )/)) {
    const m = /^export (?:function|type|interface) ([A-Za-z0-9_$]+)/.exec(block.trim())
    if (m !== null) out.set(m[1]!, block.trim().replace(/\s+/g, " "))
  }
  return out
}

const functionsOf = (text: string | undefined) => new Map([...declarationsOf(text)].filter(([, d]) => d.startsWith("export function ")))

const unversioned = (name: string) => name.replace(/@[^/]*$/, "")

/**
 * Why `component` does not fit the world described by `world`, or undefined when it does. The
 * message names the first problem found.
 */
export const mismatch = (world: Description, component: Description): string | undefined => {
  const exported = component.exports
  if (!exported.includes(EVENTS_EXPORT)) {
    const other = exported.find((e) => unversioned(e) === unversioned(EVENTS_EXPORT))
    return other !== undefined
      ? `it exports ${other}, but this proxy speaks ${EVENTS_EXPORT}`
      : `it does not export ${EVENTS_EXPORT} (it exports ${exported.length === 0 ? "nothing" : exported.join(", ")}): was it built against wit/plugin.wit, world 'plugin'?`
  }
  for (const name of component.imports) {
    if (!ALLOWED_IMPORTS.has(unversioned(name))) return `it imports ${name}, which plugins are not granted (only infrarust:plugin/host and the WASI stubs of docs/wasm-plugins.md)`
  }
  const wanted = functionsOf(world.declarations[EVENTS_DTS])
  const got = functionsOf(component.declarations[EVENTS_DTS])
  for (const [name, declaration] of wanted) {
    const actual = got.get(name)
    if (actual === undefined) return `its export ${EVENTS_EXPORT} lacks the function '${kebab(name)}'`
    if (actual !== declaration) return `its export '${kebab(name)}' has the wrong type: \`${actual}\`, where the world says \`${declaration}\``
  }
  const hostWanted = functionsOf(world.declarations[HOST_DTS])
  for (const [name, declaration] of functionsOf(component.declarations[HOST_DTS])) {
    const expected = hostWanted.get(name)
    if (expected === undefined) return `it imports the host function '${kebab(name)}', which the world does not have`
    if (expected !== declaration) return `it imports the host function '${kebab(name)}' with the wrong type: \`${declaration}\`, where the world says \`${expected}\``
  }
  const types = declarationsOf(world.declarations[TYPES_DTS])
  for (const [name, declaration] of declarationsOf(component.declarations[TYPES_DTS])) {
    const expected = types.get(name)
    if (expected !== undefined && expected !== declaration) return `its type '${kebab(name.charAt(0).toLowerCase() + name.slice(1))}' differs from the world's: \`${declaration}\`, where the world says \`${expected}\``
  }
  return undefined
}
