/**
 * The messages between a plugin's sandbox worker (SandboxWorker.ts) and the proxy
 * (WasmSandbox.ts). Everything is plain data: it crosses the thread by structured clone.
 */
import type { ProxyEvent } from "../event/ProxyEvent.ts"
import type { Description } from "./ComponentCheck.ts"
import type { WasmEventTag } from "./WitValues.ts"

/** A component turned into JS bindings and memory-capped core modules, ready to instantiate. */
export interface Prepared {
  readonly js: string
  readonly modules: Readonly<Record<string, Uint8Array>>
}

export interface SandboxData {
  readonly id: string
  /** The component's bytes the first time; what that start prepared on restarts. */
  readonly source: { readonly _tag: "Component"; readonly bytes: Uint8Array } | { readonly _tag: "Prepared"; readonly prepared: Prepared }
  /** What the world looks like, once some worker has built it (the first one builds it). */
  readonly world: Description | undefined
  readonly maxMemoryBytes: number
  readonly configJson: string
  readonly dataDir: string
}

export type ToSandbox =
  | { readonly _tag: "Init"; readonly id: number }
  | { readonly _tag: "Call"; readonly id: number; readonly event: ProxyEvent; readonly current: unknown }

export type FromSandbox =
  | { readonly _tag: "World"; readonly world: Description }
  | { readonly _tag: "Prepared"; readonly prepared: Prepared }
  /** The component does not fit the world, or cannot run within its limits: it is not loaded. */
  | { readonly _tag: "Refused"; readonly message: string }
  | { readonly _tag: "Instantiated" }
  | { readonly _tag: "Log"; readonly level: "debug" | "info" | "warn" | "error"; readonly message: string }
  /** `events` for Init; the new result (undefined = keep the current one) for Call. */
  | { readonly _tag: "Done"; readonly id: number; readonly value: unknown; readonly events?: ReadonlyArray<WasmEventTag> }
  /** The plugin trapped (or broke a rule of the world): its instance is finished. */
  | { readonly _tag: "Trapped"; readonly id: number; readonly message: string }
