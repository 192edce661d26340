/**
 * Turns a Schema issue tree into config problems: one `{ path, reason, detail }` per mistake,
 * with the key path as written in the file (`rate_limit.window`, `addresses[1]`) and a sentence
 * saying what was expected and what was found. The raw issue is never shown to users.
 *
 * It relies on two conventions of the config schemas (`TomlSchema.ts`): every value schema
 * carries an `expected` annotation ("a whole number from 0 to 4294967295"), and transformations
 * that reject a value put a complete sentence in the issue's `message`.
 */
import { Predicate, type SchemaAST, SchemaIssue } from "effect"
import type { ConfigProblem } from "./ConfigError.ts"

const BARE_KEY = /^[A-Za-z0-9_-]+$/

/** `["rate_limit", "window"]` → `rate_limit.window`; `["addresses", 1]` → `addresses[1]`. */
export const formatKeyPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`
    const text = typeof key === "symbol" ? String(key) : key
    const segment = BARE_KEY.test(text) ? text : JSON.stringify(text)
    return out.length === 0 ? segment : `${out}.${segment}`
  }, "")

const MAX_SHOWN = 80

/** How a TOML value is shown after "got". */
export const describeValue = (value: unknown): string => {
  if (typeof value === "string") {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value
    return JSON.stringify(shown)
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value)
  if (Array.isArray(value)) return "an array"
  if (value instanceof Date) return "a date-time" // smol-toml's TomlDate extends Date
  if (value !== null && typeof value === "object") return "a table"
  return "nothing"
}

/** Optimal-string-alignment distance: typos, missing/extra letters and swapped neighbours. */
const editDistance = (a: string, b: string): number => {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: Array<Array<number>> = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The known key closest to `key`, if it is close enough to be a typo: at most one edit per three
 * characters (and at least one), compared case-insensitively so `Max_Connections` is found too.
 */
export const suggestKey = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined
}

const knownKeys = (ast: SchemaAST.AST): ReadonlyArray<string> =>
  ast._tag === "Objects"
    ? ast.propertySignatures.flatMap((p) => (typeof p.name === "string" ? [p.name] : []))
    : []

const expectedOf = (ast: SchemaAST.AST): string => {
  const expected = ast.annotations?.["expected"]
  if (typeof expected === "string") return expected
  switch (ast._tag) {
    case "String":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "true or false"
    case "Objects":
      return "a table"
    case "Arrays":
      return "an array"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return ast.types.map(expectedOf).join(" or ")
    default:
      return "a valid value"
  }
}

const inputOf = (issue: SchemaIssue.Issue): unknown => (SchemaIssue.hasInput(issue) ? issue.input : undefined)

const got = (issue: SchemaIssue.Issue): string => `got ${describeValue(inputOf(issue))}`

/** All members are literals: an enumeration such as `proxy_mode`. */
const literalsOf = (ast: SchemaAST.Union): ReadonlyArray<SchemaAST.LiteralValue> | undefined =>
  ast.types.every((t) => t._tag === "Literal")
    ? ast.types.map((t) => (t as SchemaAST.Literal).literal)
    : undefined

const oneOf = (values: ReadonlyArray<SchemaAST.LiteralValue>): string =>
  `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`

/** A key whose type is a literal in every member: the tag of a tagged union (`type`). */
const discriminatorOf = (ast: SchemaAST.Union): { key: string; values: ReadonlyArray<SchemaAST.LiteralValue> } | undefined => {
  const members = ast.types.filter((t): t is SchemaAST.Objects => t._tag === "Objects")
  if (members.length === 0 || members.length !== ast.types.length) return undefined
  for (const p of members[0]!.propertySignatures) {
    if (typeof p.name !== "string") continue
    const values: Array<SchemaAST.LiteralValue> = []
    for (const member of members) {
      const match = member.propertySignatures.find((q) => q.name === p.name)
      if (match === undefined || match.type._tag !== "Literal") break
      values.push(match.type.literal)
    }
    if (values.length === members.length) return { key: p.name, values }
  }
  return undefined
}

const noMemberMatched = (issue: SchemaIssue.AnyOf, path: ReadonlyArray<PropertyKey>): ConfigProblem => {
  const literals = literalsOf(issue.ast)
  if (literals !== undefined && issue.ast.annotations?.["expected"] === undefined) {
    const input = inputOf(issue)
    const suggestion = typeof input === "string"
      ? suggestKey(input, literals.filter((l): l is string => typeof l === "string"))
      : undefined
    const hint = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`
    return { path: formatKeyPath(path), reason: "InvalidValue", detail: `expected ${oneOf(literals)}; ${got(issue)}${hint}` }
  }
  const tag = discriminatorOf(issue.ast)
  const input = inputOf(issue)
  if (tag !== undefined && Predicate.isObject(input)) {
    const at = formatKeyPath([...path, tag.key])
    return tag.key in input
      ? {
        path: at,
        reason: "InvalidValue",
        detail: `expected ${oneOf(tag.values)}; got ${describeValue(input[tag.key])}`
      }
      : { path: at, reason: "MissingKey", detail: `required key is missing (${oneOf(tag.values)})` }
  }
  return { path: formatKeyPath(path), reason: "InvalidValue", detail: `expected ${expectedOf(issue.ast)}, ${got(issue)}` }
}

const messageOf = (issue: SchemaIssue.Issue): string | undefined => {
  const annotations = issue._tag === "Filter"
    ? issue.filter.annotations
    : issue._tag === "InvalidValue" || issue._tag === "Forbidden"
    ? issue.annotations
    : undefined
  const message = annotations?.["message"]
  return typeof message === "string" ? message : undefined
}

/** Every problem in an issue tree, depth first (the order the schema checked them). */
export const issueProblems = (root: SchemaIssue.Issue): Array<ConfigProblem> => {
  const out: Array<ConfigProblem> = []
  const walk = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    switch (issue._tag) {
      case "Pointer":
        return walk(issue.issue, [...path, ...issue.path])
      case "Encoding":
        return walk(issue.issue, path)
      case "Composite":
        return issue.issues.forEach((child) => walk(child, path))
      case "AnyOf":
        if (issue.issues.length > 0) return issue.issues.forEach((child) => walk(child, path))
        out.push(noMemberMatched(issue, path))
        return
      case "Filter": {
        const detail = messageOf(issue.issue) ?? messageOf(issue) ??
          `expected ${String(issue.filter.annotations?.["expected"] ?? "a valid value")}, ${got(issue)}`
        out.push({ path: formatKeyPath(path), reason: "InvalidValue", detail })
        return
      }
      case "InvalidValue":
      case "Forbidden":
      case "OneOf": {
        const expected = issue._tag === "InvalidValue" ? issue.annotations?.["expected"] : undefined
        const detail = messageOf(issue) ??
          (typeof expected === "string" ? `expected ${expected}, ${got(issue)}` : `invalid value, ${got(issue)}`)
        out.push({ path: formatKeyPath(path), reason: "InvalidValue", detail })
        return
      }
      case "InvalidType":
        out.push({ path: formatKeyPath(path), reason: "InvalidValue", detail: `expected ${expectedOf(issue.ast)}, ${got(issue)}` })
        return
      case "MissingKey":
        out.push({ path: formatKeyPath(path), reason: "MissingKey", detail: "required key is missing" })
        return
      case "UnexpectedKey": {
        const key = path[path.length - 1]
        const suggestion = typeof key === "string" ? suggestKey(key, knownKeys(issue.ast)) : undefined
        const detail = suggestion === undefined ? "unknown key" : `unknown key (did you mean "${suggestion}"?)`
        out.push({ path: formatKeyPath(path), reason: "UnknownKey", detail })
        return
      }
    }
  }
  walk(root, [])
  return out
}
