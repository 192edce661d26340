/**
 * Building blocks for the config schemas: TOML tables whose keys are snake_case in the file and
 * camelCase once decoded, defaults written in TOML terms, and the value types the tables share
 * (bounded integers, CIDR strings, server identifiers).
 *
 * Invariant: every decoding step of a table (defaults, durations, addresses, checks) runs on the
 * snake_case side, so every issue path names the key as it is written in the file; the rename to
 * camelCase is the very last step and cannot fail. (`Schema.encodeKeys` runs field
 * transformations after the rename, which would report `statusWindow` for `status_window`.)
 */
import { Effect, Result, Schema, SchemaGetter, SchemaIssue, SchemaTransformation } from "effect"
import { parseCidr } from "../address/Cidr.ts"

/** `statusWindow` → `status_window`, at the type level. Digits stay attached (`ipv6Prefix`). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

/** `statusWindow` → `status_window`. */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

type TypeFields<F extends Schema.Struct.Fields> = { readonly [K in keyof F]: Schema.toType<F[K]> }
type FileFields<F extends Schema.Struct.Fields> = { readonly [K in keyof F as SnakeCase<K & string>]: F[K] }

/** A TOML table: declared with camelCase fields, read from snake_case keys. */
export interface Table<F extends Schema.Struct.Fields>
  extends Schema.decodeTo<Schema.Struct<TypeFields<F>>, Schema.Struct<FileFields<F>>>
{}

const renamer = (mapping: Readonly<Record<string, string>>) => (input: Readonly<Record<string, unknown>>) => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    const renamed = mapping[key]
    // Keys outside the mapping (the open [permissions] table) are dropped here.
    if (renamed !== undefined) out[renamed] = value
  }
  return out
}

/** The snake_case struct `file` (as `fileStruct` wraps it), renamed to the camelCase `fields` as the last step. */
const renamedTable = <F extends Schema.Struct.Fields>(
  fields: F,
  fileStruct: (file: Schema.Struct.Fields) => Schema.Codec<{ readonly [x: string]: unknown }, unknown, unknown, unknown>
): Table<F> => {
  const file: Record<string, Schema.Constraint> = {}
  const type: Record<string, Schema.Constraint> = {}
  const toCamel: Record<string, string> = {}
  const toSnake: Record<string, string> = {}
  for (const [key, field] of Object.entries(fields)) {
    const snake = snakeCase(key)
    file[snake] = field
    type[key] = Schema.toType(field)
    toCamel[snake] = key
    toSnake[key] = snake
  }
  return fileStruct(file).pipe(
    Schema.decodeTo(
      Schema.Struct(type),
      SchemaTransformation.transform({ decode: renamer(toCamel), encode: renamer(toSnake) })
    )
  ) as unknown as Table<F>
}

/** A table with a fixed set of keys; unknown keys are rejected when decoding with `onExcessProperty: "error"`. */
export const table = <const F extends Schema.Struct.Fields>(fields: F): Table<F> =>
  renamedTable(fields, (file) => Schema.Struct(file))

/** A table that tolerates keys it does not know (they are dropped): Infrarust's `[permissions]`. */
export const openTable = <const F extends Schema.Struct.Fields>(fields: F): Table<F> =>
  renamedTable(fields, (file) => Schema.StructWithRest(Schema.Struct(file), [Schema.Record(Schema.String, Schema.Unknown)]))

/**
 * A key that may be left out, with its default written as it would be in the file.
 *
 * Not `Schema.withDecodingDefaultKey`: that validates the key against the schema's encoded side
 * first and only then runs its transformations, so a nested table with one bad integer would
 * hide a bad duration next to it. Here the encoded side accepts anything and the field's own
 * schema does all the checking, so every mistake in a table is reported in one pass.
 */
export const withDefault = <S extends Schema.Top>(schema: S, fileValue: S["Encoded"]) =>
  Schema.optionalKey(Schema.Unknown).pipe(
    Schema.decodeTo(schema, {
      decode: SchemaGetter.withDefault(Effect.succeed(fileValue)) as unknown as SchemaGetter.Getter<
        S["Encoded"],
        unknown
      >,
      encode: SchemaGetter.passthrough({ strict: false })
    })
  )

/** A table that may be left out entirely, in which case every key takes its default. */
export const defaultTable = <S extends Schema.Top>(schema: S) => withDefault(schema, {} as S["Encoded"])

const wholeNumber = Schema.Number.annotate({ expected: "a whole number" })

/** An integer in `[min, max]` (TOML integers; Rust's unsigned types). */
export const integer = (min: number, max: number) =>
  wholeNumber.check(
    Schema.makeFilter((n: number) => Number.isInteger(n) && n >= min && n <= max, {
      expected: max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`
    })
  )

/** Rust `u32`. */
export const U32 = integer(0, 4_294_967_295)
/** Rust `usize`/`u64`, limited to what a JavaScript number holds exactly. */
export const U64 = integer(0, Number.MAX_SAFE_INTEGER)

export const Str = Schema.String.annotate({ expected: "a string" })
export const Bool = Schema.Boolean.annotate({ expected: "true or false" })
export const StringList = Schema.Array(Str).annotate({ expected: "an array of strings" })

/**
 * A string decoded to `to` by `parse`; a failure reads `expected ${expected}, got "text" (reason)`.
 * Encoding writes the value back with `format`.
 */
export const parsedString = <S extends Schema.Top>(
  to: S,
  expected: string,
  parse: (text: string) => Result.Result<S["Encoded"], string>,
  format: (value: S["Encoded"]) => string
) =>
  Schema.String.annotate({ expected }).pipe(
    Schema.decodeTo(
      to,
      SchemaTransformation.transformEffect({
        decode: (text: string) =>
          Result.match(parse(text), {
            onSuccess: Effect.succeed,
            onFailure: (reason) =>
              Effect.fail(
                new SchemaIssue.InvalidValue({ message: `expected ${expected}, got ${JSON.stringify(text)} (${reason})` })
              )
          }),
        encode: (value: S["Encoded"]) => Effect.succeed(format(value))
      })
    )
  )

/** A string that is not empty (nor only whitespace). */
export const NonBlank = Str.check(
  Schema.makeFilter((s: string) => s.trim().length > 0, { expected: "a non-empty string" })
)

/** An IP address or CIDR block (`"10.0.0.0/8"`, `"192.168.1.5"`, `"2001:db8::/32"`), kept as text. */
export const CidrText = Str.check(
  Schema.makeFilter((s: string) => {
    const parsed = parseCidr(s)
    return Result.isSuccess(parsed) ||
      `expected an IP address or CIDR block like "10.0.0.0/8", got ${JSON.stringify(s)} (${parsed.failure.detail})`
  }, { expected: `an IP address or CIDR block like "10.0.0.0/8"` })
)

export const CidrList = Schema.Array(CidrText).annotate({ expected: "an array of CIDR blocks" })

/** Server `name` and `network`: 1-64 characters of `[a-z0-9_-]` (`cfg/validation.rs`). */
export const Identifier = Str.check(
  Schema.makeFilter(
    (s: string) =>
      (s.length >= 1 && s.length <= 64 &&
        [...s].every((c) => (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "_" || c === "-")) ||
      `expected 1-64 characters of a-z, 0-9, _ and -, got ${JSON.stringify(s)}`,
    { expected: "1-64 characters of a-z, 0-9, _ and -" }
  )
)

/** A fraction between 0 and 1 inclusive (`sampling_ratio`). */
export const Ratio = Schema.Number.annotate({ expected: "a number" }).check(
  Schema.makeFilter((n: number) => Number.isFinite(n) && n >= 0 && n <= 1, { expected: "a number from 0.0 to 1.0" })
)
