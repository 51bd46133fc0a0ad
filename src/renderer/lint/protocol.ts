// Messages between the editor and the lint worker, and the scheduling that keeps the editor
// responsive: at most one lint in flight, only the newest request queued behind it, and results
// for anything but the newest request dropped as stale.
import type { LintProblemView } from '../api/types.ts';

export interface LintRequest {
  id: number;
  code: string;
  declaredSecrets: string[] | undefined;
}

export type LintResponse = { id: number; problems: LintProblemView[] } | { id: number; error: string };

export interface WorkerLike {
  postMessage(message: LintRequest): void;
}

export class LintScheduler {
  private latest = 0;
  private inflight: number | null = null;
  private queued: LintRequest | null = null;
  private readonly worker: WorkerLike;
  private readonly onResult: (problems: LintProblemView[]) => void;
  private readonly onError: (message: string) => void;

  constructor(worker: WorkerLike, onResult: (problems: LintProblemView[]) => void, onError: (message: string) => void) {
    this.worker = worker;
    this.onResult = onResult;
    this.onError = onError;
  }

  /** Asks for a lint of `code`; returns the request id. */
  lint(code: string, declaredSecrets?: string[]): number {
    const request: LintRequest = { id: ++this.latest, code, declaredSecrets };
    if (this.inflight !== null) {
      // Whatever was queued is already out of date: only the newest text matters.
      this.queued = request;
    } else {
      this.send(request);
    }
    return request.id;
  }

  /** Feed every message from the worker here. */
  handle(response: LintResponse): void {
    if (response.id === this.inflight) this.inflight = null;
    if (response.id === this.latest) {
      if ('error' in response) this.onError(response.error);
      else this.onResult(response.problems);
    }
    if (this.inflight === null && this.queued) {
      const next = this.queued;
      this.queued = null;
      this.send(next);
    }
  }

  private send(request: LintRequest): void {
    this.inflight = request.id;
    this.worker.postMessage(request);
  }
}
