/**
 * A circuit breaker for calls to a shared dependency (Redis): after
 * `failures` failures in a row it opens and callers skip the dependency for
 * `openMs`; then one call is let through as a probe, and a success closes it.
 * A frozen Redis then costs a few requests one command timeout each, not
 * every request.
 */
export interface BreakerOptions {
  failures: number;
  openMs: number;
}

export class CircuitBreaker {
  private failed = 0;
  private openUntil = 0;
  private probing = false;

  constructor(private readonly options: BreakerOptions) {}

  /** True when a call may go to the dependency now (closed, or the one probe after openMs). */
  allows(now = Date.now()): boolean {
    if (this.failed < this.options.failures) return true;
    if (now < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** True while callers are told to skip the dependency. */
  get open(): boolean {
    return this.failed >= this.options.failures && Date.now() < this.openUntil;
  }

  /** Runs a call, counting its outcome. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      this.failed = 0;
      this.probing = false;
      return value;
    } catch (err) {
      this.failed++;
      this.probing = false;
      if (this.failed >= this.options.failures) this.openUntil = Date.now() + this.options.openMs;
      throw err;
    }
  }
}
