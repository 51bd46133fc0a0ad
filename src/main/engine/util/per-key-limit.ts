// Work a key may have in progress at once, for work that costs Vigil far more than the request
// costs its caller (a sandbox run of the caller's code, a type check of it, a model's answers). A
// key past the limit is refused at once rather than queued: its own requests then cannot make a
// line that every other key's wait behind.
import { DomainError } from '../errors.ts';

/** How a key past the limit is answered: 429 `code`, "This key has N `what`", and a Retry-After. */
export interface Refusal {
  code: string;
  what: string;
  retryAfterSeconds: number;
}

export class PerKeyLimit {
  private readonly limit: number;
  private readonly refusal: Refusal;
  private readonly inProgress = new Map<number, number>();

  constructor(limit: number, refusal: Refusal) {
    this.limit = limit;
    this.refusal = refusal;
  }

  /** Takes one of the key's places, or throws the refusal; the function returned gives it back (once). */
  enter(key: number): () => void {
    const mine = this.inProgress.get(key) ?? 0;
    if (mine >= this.limit) {
      const { code, what, retryAfterSeconds } = this.refusal;
      throw new DomainError(
        'rate_limited',
        code,
        `This key has ${this.limit} ${what}; wait for one to finish, then try again.`,
        { retry_after_seconds: retryAfterSeconds },
        { retryAfterSeconds },
      );
    }
    this.inProgress.set(key, mine + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = this.inProgress.get(key)! - 1;
      if (now === 0) this.inProgress.delete(key);
      else this.inProgress.set(key, now);
    };
  }

  async run<T>(key: number, work: () => Promise<T>): Promise<T> {
    const leave = this.enter(key);
    try {
      return await work();
    } finally {
      leave();
    }
  }
}
