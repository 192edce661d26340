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
