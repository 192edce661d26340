/**
 * A strict parser for the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: it throws on
 * anything a Prometheus server would reject or silently misread, with the line number.
 *
 * Checked: metric and label name syntax, label value escapes (only `\\`, `\"`, `\n`), float
 * values (`NaN`, `+Inf`, `-Inf` included), at most one HELP and one TYPE per family with TYPE
 * before its samples, samples of a family contiguous, sample names that fit the family type
 * (`_bucket`/`_sum`/`_count` for histograms), no duplicate series, non-negative counters, and
 * for each histogram series: increasing `le` bounds, cumulative counts, a `+Inf` bucket equal
 * to `_count`, and a `_sum`.
 */

export type Labels = Readonly<Record<string, string>>

export interface Sample {
  readonly name: string
  readonly labels: Labels
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly type: "counter" | "gauge" | "histogram" | "summary" | "untyped"
  readonly help: string | undefined
  readonly samples: Array<Sample>
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)$/

const parseValue = (text: string, fail: (m: string) => never): number => {
  if (!FLOAT.test(text)) fail(`bad value "${text}"`)
  if (text === "NaN") return Number.NaN
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY
  if (text === "-Inf") return Number.NEGATIVE_INFINITY
  return Number(text)
}

/** `{a="x",b="y"}` starting at `text[0] === "{"`; returns the labels and the rest of the line. */
const parseLabels = (text: string, fail: (m: string) => never): { labels: Record<string, string>; rest: string } => {
  const labels: Record<string, string> = {}
  let i = 1
  for (;;) {
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) }
    const eq = text.indexOf("=", i)
    if (eq < 0) fail("label without '='")
    const name = text.slice(i, eq)
    if (!LABEL_NAME.test(name)) fail(`bad label name "${name}"`)
    if (name in labels) fail(`duplicate label "${name}"`)
    if (text[eq + 1] !== "\"") fail(`label ${name}: value must be quoted`)
    let value = ""
    let j = eq + 2
    for (; j < text.length && text[j] !== "\""; j++) {
      if (text[j] === "\\") {
        const next = text[++j]
        if (next === "\\") value += "\\"
        else if (next === "\"") value += "\""
        else if (next === "n") value += "\n"
        else fail(`label ${name}: bad escape "\\${next}"`)
      } else {
        if (text[j] === "\n") fail("newline in a label value")
        value += text[j]
      }
    }
    if (j >= text.length) fail(`label ${name}: unterminated value`)
    labels[name] = value
    i = j + 1
    if (text[i] === ",") i++
    else if (text[i] !== "}") fail(`label ${name}: expected ',' or '}'`)
  }
}

const seriesKey = (name: string, labels: Labels) =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(",")}}`

const familyOf = (sample: string, families: Map<string, Family>): Family | undefined => {
  const exact = families.get(sample)
  if (exact !== undefined) return exact
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sample.endsWith(suffix)) continue
    const family = families.get(sample.slice(0, -suffix.length))
    if (family !== undefined && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) {
      return family
    }
  }
  return undefined
}

const checkHistogram = (family: Family, fail: (m: string) => never) => {
  const series = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>()
  for (const s of family.samples) {
    const { le, ...rest } = s.labels
    const key = seriesKey(family.name, rest)
    const entry = series.get(key) ?? { buckets: [] }
    series.set(key, entry)
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) fail(`${s.name} without le`)
      entry.buckets.push([parseValue(le, fail), s.value])
    } else if (s.name.endsWith("_sum")) entry.sum = s.value
    else if (s.name.endsWith("_count")) entry.count = s.value
    else fail(`histogram ${family.name}: unexpected sample ${s.name}`)
  }
  for (const [key, entry] of series) {
    if (entry.sum === undefined || entry.count === undefined) fail(`${key}: histogram without _sum or _count`)
    const last = entry.buckets[entry.buckets.length - 1]
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY) fail(`${key}: no le="+Inf" bucket (last)`)
    if (last[1] !== entry.count) fail(`${key}: +Inf bucket ${last[1]} != _count ${entry.count}`)
    for (let i = 1; i < entry.buckets.length; i++) {
      if (!(entry.buckets[i]![0] > entry.buckets[i - 1]![0])) fail(`${key}: le bounds not increasing`)
      if (entry.buckets[i]![1] < entry.buckets[i - 1]![1]) fail(`${key}: bucket counts not cumulative`)
    }
  }
}

export const parsePrometheus = (text: string): Map<string, Family> => {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition must end with a newline")
  const families = new Map<string, Family>()
  const closed = new Set<string>()
  const series = new Set<string>()
  let current: Family | undefined
  const lines = text.split("\n")
  lines.pop()
  lines.forEach((line, index) => {
    const fail = (message: string): never => {
      throw new Error(`line ${index + 1}: ${message}: ${JSON.stringify(line)}`)
    }
    const enter = (family: Family) => {
      if (current !== family) {
        if (current !== undefined) closed.add(current.name)
        if (closed.has(family.name)) fail(`samples of ${family.name} are not contiguous`)
        current = family
      }
    }
    if (line.trim() === "") return
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
      if (m === null) return // a plain comment
      const [, kind, name, rest = ""] = m
      if (!METRIC_NAME.test(name!)) fail(`bad metric name "${name}"`)
      let family = families.get(name!)
      if (family === undefined) {
        family = { name: name!, type: "untyped", help: undefined, samples: [] }
        families.set(name!, family)
      }
      enter(family)
      if (kind === "HELP") {
        if (family.help !== undefined) fail(`second HELP for ${name}`)
        ;(family as { help: string }).help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\")
      } else {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) fail(`unknown type "${rest}"`)
        if (family.type !== "untyped" || family.samples.length > 0) fail(`TYPE for ${name} after its samples or twice`)
        ;(family as { type: string }).type = rest
      }
      return
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
    if (nameMatch === null) fail("bad metric name")
    const name = nameMatch![0]
    let rest = line.slice(name.length)
    let labels: Record<string, string> = {}
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, fail))
    const fields = rest.trim().split(/\s+/)
    if (!rest.startsWith(" ") || fields.length < 1 || fields.length > 2) fail("expected ' value [timestamp]'")
    const value = parseValue(fields[0]!, fail)
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) fail("bad timestamp")
    let family = familyOf(name, families)
    if (family === undefined) {
      family = { name, type: "untyped", help: undefined, samples: [] }
      families.set(name, family)
    }
    enter(family)
    const key = seriesKey(name, labels)
    if (series.has(key)) fail(`duplicate series ${key}`)
    series.add(key)
    if (family.type === "counter" && (Number.isNaN(value) || value < 0)) fail("a counter must be >= 0")
    if ((family.type === "counter" || family.type === "gauge") && name !== family.name) fail(`sample ${name} in ${family.type} ${family.name}`)
    family.samples.push({ name, labels, value })
  })
  for (const family of families.values()) {
    if (family.type === "histogram") {
      checkHistogram(family, (m) => {
        throw new Error(m)
      })
    }
  }
  return families
}

/** The value of the first sample `name` whose labels include `labels`. */
export const sampleValue = (
  families: Map<string, Family>,
  name: string,
  labels: Labels = {}
): number | undefined => {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value
    }
  }
  return undefined
}
