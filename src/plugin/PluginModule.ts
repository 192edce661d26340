/**
 * Importing a plugin's module and checking that it is one: its default export (or an export named
 * `plugin`) must be a PluginDefinition — an id made of letters, digits, `_` and `-` (it names the
 * plugin's data directory), a version, dependency ids, and an Effect Layer. Every problem is a
 * message that names the file and what is wrong.
 */
import { Effect, Layer, Schema } from "effect"
import * as NodePath from "node:path"
import { pathToFileURL } from "node:url"
import type { PluginDefinition } from "./PluginApi.ts"

export class PluginLoadError extends Schema.TaggedError<PluginLoadError>()("PluginLoadError", {
  plugin: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `plugin '${this.plugin}': ${this.detail}`
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/

const isStringArray = (u: unknown): u is ReadonlyArray<string> => Array.isArray(u) && u.every((x) => typeof x === "string")

/** What is wrong with `u` as a plugin definition, or undefined when nothing is. */
export const definitionProblem = (u: unknown): string | undefined => {
  if (typeof u !== "object" || u === null) return "its module exports no plugin (a default export { id, version, layer })"
  const d = u as Record<string, unknown>
  if (typeof d["id"] !== "string" || !ID.test(d["id"])) return "its id must be 1-64 letters, digits, '_' or '-'"
  if (typeof d["version"] !== "string" || d["version"] === "") return "it has no version"
  if (d["dependencies"] !== undefined && !isStringArray(d["dependencies"])) return "its dependencies must be a list of plugin ids"
  if (!Layer.isLayer(d["layer"])) return "its `layer` is not an Effect Layer"
  return undefined
}

/** Imports `path` (relative to the working directory) and returns its plugin definition. */
export const importPlugin = (key: string, path: string): Effect.Effect<PluginDefinition, PluginLoadError> =>
  Effect.gen(function*() {
    const file = NodePath.resolve(path)
    const module = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>,
      catch: (error) => new PluginLoadError({ plugin: key, detail: `cannot load ${file}: ${error instanceof Error ? error.message : String(error)}` })
    })
    const definition = module["default"] ?? module["plugin"]
    const problem = definitionProblem(definition)
    if (problem !== undefined) return yield* new PluginLoadError({ plugin: key, detail: `${file}: ${problem}` })
    return definition as PluginDefinition
  })
