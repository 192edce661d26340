/**
 * A bounded memo of text derived from text (an address's normal form, its rate-limit key): every
 * connection derives the same few strings several times, and parsing them each time was a visible
 * share of a status ping's CPU. Bounded: a flood from many addresses only empties it now and then.
 */
export class TextMemo {
  readonly #entries = new Map<string, string>()
  readonly #max: number
  constructor(max: number) {
    this.#max = max
  }
  get(key: string): string | undefined {
    return this.#entries.get(key)
  }
  /** Remembers `value` for `key` and returns it. */
  set(key: string, value: string): string {
    if (this.#entries.size >= this.#max) this.#entries.clear()
    this.#entries.set(key, value)
    return value
  }
}
