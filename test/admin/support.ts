/**
 * Test helpers for the admin API: a real proxy with `[web]` started once per test file (its
 * scope closed after the file), and a plain node:http client that can pick its source address
 * (the rate limit is per client) and reads answers as JSON or as an SSE stream.
 */
import { Effect, Exit, Scope } from "effect"
import * as Http from "node:http"
import { type ProxyFiles, type ProxyFixture, startProxy } from "../support/ProxyHarness.ts"

export const API_KEY = "test-admin-key-0123456789"

export interface AdminProxy extends ProxyFixture {
  readonly admin: number
  readonly close: () => Promise<void>
}

/** `[web]` on 127.0.0.1:0 with {@link API_KEY} and `extraWeb` lines, after `files.global`. */
export const startAdminProxy = async (files: ProxyFiles = {}, extraWeb = ""): Promise<AdminProxy> => {
  const scope = Effect.runSync(Scope.make())
  const global = `${files.global ?? ""}\n[web]\nbind = "127.0.0.1:0"\napi_key = "${API_KEY}"\n${extraWeb}\n`
  const fixture = await Effect.runPromise(Scope.provide(scope)(startProxy({ ...files, global })))
  const admin = await Effect.runPromise(fixture.adminPort)
  return { ...fixture, admin, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
  readonly json: any
}

export interface CallOptions {
  /** The key to send as Bearer; null = no Authorization header. Default {@link API_KEY}. */
  readonly key?: string | null
  readonly headers?: Record<string, string>
  readonly body?: unknown
  /** Raw body text (bad JSON tests). */
  readonly raw?: string
  readonly localAddress?: string
}

export const call = (port: number, method: string, path: string, options: CallOptions = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const key = options.key === undefined ? API_KEY : options.key
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const request = Http.request({
      host: "127.0.0.1",
      port,
      method,
      path,
      localAddress: options.localAddress,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers
      }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (c: string) => (text += c))
      response.on("end", () => {
        let json: unknown
        try {
          json = text === "" ? undefined : JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json })
      })
    })
    request.setTimeout(10_000, () => request.destroy(new Error(`${method} ${path}: no answer in 10 s`)))
    request.on("error", reject)
    request.end(payload)
  })

export interface SseEvent {
  readonly event: string
  readonly data: any
}

export interface SseClient {
  readonly events: Array<SseEvent>
  /** Resolves with the first event (seen so far or later) matching `pick`; rejects after `timeoutMs`. */
  readonly next: (pick: (e: SseEvent) => boolean, timeoutMs?: number) => Promise<SseEvent>
  readonly close: () => void
  readonly status: number
}

/** Opens an SSE stream (`path` with its query) and parses its frames as they arrive. */
export const openSse = (port: number, path: string, headers: Record<string, string> = {}): Promise<SseClient> =>
  new Promise((resolve, reject) => {
    const request = Http.get({ host: "127.0.0.1", port, path, headers: { accept: "text/event-stream", ...headers } }, (response) => {
      const events: Array<SseEvent> = []
      const waiters: Array<() => void> = []
      let buffer = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const name = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (name !== undefined && data !== undefined) events.push({ event: name, data: JSON.parse(data) })
        }
        for (const wake of waiters.splice(0)) wake()
      })
      const next = (pick: (e: SseEvent) => boolean, timeoutMs = 10_000) =>
        new Promise<SseEvent>((found, fail) => {
          const timer = setTimeout(() => fail(new Error(`no matching event in ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => e.event))}`)), timeoutMs)
          const check = () => {
            const hit = events.find(pick)
            if (hit !== undefined) {
              clearTimeout(timer)
              found(hit)
            } else waiters.push(check)
          }
          check()
        })
      resolve({ events, next, close: () => request.destroy(), status: response.statusCode ?? 0 })
    })
    request.on("error", reject)
  })
