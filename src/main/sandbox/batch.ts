/**
 * Collects the messages sent close together and delivers them as one. Hundreds of runs starting
 * or ending together (a burst of new runs, a batch of HTTP answers) otherwise cost one thread
 * wake-up or pipe write each, a visible share of the sandbox's CPU at 1,000 concurrent runs.
 *
 * `turn` waits for the end of the event-loop turn (setImmediate): the most batching, for threads
 * that mostly wait on I/O. `task` delivers when the current task's synchronous work is done (a
 * microtask): for a worker busy creating hundreds of instances, whose check phase may not come for
 * seconds, and whose HTTP requests must not wait for it.
 */
export class Batcher<T> {
  private items: T[] = [];
  private scheduled = false;
  private readonly deliver: (items: T[]) => void;
  private readonly schedule: (flush: () => void) => void;

  constructor(deliver: (items: T[]) => void, when: 'turn' | 'task' = 'turn') {
    this.deliver = deliver;
    this.schedule = when === 'turn' ? (flush) => void setImmediate(flush) : queueMicrotask;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Delivers what is queued now (also used before a process exits). */
  flush(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.deliver(items);
  }
}
