/**
 * MOTD favicons: a `favicon` value in `[motd.<state>]` / `[default_motd.<state>]` becomes the
 * `data:image/png;base64,...` URI the server list needs, or a clear error.
 *
 * A value is read as:
 * - `data:...` — a data URI; it must be `data:image/png;base64,`;
 * - a base64 PNG — base64 text starting with `iVBORw0KGgo` (the encoded PNG signature);
 * - anything else — a file path; a relative one is resolved against the config file's directory
 *   (the `base` given to {@link loadFavicon}; Infrarust uses the working directory).
 * Whatever the source, the bytes must be a PNG whose IHDR says 64x64 (the only size the
 * client draws) and at most {@link MAX_FAVICON_BYTES}. Infrarust's bug of copying the raw
 * value (a path) into the JSON cannot happen: only checked data URIs leave this module.
 */
import { Effect, FileSystem, Result, Schema } from "effect"
import * as NodePath from "node:path"

export class FaviconError extends Schema.TaggedError<FaviconError>()("FaviconError", {
  /** The value as configured (a path, or the start of inline data). */
  source: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `favicon ${this.source}: ${this.reason}`
  }
}

export const FAVICON_SIZE = 64
/**
 * The status response is one string of at most 32767 UTF-16 units and base64 grows data by
 * 4/3: 20 KiB of PNG leaves about 5000 characters for the rest of the response.
 */
export const MAX_FAVICON_BYTES = 20 * 1024
export const PNG_DATA_URI_PREFIX = "data:image/png;base64,"

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const
/** The base64 text of the PNG signature: how inline base64 is told from a path. */
const BASE64_PNG_START = "iVBORw0KGgo"
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Why `bytes` is not a usable favicon, or undefined when it is a 64x64 PNG. */
export const checkFaviconPng = (bytes: Uint8Array): string | undefined => {
  if (bytes.length > MAX_FAVICON_BYTES) {
    return `the image is ${bytes.length} bytes; at most ${MAX_FAVICON_BYTES} fit in a status response`
  }
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return "not a PNG image (the PNG signature is missing)"
  // The first chunk must be IHDR: u32 length, "IHDR", u32 width, u32 height (big-endian).
  if (String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!) !== "IHDR") return "not a valid PNG image (no IHDR chunk first)"
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const width = view.getUint32(16)
  const height = view.getUint32(20)
  if (width !== FAVICON_SIZE || height !== FAVICON_SIZE) {
    return `the image is ${width}x${height}; the server list needs exactly ${FAVICON_SIZE}x${FAVICON_SIZE}`
  }
  return undefined
}

export type FaviconSource =
  | { readonly _tag: "Inline"; readonly base64: string }
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** How a configured value is read (see the module comment). */
export const classifyFavicon = (value: string): FaviconSource => {
  const text = value.trim()
  if (text.startsWith("data:")) {
    return text.startsWith(PNG_DATA_URI_PREFIX)
      ? { _tag: "Inline", base64: text.slice(PNG_DATA_URI_PREFIX.length) }
      : { _tag: "Invalid", reason: `only PNG data URIs are accepted (they start with "${PNG_DATA_URI_PREFIX}")` }
  }
  if (text.startsWith(BASE64_PNG_START)) return { _tag: "Inline", base64: text }
  if (text === "") return { _tag: "Invalid", reason: "the value is empty" }
  return { _tag: "File", path: text }
}

const dataUri = (bytes: Uint8Array): string => PNG_DATA_URI_PREFIX + Buffer.from(bytes).toString("base64")

/** Inline base64 checked and turned into a data URI. */
export const inlineFavicon = (base64: string): Result.Result<string, string> => {
  const compact = base64.replace(/\s+/g, "")
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return Result.fail("the inline data is not valid base64")
  const bytes = Buffer.from(compact, "base64")
  const problem = checkFaviconPng(bytes)
  return problem === undefined ? Result.succeed(dataUri(bytes)) : Result.fail(problem)
}

/** How a value is named in messages: a path as is, inline data by its first characters. */
const shown = (value: string, source: FaviconSource): string =>
  source._tag === "File" ? `"${source.path}"` : `"${value.trim().slice(0, 24)}…" (inline)`

/** The data URI for a configured value; the file, when it is one, is read now (relative to `base`). */
export const loadFavicon = (value: string, base: string = "."): Effect.Effect<string, FaviconError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const classified = classifyFavicon(value)
    const source = classified._tag === "File" ? { ...classified, path: NodePath.resolve(base, classified.path) } : classified
    const fail = (reason: string) => new FaviconError({ source: shown(value, source), reason })
    switch (source._tag) {
      case "Invalid":
        return yield* fail(source.reason)
      case "Inline": {
        const uri = inlineFavicon(source.base64)
        return Result.isSuccess(uri) ? uri.success : yield* fail(uri.failure)
      }
      case "File": {
        const fs = yield* FileSystem.FileSystem
        const info = yield* fs.stat(source.path).pipe(Effect.mapError((e) => fail(`cannot read the file (${e.message})`)))
        if (info.type !== "File") return yield* fail("not a file")
        if (Number(info.size) > MAX_FAVICON_BYTES) {
          return yield* fail(`the file is ${Number(info.size)} bytes; at most ${MAX_FAVICON_BYTES} fit in a status response`)
        }
        const bytes = yield* fs.readFile(source.path).pipe(Effect.mapError((e) => fail(`cannot read the file (${e.message})`)))
        const problem = checkFaviconPng(bytes)
        return problem === undefined ? dataUri(bytes) : yield* fail(problem)
      }
    }
  })
