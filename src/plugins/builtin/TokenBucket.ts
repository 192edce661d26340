/**
 * A token bucket for the premium lookups: `capacity` lookups at once, refilled evenly so that
 * `capacity` more are allowed per `windowMs` (Mojang's profile API allows about 600 lookups per
 * 10 minutes and an IP over it gets 429s for a while). The caller passes the time, so the bucket
 * is plain data and cheap enough to ask on every login.
 */
export class TokenBucket {
  private tokens: number
  private last: number | undefined

  private readonly capacity: number
  private readonly windowMs: number

  constructor(capacity: number, windowMs: number) {
    this.capacity = capacity
    this.windowMs = windowMs
    this.tokens = capacity
  }

  /** Takes one token at `now` (milliseconds); false when the bucket is empty. */
  take(now: number): boolean {
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.windowMs)
    }
    this.last = Math.max(now, this.last ?? now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
