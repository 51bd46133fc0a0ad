// The engine's side of the sandbox: starts the sandbox process through a launcher, sends it runs,
// and turns whatever happens into a RunOutcome. run() never rejects for anything a workflow or the
// sandbox does: a crash fails the runs in flight with "sandbox crashed" and the process is started
// again with backoff; a cancel resolves 'cancelled'; a sandbox that stops answering resolves
// 'timed_out' once the run's own timeout (plus a grace) has passed. Whatever the sandbox process
// sends is parsed and checked here before it is used: a message the host cannot read fails the run
// it was for (or is dropped), never the engine.
import { availableParallelism } from 'node:os';
import type { RunLogEntry } from '../../shared/domain.ts';
import { forkLauncher, type SandboxChannel, type SandboxLauncher } from './launcher.ts';
import { Batcher } from './batch.ts';
import { DEFAULT_LIMITS, formatBytes, resolveLimits } from './limits.ts';
import type { HostToSandbox, SandboxProcessOptions } from './protocol.ts';
import { Redactor, redactEntry, redactOutcome } from './redact.ts';
import type { RunOptions, RunOutcome, RunRequest } from './types.ts';
import { decodeFrame, encode, joinFrame, MAX_WIRE_DEPTH, readLogEntry, readOutcome, serializationProblem } from './wire.ts';

export interface SandboxHostOptions {
  /** Starts the sandbox process; default child_process.fork with a minimal environment. */
  launcher?: SandboxLauncher;
  /** worker_threads in the sandbox process (each hosts many runs); default: CPU count, 2–4. */
  workers?: number;
  /** DNS servers ("ip" or "ip:port") the sandbox resolves names with; default the system resolver. */
  dnsServers?: string[];
  /**
   * Refuse to open a socket to anything but 127.0.0.1/::1, whatever the egress policy decides, so a
   * broken policy fails a test instead of sending packets. Default: on when the engine's environment
   * has VIGIL_DIAL_LOOPBACK_ONLY=1 (npm test sets it); it only ever makes egress stricter.
   */
  dialLoopbackOnly?: boolean;
  /** First restart delay after the sandbox process dies; doubles while it keeps dying young. */
  restartBackoffMs?: number;
  restartBackoffMaxMs?: number;
  /** How long past its deadline a guest may hold a worker before the worker is replaced. */
  watchdogGraceMs?: number;
  /** How long past a run's timeout the host waits for the sandbox before answering itself. */
  answerGraceMs?: number;
  /**
   * How long the sandbox process may sit with no run before it is stopped, giving its memory back;
   * the next run or prepare starts a new one. Default 5 minutes; 0 keeps it for good.
   */
  idleStopMs?: number;
}

export interface SandboxHost {
  run(request: RunRequest, signal?: AbortSignal, options?: RunOptions): Promise<RunOutcome>;
  close(): Promise<void>;
  /**
   * Compiles a workflow's code in the sandbox process ahead of its first run, so that the run does
   * not wait for it (the first compile also loads Node's type stripper). Starts the process when it
   * is not up: a saved script is usually run soon after, and the process's start then overlaps
   * the save's checks. A hint: code the sandbox cannot compile is simply not cached, and a process
   * that dies before it is greeted takes the hint with it.
   */
  prepare(code: string): void;
  /** The sandbox process's pid, when one is running. */
  readonly pid: number | undefined;
}

/** A sandbox process that lived at least this long is healthy: its next restart is quick again. */
const HEALTHY_LIFETIME_MS = 10_000;
/** How long a cancelled run waits for the sandbox's own account of it. */
const CANCEL_GRACE_MS = 3_000;
/** How long a sandbox process asked to shut down has before it is killed. */
const SHUTDOWN_GRACE_MS = 3_000;

interface Pending {
  resolve: (outcome: RunOutcome) => void;
  redactor: Redactor;
  started: number;
  cancelled: boolean;
  timers: Array<ReturnType<typeof setTimeout>>;
  cleanup: () => void;
  journal: ((entry: RunLogEntry) => void) | null;
  /** What the run journaled so far: an outcome the host makes up itself keeps it. */
  journaled: RunLogEntry[];
}

/** A message serialized for the wire, with what the host needs to find it again in its outbox. */
interface Outgoing {
  t: HostToSandbox['t'];
  id: number | null;
  line: string;
}

export function createSandboxHost(options: SandboxHostOptions = {}): SandboxHost {
  return new Host(options);
}

class Host implements SandboxHost {
  private readonly launcher: SandboxLauncher;
  private readonly processOptions: SandboxProcessOptions;
  private readonly backoffMs: number;
  private readonly backoffMaxMs: number;
  private readonly answerGraceMs: number;
  private channel: SandboxChannel | null = null;
  private wire: Batcher<string> | null = null;
  private greeted = false;
  private outbox: Outgoing[] = [];
  private launchedAt = 0;
  private youngDeaths = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly idleStopMs: number;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Processes stopped for idleness that have not exited yet: close() waits for them too. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(options: SandboxHostOptions) {
    this.launcher = options.launcher ?? forkLauncher();
    this.processOptions = {
      workers: options.workers ?? Math.max(2, Math.min(4, availableParallelism())),
      dnsServers: options.dnsServers ?? [],
      dialLoopbackOnly: options.dialLoopbackOnly ?? process.env.VIGIL_DIAL_LOOPBACK_ONLY === '1',
      watchdogGraceMs: options.watchdogGraceMs ?? 1_000,
    };
    this.backoffMs = options.restartBackoffMs ?? 100;
    this.backoffMaxMs = options.restartBackoffMaxMs ?? 10_000;
    this.answerGraceMs = options.answerGraceMs ?? 30_000;
    this.idleStopMs = options.idleStopMs ?? 300_000;
  }

  get pid(): number | undefined {
    return this.channel?.pid;
  }

  run(request: RunRequest, signal?: AbortSignal, options: RunOptions = {}): Promise<RunOutcome> {
    const started = performance.now();
    const redactor = new Redactor(Object.values(request?.secrets ?? {}));
    if (this.closed) return Promise.resolve(hostOutcome('failed', 'the sandbox is shut down', started));
    if (signal?.aborted) return Promise.resolve(hostOutcome('cancelled', 'cancelled', started));
    const limits = resolveLimits(request.limits);
    if (typeof request.code === 'string' && Buffer.byteLength(request.code) > limits.sourceBytes) {
      return Promise.resolve(hostOutcome('failed', `source larger than ${formatBytes(limits.sourceBytes)}`, started));
    }
    const id = this.nextId++;
    const journal = options.journal ?? null;
    let line: string;
    try {
      line = encode({ t: 'run', id, journal: journal !== null, request } satisfies HostToSandbox);
    } catch (error) {
      return Promise.resolve(hostOutcome('failed', `the run's input could not be sent to the sandbox: ${serializationProblem(error)}`, started));
    }
    return new Promise<RunOutcome>((resolve) => {
      const pending: Pending = {
        resolve,
        redactor,
        started,
        cancelled: false,
        timers: [],
        cleanup: () => undefined,
        journal,
        journaled: [],
      };
      const timeoutMs = typeof request.timeoutMs === 'number' && request.timeoutMs > 0 ? request.timeoutMs : 30_000;
      pending.timers.push(
        setTimeout(() => {
          this.post({ t: 'cancel', id });
          this.settle(id, hostOutcome('timed_out', 'the sandbox did not answer within the run\'s timeout', started, pending.journaled));
        }, timeoutMs + this.answerGraceMs),
      );
      if (signal) {
        const onAbort = () => {
          const p = this.pending.get(id);
          if (!p || p.cancelled) return;
          p.cancelled = true;
          // Not sent yet (the process is starting or restarting): it simply never runs.
          const queued = this.outbox.findIndex((m) => m.t === 'run' && m.id === id);
          if (queued >= 0) {
            this.outbox.splice(queued, 1);
            this.settle(id, hostOutcome('cancelled', 'cancelled', started));
            return;
          }
          this.post({ t: 'cancel', id });
          p.timers.push(setTimeout(() => this.settle(id, hostOutcome('cancelled', 'cancelled', started, p.journaled)), CANCEL_GRACE_MS));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, pending);
      this.enqueue({ t: 'run', id, line });
    });
  }

  private settle(id: number, outcome: RunOutcome): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    for (const timer of pending.timers) clearTimeout(timer);
    pending.cleanup();
    this.armIdleStop();
    // Second pass: the sandbox redacted already; the host does not rely on it.
    pending.resolve(redactOutcome(outcome, pending.redactor));
  }

  /** A control message: made of numbers and the host's own options, so it always serializes. */
  private post(message: Exclude<HostToSandbox, { t: 'run' }>): void {
    this.enqueue({ t: message.t, id: 'id' in message ? message.id : null, line: encode(message) });
  }

  prepare(code: string): void {
    if (this.closed || typeof code !== 'string' || Buffer.byteLength(code) > DEFAULT_LIMITS.sourceBytes) return;
    this.enqueue({ t: 'prepare', id: null, line: encode({ t: 'prepare', code } satisfies HostToSandbox) });
    this.armIdleStop();
  }

  private enqueue(message: Outgoing): void {
    if (this.closed && message.t !== 'shutdown') return;
    this.ensureProcess();
    const wire = this.greetedWire();
    if (wire) wire.push(message.line);
    else this.outbox.push(message);
  }

  /** The current process's wire once it has said hello; before that, messages wait in the outbox. */
  private greetedWire(): Batcher<string> | null {
    return this.greeted ? this.wire : null;
  }

  private ensureProcess(): void {
    if (this.channel || this.restartTimer || this.closed) return;
    this.launch();
  }

  /**
   * (Re)starts the countdown to stopping the process, when no run is in it; the run that ends last
   * starts it again. It stops only if no run is in flight by then.
   */
  private armIdleStop(): void {
    if (this.idleStopMs <= 0 || this.closed || this.pending.size > 0) return;
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.stopIdle(), this.idleStopMs);
    this.idleTimer.unref();
  }

  /**
   * Stops a process with no run: it is detached first, so a run that arrives while it shuts down
   * starts a new one instead of waiting, and its exit is not taken for a crash.
   */
  private stopIdle(): void {
    this.idleTimer = null;
    const channel = this.channel;
    if (!channel || this.pending.size > 0 || this.closed) return;
    const wire = this.greetedWire();
    this.detach();
    this.outbox = [];
    const stopped = stopProcess(channel, wire);
    this.stopping.add(stopped);
    void stopped.then(() => this.stopping.delete(stopped));
  }

  /** Forgets the current process: what it says or does from now on is not the host's concern. */
  private detach(): void {
    this.channel = null;
    this.wire = null;
    this.greeted = false;
  }

  private launch(): void {
    this.restartTimer = null;
    if (this.closed) return;
    this.greeted = false;
    this.launchedAt = Date.now();
    let channel: SandboxChannel;
    try {
      channel = this.launcher.launch();
    } catch {
      this.onExit(null);
      return;
    }
    this.channel = channel;
    this.wire = new Batcher<string>((lines) => {
      try {
        channel.send(joinFrame(lines));
      } catch {
        // A frame the transport refused is lost with the runs in it: end the process, so they fail
        // as "sandbox crashed" now instead of waiting out their timeouts.
        channel.kill();
      }
    });
    channel.onMessage((frame) => this.onFrame(channel, frame));
    channel.onExit(() => this.onExit(channel));
    // A process restarted after a crash with nothing to run idles out like any other.
    this.armIdleStop();
  }

  private onFrame(channel: SandboxChannel, frame: string): void {
    for (const decoded of decodeFrame(frame, MAX_WIRE_DEPTH)) {
      if (channel !== this.channel) return;
      if (!decoded.ok) {
        if (decoded.t === 'outcome' && decoded.id !== null) this.settleUnreadable(decoded.id, decoded.problem);
        continue;
      }
      const { message } = decoded;
      switch (message.t) {
        case 'hello': {
          this.greeted = true;
          this.wire!.push(encode({ t: 'init', options: this.processOptions } satisfies HostToSandbox));
          for (const queued of this.outbox.splice(0)) this.wire!.push(queued.line);
          break;
        }
        case 'journal':
          this.onJournal(message.id, message.entry);
          break;
        case 'outcome': {
          if (message.id === undefined) break;
          const outcome = readOutcome(message.outcome);
          if (typeof outcome === 'string') this.settleUnreadable(message.id, outcome);
          else this.settle(message.id, outcome);
          break;
        }
      }
    }
  }

  private onJournal(id: number | undefined, value: unknown): void {
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending?.journal) return;
    const read = readLogEntry(value);
    if (!read) return;
    // Second pass, as for outcomes.
    const entry = redactEntry(read, pending.redactor);
    pending.journaled.push(entry);
    try {
      pending.journal(entry);
    } catch {
      // The journal is a record of progress; a consumer that fails must not stop the run's answer.
    }
  }

  private settleUnreadable(id: number, problem: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.settle(id, hostOutcome('failed', `the sandbox sent an answer the engine could not read: ${problem}`, pending.started, pending.journaled));
  }

  private onExit(channel: SandboxChannel | null): void {
    if (channel && channel !== this.channel) return;
    this.detach();
    // Runs that were only queued for this process are sent to the next one; runs it had are lost.
    const queuedRuns = new Set(this.outbox.filter((m) => m.t === 'run').map((m) => m.id));
    const requeue = this.outbox.filter((m) => m.t === 'run' || (m.t === 'cancel' && queuedRuns.has(m.id)));
    this.outbox = [];
    for (const [id, pending] of [...this.pending]) {
      if (queuedRuns.has(id)) continue;
      this.settle(id, hostOutcome(pending.cancelled ? 'cancelled' : 'failed', pending.cancelled ? 'cancelled' : 'sandbox crashed', pending.started, pending.journaled));
    }
    if (this.closed) return;
    this.youngDeaths = Date.now() - this.launchedAt < HEALTHY_LIFETIME_MS ? this.youngDeaths + 1 : 1;
    const delay = Math.min(this.backoffMaxMs, this.backoffMs * 2 ** (this.youngDeaths - 1));
    this.outbox = requeue;
    this.restartTimer = setTimeout(() => this.launch(), delay);
    this.restartTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const channel = this.channel;
    for (const [id, pending] of [...this.pending]) {
      if (!channel) this.settle(id, hostOutcome('failed', 'the sandbox is shut down', pending.started, pending.journaled));
    }
    await Promise.all([...this.stopping, ...(channel ? [stopProcess(channel, this.greetedWire())] : [])]);
    for (const [id, pending] of [...this.pending]) this.settle(id, hostOutcome('failed', 'the sandbox is shut down', pending.started, pending.journaled));
  }
}

/**
 * Asks a sandbox process to shut down (it lets its last outcomes out first) and kills it if it has
 * not exited within the grace; one that was never greeted cannot be asked, so it is killed at once.
 */
function stopProcess(channel: SandboxChannel, wire: Batcher<string> | null): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      channel.kill();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    channel.onExit(() => {
      clearTimeout(timer);
      resolve();
    });
    if (wire) {
      wire.push(encode({ t: 'shutdown' } satisfies HostToSandbox));
      wire.flush();
    } else channel.kill();
  });
}

/**
 * An outcome the host states itself (the sandbox never answered, or could not be understood):
 * whatever the run journaled comes first, so what it did before is not lost, then why it ended.
 */
function hostOutcome(status: RunOutcome['status'], error: string, started: number, journaled: RunLogEntry[] = []): RunOutcome {
  const seq = (journaled.at(-1)?.seq ?? -1) + 1;
  const entry: RunLogEntry = { seq, ts: new Date().toISOString(), level: status === 'cancelled' ? 'warn' : 'error', message: error, fields: null, step: null, http: null };
  return { status, result: null, error, logs: [...journaled, entry], httpCalls: [], durationMs: Math.round(performance.now() - started) };
}
