/**
 * The web dashboard's files (src/admin/web/), served by the proxy itself: no CDN, nothing
 * fetched at run time. They are read once when the admin server starts and kept in memory
 * (a few tens of kilobytes).
 *
 * `index.html` is `no-cache` (a new version is picked up at once), the scripts and styles
 * `max-age=3600`; any other non-API path answers `index.html`, as Infrarust's SPA fallback does.
 * Every answer carries a strict Content-Security-Policy: scripts only from this origin, no inline
 * script, no framing — a second line of defence behind the dashboard rendering untrusted player
 * names and MOTDs as text.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { readdirSync, readFileSync } from "node:fs"
import { extname } from "node:path"

const WEB_DIR = new URL("./web/", import.meta.url)

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml"
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

interface Asset {
  readonly body: Uint8Array
  readonly type: string
}

/** Every file of the web directory, by name. */
const loadAssets = (): ReadonlyMap<string, Asset> => {
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(WEB_DIR)) {
    const type = TYPES[extname(name)]
    if (type !== undefined) assets.set(name, { body: readFileSync(new URL(name, WEB_DIR)), type })
  }
  return assets
}

const respond = (asset: Asset, cache: string) =>
  HttpServerResponse.uint8Array(asset.body, {
    contentType: asset.type,
    headers: { "cache-control": cache, "content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" }
  })

/** Routes for `/`, each asset, and the fallback to `index.html`. */
export const dashboardRoutes = Layer.unwrap(Effect.sync(() => {
  const assets = loadAssets()
  const index = assets.get("index.html")!
  const routes = [...assets].filter(([name]) => name !== "index.html").map(([name, asset]) =>
    HttpRouter.add("GET", `/${name}`, Effect.succeed(respond(asset, "max-age=3600")))
  )
  const page = Effect.succeed(respond(index, "no-cache"))
  return Layer.mergeAll(HttpRouter.add("GET", "/", page), HttpRouter.add("GET", "/*", page), ...routes)
}))
