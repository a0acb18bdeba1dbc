// A core's inbox of domains' arguments on the real platform: `run`'s `args`, delivered by the boot
// thread to every core of the domain by postMessage, under a key that the spawn message carries.
//
// Arguments are the platform's to carry (a structured-cloned copy per core, up to
// limits.domainArgsBytesMax), not the monitors': URPC messages are a few kilobytes. The protocol,
// for one run with arguments (key k, the run's request id):
//   1. boot → each core of the domain   domain-args(k, args)      (before the spawn, on each port)
//   2. boot → BSP                       spawn(…, argsKey k)        → URPC spawn to every core
//   3. each core: startDispatcher(…, k) claims k: the arguments, or a wait for them.
// Since 1 is posted before 2, every core the spawn reaches also gets its arguments, but the two
// travel on different paths (a port, a URPC ring), so either may come first: `claim` answers at
// once or when they arrive. The other ends, each leaving nothing behind:
//   - the spawn fails (no core got it): the boot thread sends domain-args-drop(k), after 1 on
//     the same port, and `drop` deletes them;
//   - the domain is closed on a core while its arguments are still on their way (abandoned):
//     `cancel` ends the claim (it resolves with `argsCancelled`) and remembers k until they
//     arrive, to discard them then.
// Keys in each map are those of runs in progress, at most domainsMax of them.

/** What a claim resolves with when its domain was closed before its arguments arrived. */
export const argsCancelled: unique symbol = Symbol("arguments cancelled");

export class DomainArgs {
  /** Arguments that arrived before their domain's spawn. */
  private readonly held = new Map<number, unknown>();
  /** Claims waiting for their arguments. */
  private readonly waiting = new Map<number, (args: unknown) => void>();
  /** Keys whose claim was cancelled before their arguments arrived: discard them on arrival. */
  private readonly cancelled = new Set<number>();

  /** The boot thread delivered `args` under `key`. */
  delivered(key: number, args: unknown): void {
    if (this.cancelled.delete(key)) return;
    const resolve = this.waiting.get(key);
    if (resolve === undefined) {
      this.held.set(key, args);
      return;
    }
    this.waiting.delete(key);
    resolve(args);
  }

  /** The domain's dispatcher starts here: its arguments, now or when they arrive. */
  claim(key: number): Promise<unknown> {
    if (this.held.has(key)) {
      const args = this.held.get(key);
      this.held.delete(key);
      return Promise.resolve(args);
    }
    if (this.waiting.has(key)) throw new Error(`domain arguments ${key}: claimed twice on one core`);
    return new Promise((resolve) => this.waiting.set(key, resolve));
  }

  /** The domain was closed here: a claim still waiting ends, and its arguments are discarded when they come. */
  cancel(key: number): void {
    const resolve = this.waiting.get(key);
    if (resolve === undefined) return;
    this.waiting.delete(key);
    this.cancelled.add(key);
    resolve(argsCancelled);
  }

  /** The spawn failed: arguments delivered for it will never be claimed. */
  drop(key: number): void {
    this.held.delete(key);
  }

  /** Keys held, waited on or cancelled (for tests: 0 once every run has ended). */
  get pendingCount(): number {
    return this.held.size + this.waiting.size + this.cancelled.size;
  }
}
