/**
 * The channel between the coordinator and one worker thread: typed requests with replies, and
 * one-way casts, over a MessagePort (the `Worker` object on one side, `parentPort` on the
 * other). Either side can call the other.
 *
 * Why not `effect/rpc`: its worker protocol has the main thread call into workers, and this
 * proxy needs the opposite (workers call the coordinator, which calls back during a login's
 * backend dial); and every payload here is plain data that structured clone carries as is, so
 * a Schema encode/decode per call would be pure overhead. Messages are small objects: `{k: 0 request | 1 success | 2 failure | 3 cast, i: id, o: op, p: payload}`.
 *
 * Invariants:
 * - a reply reaches the call that sent it or nobody: an interrupted call forgets its id;
 * - requests are served in fibers of the link's Scope: closing it (the worker went away)
 *   interrupts them, and calls still waiting for the other side are interrupted too;
 * - typed failures cross as `{tag, fields}` and are rebuilt with the error classes the link
 *   knows (`errors`), so `catchTag` works on both sides; defects cross as text;
 * - with tracing on, a request carries its caller's span ids (and whether it is sampled), and
 *   the handler runs under that span, so the coordinator's spans (status fetch, backend
 *   connect) join the worker's trace, or are not recorded when it is not.
 */
import { Cause, Effect, Exit, FiberSet, type Scope, Tracer } from "effect"

export interface PortLike {
  postMessage(value: unknown): void
  on(event: "message", listener: (value: any) => void): unknown
  off(event: "message", listener: (value: any) => void): unknown
}

/** One operation: what it takes, what it answers, how it may fail. */
export interface Op<P, A, E = never> {
  readonly payload: P
  readonly result: A
  readonly error: E
}

export type OpTable = { readonly [op: string]: Op<any, any, any> }

export type Handlers<T extends OpTable, R> = {
  readonly [K in keyof T]: (payload: T[K]["payload"]) => Effect.Effect<T[K]["result"], T[K]["error"], R>
}

type CastHandlers<C> = { readonly [K in keyof C]: (payload: C[K]) => void }

export interface Link<Out extends OpTable, OutCasts> {
  readonly call: <K extends keyof Out & string>(
    op: K,
    payload: Out[K]["payload"]
  ) => Effect.Effect<Out[K]["result"], Out[K]["error"]>
  readonly cast: <K extends keyof OutCasts & string>(op: K, payload: OutCasts[K]) => void
}

/** A failure as it crosses: a typed error's tag and fields, or a defect as text. */
export type WireError = { readonly tag: string; readonly fields: Record<string, unknown> } | { readonly defect: string }

type Message =
  | {
    readonly k: 0
    readonly i: number
    readonly o: string
    readonly p: unknown
    /** The caller's span: trace id, span id, sampled. */
    readonly t?: readonly [string, string, boolean]
  }
  | { readonly k: 1; readonly i: number; readonly v: unknown }
  | { readonly k: 2; readonly i: number; readonly e: WireError }
  | { readonly k: 3; readonly o: string; readonly p: unknown }

/** Rebuilds a typed failure from its fields. */
export type ErrorCodecs = { readonly [tag: string]: (fields: Record<string, unknown>) => unknown }

export const encodeFailure = (cause: Cause.Cause<unknown>): WireError => {
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some") {
    const e = error.value as { readonly _tag?: unknown }
    if (typeof e === "object" && e !== null && typeof e._tag === "string") {
      const { _tag, ...fields } = e as Record<string, unknown>
      return { tag: _tag as string, fields }
    }
  }
  return { defect: Cause.pretty(cause) }
}

/** The failure `e` stood for: the typed error rebuilt with `errors` (or a tagged Error), or a defect. */
export const decodeFailure = (e: WireError, errors: ErrorCodecs): Cause.Cause<unknown> => {
  if ("defect" in e) return Cause.die(new Error(`remote defect: ${e.defect}`))
  const rebuild = errors[e.tag]
  return Cause.fail(
    rebuild !== undefined
      ? rebuild(e.fields)
      : Object.assign(new Error(String(e.fields["message"] ?? e.tag)), e.fields, { _tag: e.tag })
  )
}

/** Posts `value`; the error structured clone threw, if any. (A plain JS boundary.) */
const tryPost = (port: PortLike, value: unknown): unknown => {
  try {
    port.postMessage(value)
    return undefined
  } catch (error) {
    return error
  }
}

/**
 * Messages leave a port in batches: everything sent during one turn of the event loop (a batch
 * of fibers, a batch of received messages, log lines) goes in one postMessage at the end of it.
 * Each postMessage costs a wake-up of the other thread, which under load is most of the cost.
 * One outbox per port, shared by its Link and the senders that have none (a worker's logger,
 * its fatal report), so their messages keep their order.
 */
interface Outbox {
  readonly send: (message: Message) => void
  /** Posts what is waiting now (before the port goes away). */
  readonly flush: () => void
  /** What becomes of a message structured clone refused (set by the port's Link; casts are dropped). */
  unsent: (message: Message, error: unknown) => void
}

const outboxes = new WeakMap<PortLike, Outbox>()

const outboxOf = (port: PortLike): Outbox => {
  const known = outboxes.get(port)
  if (known !== undefined) return known
  let waiting: Array<Message> = []
  const flush = () => {
    const batch = waiting
    waiting = []
    if (batch.length === 0 || tryPost(port, batch.length === 1 ? batch[0] : batch) === undefined) return
    // Something in the batch cannot be cloned (a bug): send the rest, report the culprit.
    for (const message of batch) {
      const error = tryPost(port, message)
      if (error !== undefined) outbox.unsent(message, error)
    }
  }
  const outbox: Outbox = {
    send: (message) => {
      waiting.push(message)
      if (waiting.length === 1) queueMicrotask(flush)
    },
    flush,
    unsent: () => {}
  }
  outboxes.set(port, outbox)
  return outbox
}

/** Sends a cast over `port` without a Link (a worker's logger, its fatal report), batched with the Link's messages. */
export const castOver = (port: PortLike, op: string, payload: unknown): void => outboxOf(port).send({ k: 3, o: op, p: payload })

export const makeLink = <Out extends OpTable, OutCasts, In extends OpTable, InCasts>(
  port: PortLike,
  serve: {
    readonly handlers: Handlers<In, never>
    readonly casts: CastHandlers<InCasts>
  },
  errors: ErrorCodecs
): Effect.Effect<Link<Out, OutCasts>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pending = new Map<number, (reply: Effect.Effect<unknown, unknown>) => void>()
    let nextId = 1

    const outbox = outboxOf(port)
    const send = outbox.send
    outbox.unsent = (message, error) => {
      if (message.k === 0) pending.get(message.i)?.(Effect.die(new Error(`request not transferable: ${String(error)}`)))
      else if (message.k === 1 || message.k === 2) {
        port.postMessage({ k: 2, i: message.i, e: { defect: `reply not transferable: ${String(error)}` } } satisfies Message)
      }
    }
    const fibers = yield* FiberSet.make<unknown, unknown>()
    const run = yield* FiberSet.runtime(fibers)<never>()

    const call = (op: string, payload: unknown): Effect.Effect<any, any> =>
      Effect.withFiber((fiber) => {
        // Unsampled spans travel too: the handler's spans must not start traces of their own.
        const span = fiber.cache.tracerEnabled ? fiber.cache.span : undefined
        const trace = span === undefined ? undefined : [span.traceId, span.spanId, span.sampled] as const
        return Effect.callback<unknown, unknown>((resume) => {
          const id = nextId++
          pending.set(id, (reply) => {
            pending.delete(id)
            resume(reply)
          })
          send({ k: 0, i: id, o: op, p: payload, ...(trace === undefined ? {} : { t: trace }) })
          return Effect.sync(() => {
            pending.delete(id)
          })
        })
      })

    const link: Link<Out, OutCasts> = {
      call,
      cast: (op, payload) => send({ k: 3, o: op, p: payload })
    }
    const handlerOf = serve.handlers as unknown as Record<string, ((p: unknown) => Effect.Effect<unknown, unknown>) | undefined>
    const castOf = serve.casts as unknown as Record<string, ((p: unknown) => void) | undefined>

    const serveRequest = (message: Extract<Message, { k: 0 }>) => {
      const handler = handlerOf[message.o]
      if (handler === undefined) {
        send({ k: 2, i: message.i, e: { defect: `unknown operation ${message.o}` } })
        return
      }
      const effect = message.t === undefined
        ? handler(message.p)
        : Effect.withParentSpan(
          handler(message.p),
          Tracer.externalSpan({ traceId: message.t[0], spanId: message.t[1], sampled: message.t[2] })
        )
      run(effect).addObserver((exit) => {
        send(Exit.isSuccess(exit) ? { k: 1, i: message.i, v: exit.value } : { k: 2, i: message.i, e: encodeFailure(exit.cause) })
      })
    }

    const onOne = (message: Message) => {
      switch (message.k) {
        case 0:
          return serveRequest(message)
        case 1:
          return pending.get(message.i)?.(Effect.succeed(message.v))
        case 2:
          return pending.get(message.i)?.(Effect.failCause(decodeFailure(message.e, errors)))
        case 3:
          return castOf[message.o]?.(message.p)
      }
    }
    const onMessage = (data: Message | ReadonlyArray<Message>) => {
      if (!Array.isArray(data)) return onOne(data as Message)
      for (const message of data) onOne(message)
    }
    port.on("message", onMessage)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        outbox.flush()
        port.off("message", onMessage)
        // The other side is gone: nobody will answer these.
        for (const resume of [...pending.values()]) resume(Effect.interrupt)
        pending.clear()
      })
    )
    return link
  })
