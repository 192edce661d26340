/**
 * The first backend of an intercepted login: the chosen server's (BackendJoin.ts), or the limbo
 * first when a plugin sent the player there or the server lists `limbo_handlers`
 * (InitialServer.ts). Either way a logged-in backend leg, or why not.
 */
import { Effect } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { LimboVisit } from "../../limbo/Limbo.ts"
import { type JoinResult, joinBackend } from "./BackendJoin.ts"
import type { BackendLeg } from "./BackendLeg.ts"
import type { BackendLoggedIn } from "./BackendLogin.ts"
import type { InitialChoice } from "./InitialServer.ts"
import { joinLimbo } from "./LimboJoin.ts"
import type { SwitchContext } from "./ServerSwitch.ts"

export type FirstBackend =
  | Extract<JoinResult, { readonly _tag: "NotJoined" }>
  | {
    readonly _tag: "Joined"
    /** The server the player is headed for (in the limbo: after it). */
    readonly server: LoadedServer
    readonly backend: BackendLeg
    readonly login: BackendLoggedIn
    /** Set when the backend is the limbo. */
    readonly visit: LimboVisit | undefined
  }

export const firstBackend = Effect.fnUntraced(function*(sc: SwitchContext, choice: Exclude<InitialChoice, { readonly _tag: "Refusal" }>) {
  if ("_tag" in choice) {
    const joined = yield* joinLimbo(sc, choice.server, choice.request)
    if (joined._tag === "NotJoined") {
      return { _tag: "NotJoined", text: joined.text, detail: joined.detail, level: "Info", unreachable: false } as FirstBackend
    }
    yield* sc.session.transition({ _tag: "Limbo", waitingFor: choice.server.id }, 0)
    return { _tag: "Joined", server: choice.server, backend: joined.backend, login: joined.login, visit: joined.visit } as FirstBackend
  }
  const joined = yield* joinBackend({ ...sc, server: choice })
  if (joined._tag === "NotJoined") return joined as FirstBackend
  return { _tag: "Joined", server: choice, backend: joined.backend, login: joined.login, visit: undefined } as FirstBackend
})
