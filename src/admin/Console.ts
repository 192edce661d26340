/**
 * The console on stdin: one command per line (ConsoleCommands.ts), answered on stdout.
 *
 * - Reads from a terminal or a pipe alike (scripts may feed it); shows a `> ` prompt only on a
 *   terminal.
 * - Closed stdin (EOF, `/dev/null` under a service manager) ends the console quietly, once: the
 *   proxy goes on, and nothing polls the closed stream (no busy loop).
 * - Commands run one at a time, in order, in the console's own fiber: a slow command delays the
 *   next command, never the proxy.
 */
import { Clock, Effect, Layer, Queue, Stream } from "effect"
import { createInterface } from "node:readline"
import type { Readable } from "node:stream"
import { AdminActions } from "./AdminActions.ts"
import { runLine } from "./ConsoleCommands.ts"

export interface ConsoleOptions {
  readonly input: Readable
  readonly write: (text: string) => void
  /** A terminal: show a prompt. */
  readonly interactive: boolean
  readonly requestShutdown?: Effect.Effect<void> | undefined
}

/** Longest line read; anything longer is cut (a console command is a few words). */
const MAX_LINE = 4096

export const ConsoleLayer = (options: ConsoleOptions) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const actions = yield* AdminActions
    const env = { actions, startedAt: yield* Clock.currentTimeMillis, requestShutdown: options.requestShutdown }
    const prompt = () => {
      if (options.interactive) options.write("> ")
    }
    const lines = Stream.callback<string>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const reader = createInterface({ input: options.input, terminal: false, crlfDelay: Infinity })
          reader.on("line", (line) => Queue.offerUnsafe(queue, line.slice(0, MAX_LINE)))
          reader.on("close", () => Queue.endUnsafe(queue))
          // A broken stdin (EIO on a hung-up terminal) ends the console like EOF.
          options.input.on("error", () => reader.close())
          return reader
        }),
        (reader) => Effect.sync(() => reader.close())
      ), { bufferSize: 1024, strategy: "dropping" })
    prompt()
    yield* lines.pipe(
      Stream.runForEach((line) =>
        Effect.gen(function*() {
          const answer = yield* runLine(line, env)
          if (answer.length > 0) options.write(`${answer.join("\n")}\n`)
          prompt()
        })
      ),
      Effect.andThen(Effect.logDebug("stdin closed: the console is off (the proxy keeps running)")),
      Effect.forkScoped
    )
  }))
