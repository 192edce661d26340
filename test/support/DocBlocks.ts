/**
 * Configuration examples in docs/ that tests run for real: a block is marked with an HTML
 * comment `<!-- test: NAME -->` right before its fence. Tests substitute the example
 * addresses with loopback ports, so the documented configuration is the tested one.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const docBlock = (docFile: string, name: string): string => {
  const path = fileURLToPath(new URL(`../../docs/${docFile}`, import.meta.url))
  const text = readFileSync(path, "utf8")
  const marker = `<!-- test: ${name} -->`
  const at = text.indexOf(marker)
  if (at === -1) throw new Error(`docs/${docFile} has no block marked ${marker}`)
  const open = text.indexOf("```", at)
  const start = text.indexOf("\n", open) + 1
  const end = text.indexOf("```", start)
  return text.slice(start, end)
}
