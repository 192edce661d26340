/**
 * Worker program for Addon.test.ts: starts a pair whose reader never reads (bytes stuck in the
 * pipes) and reports "running"; the test then terminates the worker mid-relay, which exercises
 * the addon's environment-teardown path (thread joined, descriptors closed, no crash).
 */
import { parentPort } from "node:worker_threads"
import { splicedPair, waitFor } from "../rig.ts"

const rig = await splicedPair()
rig.backend.pause()
rig.client.write(Buffer.alloc(16 * 1024 * 1024))
await waitFor("bytes moving", () => rig.handle.bytes().c2b > 0)
parentPort?.postMessage("running")
