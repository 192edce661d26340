#!/usr/bin/env node
/**
 * Process entry: parse the command line, run the proxy until SIGINT/SIGTERM.
 *
 * Started through src/cli/infrarust-ts (the package's bin and `npm start`), which finds Node 24
 * and `exec`s it, so this process is the one npm, systemd or a container runtime signals.
 *
 * Exit codes: 0 after a clean shutdown (signals included), 2 for a configuration error
 * (the message names the file, key and expectation), 1 for anything else (e.g. the bind
 * address is taken). This is the only file that runs an Effect on the main thread (worker
 * threads, when `worker_threads` asks for them, start in src/workers/WorkerMain.ts).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Result } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { parseCli, USAGE } from "./cli/Cli.ts"
import * as Logging from "./observability/Logging.ts"
import { makeLogRing } from "./observability/LogRing.ts"
import { parseBindOption, ProxyLayer } from "./ProxyLayer.ts"

const command = parseCli(process.argv.slice(2), process.env)

const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return 0
  const error = Cause.squash(exit.cause) as { readonly _tag?: string }
  return error?._tag === "ConfigError" || error?._tag === "PluginConfigError" ? 2 : 1
}

switch (command._tag) {
  case "Help":
    process.stdout.write(USAGE)
    break
  case "Version":
    process.stdout.write(`infrarust-ts ${packageJson.version}\n`)
    break
  case "Invalid":
    process.stderr.write(`infrarust-ts: ${command.message}\n\n${USAGE}`)
    process.exitCode = 2
    break
  case "Run": {
    const { options } = command
    const bind = options.bind === undefined ? undefined : parseBindOption(options.bind)
    if (bind !== undefined && Result.isFailure(bind)) {
      process.stderr.write(`infrarust-ts: ${bind.failure}\n`)
      process.exitCode = 2
      break
    }
    // The last log lines, for the admin API (installed beside the stdout logger).
    const logRing = makeLogRing()
    // Warnings from the command line (an unreadable log level) go through the logger, as entries.
    const program = Effect.andThen(Effect.forEach(options.warnings, (w) => Effect.logWarning(w), { discard: true }), Layer.launch(
      ProxyLayer({
        configPath: options.config,
        pluginsDir: options.pluginsDir,
        bind: bind?.success,
        workerLogFormat: options.logFormat,
        logRing,
        // Same path as a signal: runMain interrupts the program and the proxy drains.
        requestShutdown: Effect.sync(() => process.kill(process.pid, "SIGTERM")),
        console: {
          input: process.stdin,
          write: (text) => process.stdout.write(text),
          interactive: process.stdin.isTTY === true
        }
      })
    )).pipe(
      Effect.tapError((error) => Effect.logError(error.message)),
      Effect.provide(Logging.layer({ format: options.logFormat, level: options.logLevel, ring: logRing }))
    )
    NodeRuntime.runMain(program, {
      disableErrorReporting: true,
      teardown: (exit, onExit) => onExit(exitCodeOf(exit))
    })
  }
}
