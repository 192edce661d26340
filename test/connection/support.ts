/**
 * The services the connection stages run over, built for real from a temporary configuration
 * directory (the same layers the proxy uses, minus the listener), for stage tests with in-memory
 * sockets.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { proxyServices } from "../../src/ProxyLayer.ts"
import { type ProxyDirFiles, writeProxyDir } from "../support/ProxyDir.ts"

export const stageServices = (files: ProxyDirFiles) =>
  Layer.unwrap(Effect.gen(function*() {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-stage-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    const { configPath } = writeProxyDir(dir, files)
    return proxyServices.pipe(Layer.provideMerge(ProxyConfigStore.layer(configPath)), Layer.provideMerge(NodeFileSystem.layer))
  }))
