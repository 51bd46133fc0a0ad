// Test runs run code of the caller's choosing, on the sandbox workers the queue's runs need too. A
// guest that only computes holds its worker's thread for its whole CPU limit (5 s by default), so
// twenty test runs of `for (;;) {}` from one key held an agent's run for 50 s. Here test runs
// take turns: one in the sandbox at a time, which leaves the other workers (two at least) to the
// queue, and each key may have a few in progress, so no key can make the line long.
import type { RunOutcome, RunRequest } from '../../sandbox/index.ts';
import { DomainError } from '../errors.ts';
import type { RunExecutor } from './request.ts';

const IN_FLIGHT = 1;
const PER_CALLER = 2;

export interface TestRunOptions {
  /** Who asked (an API key's id): at most two of one caller's test runs are in progress. Unset: no cap. */
  caller?: number;
  signal?: AbortSignal;
}

export class TestRunGate {
  private readonly executor: RunExecutor;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly inProgress = new Map<number, number>();

  constructor(executor: RunExecutor) {
    this.executor = executor;
  }

  async run(request: RunRequest, { caller, signal }: TestRunOptions = {}): Promise<RunOutcome> {
    if (caller !== undefined) {
      const mine = this.inProgress.get(caller) ?? 0;
      if (mine >= PER_CALLER) {
        throw new DomainError(
          'rate_limited',
          'TEST_RUNS_BUSY',
          `This key has ${PER_CALLER} test runs in progress; wait for one to finish, then try again.`,
          { retry_after_seconds: 1 },
          { retryAfterSeconds: 1 },
        );
      }
      this.inProgress.set(caller, mine + 1);
    }
    try {
      await this.turn(signal);
      try {
        return await this.executor.run(request, signal);
      } finally {
        this.running--;
        this.waiting.shift()?.();
      }
    } finally {
      if (caller !== undefined) {
        const left = this.inProgress.get(caller)! - 1;
        if (left === 0) this.inProgress.delete(caller);
        else this.inProgress.set(caller, left);
      }
    }
  }

  /** Resolves when this run may enter the sandbox; a caller that gives up while waiting leaves the line. */
  private turn(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < IN_FLIGHT) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const enter = () => {
        signal?.removeEventListener('abort', leave);
        this.running++;
        resolve();
      };
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(enter), 1);
        reject(signal!.reason);
      };
      this.waiting.push(enter);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }
}
