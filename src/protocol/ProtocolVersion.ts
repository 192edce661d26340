/**
 * Release protocol numbers of Java Edition since the Netty rewrite (1.7.2, protocol 4), and the
 * version gates the codecs branch on.
 *
 * The table is copied (as data) from PrismarineJS minecraft-data 3.117.0,
 * `data/pc/common/protocolVersions.json`, keeping releases only (no snapshots, pre-releases,
 * release candidates or April Fools builds); `test/protocol/ProtocolVersion.test.ts` checks it
 * against that file. Several releases can share one number (1.8–1.8.9 are all 47): such
 * releases speak the same protocol, which is what "compatible by name" relies on.
 */

/** [protocol, release names oldest first], oldest protocol first. */
const RELEASES: ReadonlyArray<readonly [number, ReadonlyArray<string>]> = [
  [4, ["1.7.2", "1.7.4", "1.7.5"]],
  [5, ["1.7.6", "1.7.7", "1.7.8", "1.7.9", "1.7.10"]],
  [47, ["1.8", "1.8.1", "1.8.2", "1.8.3", "1.8.4", "1.8.5", "1.8.6", "1.8.7", "1.8.8", "1.8.9"]],
  [107, ["1.9"]],
  [108, ["1.9.1"]],
  [109, ["1.9.2"]],
  [110, ["1.9.3", "1.9.4"]],
  [210, ["1.10", "1.10.1", "1.10.2"]],
  [315, ["1.11"]],
  [316, ["1.11.1", "1.11.2"]],
  [335, ["1.12"]],
  [338, ["1.12.1"]],
  [340, ["1.12.2"]],
  [393, ["1.13"]],
  [401, ["1.13.1"]],
  [404, ["1.13.2"]],
  [477, ["1.14"]],
  [480, ["1.14.1"]],
  [485, ["1.14.2"]],
  [490, ["1.14.3"]],
  [498, ["1.14.4"]],
  [573, ["1.15"]],
  [575, ["1.15.1"]],
  [578, ["1.15.2"]],
  [735, ["1.16"]],
  [736, ["1.16.1"]],
  [751, ["1.16.2"]],
  [753, ["1.16.3"]],
  [754, ["1.16.4", "1.16.5"]],
  [755, ["1.17"]],
  [756, ["1.17.1"]],
  [757, ["1.18", "1.18.1"]],
  [758, ["1.18.2"]],
  [759, ["1.19"]],
  [760, ["1.19.1", "1.19.2"]],
  [761, ["1.19.3"]],
  [762, ["1.19.4"]],
  [763, ["1.20", "1.20.1"]],
  [764, ["1.20.2"]],
  [765, ["1.20.3", "1.20.4"]],
  [766, ["1.20.5", "1.20.6"]],
  [767, ["1.21", "1.21.1"]],
  [768, ["1.21.2", "1.21.3"]],
  [769, ["1.21.4"]],
  [770, ["1.21.5"]],
  [771, ["1.21.6"]],
  [772, ["1.21.7", "1.21.8"]],
  [773, ["1.21.9", "1.21.10"]],
  [774, ["1.21.11"]],
  [775, ["26.1", "26.1.1", "26.1.2"]],
  [776, ["26.2"]],
  [777, ["26.3"]]
]

/** 1.7.2, the first protocol of the Netty era (the handshake this proxy parses). */
export const OLDEST_KNOWN_PROTOCOL = 4
/** 26.3, the newest release in the table. */
export const NEWEST_KNOWN_PROTOCOL = 777

// Version gates (https://minecraft.wiki/w/Protocol_version_numbers, checked against
// minecraft-data's per-version protocol.json for the Login Start layouts).
/** 1.7.6: Login Success's UUID string gains its dashes (1.7.2–1.7.5 send 32 hex digits). */
export const PROTOCOL_1_7_6 = 5
/** 1.8: Set Compression exists; byte arrays get VarInt lengths (1.7 used signed 16-bit ones). */
export const PROTOCOL_1_8 = 47
/** 1.13: login plugin request/response exist (Velocity modern forwarding needs them). */
export const PROTOCOL_1_13 = 393
/** 1.16: Login Success sends the UUID as 16 bytes instead of a string. */
export const PROTOCOL_1_16 = 735
/** 1.19: Login Start gains optional signature data (chat signing keys). */
export const PROTOCOL_1_19 = 759
/** 1.19.1–1.19.2: Login Start = name, optional signature data, optional UUID. */
export const PROTOCOL_1_19_1 = 760
/** 1.19.3: signature data leaves Login Start; name + optional UUID remain. */
export const PROTOCOL_1_19_3 = 761
/** 1.20.2: Login Start's UUID becomes mandatory; the configuration state appears. */
export const PROTOCOL_1_20_2 = 764
/** 1.20.5: handshake next state 3 (transfer) exists. */
export const PROTOCOL_1_20_5 = 766
/** 1.21.2: Login Success loses the `strict_error_handling` flag that 1.20.5–1.21.1 carry. */
export const PROTOCOL_1_21_2 = 768

/**
 * Snapshot protocol numbers have bit 30 set (0x40000000 | n) since 1.16.4-pre1
 * (https://minecraft.wiki/w/Protocol_version_numbers).
 */
export const SNAPSHOT_PROTOCOL_BIT = 0x40000000

export interface Release {
  readonly protocol: number
  /** Every release name using this protocol, oldest first. */
  readonly names: ReadonlyArray<string>
  /** One release ("1.12.2") or a range of releases ("1.8–1.8.9"). */
  readonly displayName: string
}

/** All known releases, oldest protocol first. */
export const releases: ReadonlyArray<Release> = RELEASES.map(([protocol, names]) => ({
  protocol,
  names,
  displayName: names.length === 1 ? names[0]! : `${names[0]!}–${names[names.length - 1]!}`
}))

const byProtocol = new Map(releases.map((r) => [r.protocol, r]))
const byName = new Map(releases.flatMap((r) => r.names.map((n) => [n, r.protocol] as const)))

/** The release(s) speaking `protocol`, or `undefined` for unknown numbers and snapshots. */
export const releaseOf = (protocol: number): Release | undefined => byProtocol.get(protocol)

/** Display name for `protocol` ("1.20.3–1.20.4"), or `undefined` if it is not a known release. */
export const nameOf = (protocol: number): string | undefined => byProtocol.get(protocol)?.displayName

/** Protocol number of a release name ("1.8.9" → 47), or `undefined`. */
export const protocolOf = (name: string): number | undefined => byName.get(name)

export const isKnownProtocol = (protocol: number): boolean => byProtocol.has(protocol)

export const isSnapshotProtocol = (protocol: number): boolean =>
  protocol > 0 && (protocol & SNAPSHOT_PROTOCOL_BIT) !== 0
