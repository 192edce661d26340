/**
 * One end of a TCP connection as the proxy reasons about it: a normalised IP address (IPv4-mapped
 * IPv6 shown as IPv4, as Node reports either) and a port.
 */
import { normalizeRemoteAddress } from "./IpAddress.ts"

export interface Endpoint {
  readonly address: string
  readonly port: number
}

/** A socket's address and port as Node reports them (undefined once the socket is gone). */
export const endpointOf = (address: string | undefined, port: number | undefined): Endpoint => ({
  address: normalizeRemoteAddress(address ?? "0.0.0.0"),
  port: port ?? 0
})

/**
 * A socket's local end, asked of the kernel (getsockname) only when read: only a PROXY header
 * to a backend needs it, and every other connection would pay a system call for nothing.
 */
export const lazyLocalEndpoint = (socket: LocalSide): Endpoint => new LazyLocal(socket)

interface LocalSide {
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
}

/** A class, not an object literal with getters: V8 builds those far more slowly, once per connection. */
class LazyLocal implements Endpoint {
  #known: Endpoint | undefined
  readonly #socket: LocalSide
  constructor(socket: LocalSide) {
    this.#socket = socket
  }
  #get(): Endpoint {
    return (this.#known ??= endpointOf(this.#socket.localAddress, this.#socket.localPort))
  }
  get address(): string {
    return this.#get().address
  }
  get port(): number {
    return this.#get().port
  }
}
