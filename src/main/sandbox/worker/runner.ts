// One run inside a worker: a fresh QuickJS-wasm instance with its own bounded WebAssembly.Memory
// (restored from the worker's instance image, see instance.ts), the host side of the guest bridge,
// CPU/wall/cancel enforcement and the run's log.
//
// Every entry into guest code goes through slice(), which accounts CPU time and publishes the
// slice's deadline to the supervisor (shared memory) so a guest stuck where QuickJS never checks
// for interrupts still gets its worker terminated. Anything unexpected from the instance discards
// it: a run's instance is never used again once it misbehaved, and never reused by another run.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { LogLevel, RunLogEntry, RunStep, WorkflowResult } from '../../../shared/domain.ts';
import { WORKFLOW_FILENAME } from '../compile.ts';
import { formatBytes, formatCount, formatMs } from '../limits.ts';
import type { GuestIntegrationCall, IntegrationResult } from '../integrations/types.ts';
import { httpOutcomeLine } from '../http-log.ts';
import { CONTROL, type GuestHttpRequest, type HttpResult, type WorkerOutcome, type WorkerRunSpec, type WorkerToMain } from '../protocol.ts';
import { jsonDepth } from '../../../shared/json-depth.ts';
import { MAX_JSON_DEPTH } from '../wire.ts';
import type { WasmMemory } from '../wasm-types.ts';
import type { InstanceImage } from './instance.ts';
import { CHUNKS, compactSource } from './prelude.ts';

export interface RunnerEnv {
  /** What every run's instance starts as (built once per worker). */
  image: InstanceImage;
  control: Int32Array;
  /** Date.now() the control slots' times are relative to. */
  epoch: number;
  post(message: WorkerToMain): void;
  /** The run is over: forget it. */
  release(seq: number): void;
}

/** The QuickJS build's own footprint (data, 5 MB C stack, allocator slack) above the guest heap. */
const WASM_OVERHEAD_BYTES = 24 * 1024 * 1024;
const WASM_PAGE = 65536;
/** Jobs per executePendingJobs call; deadlines are also checked between batches. */
const JOB_BATCH = 512;
const LOG_LEVELS = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);
const DIGESTS = new Set(['sha1', 'sha256', 'sha512', 'md5']);
const CHUNK_REPLIES = new Map(Object.entries(CHUNKS).map(([name, source]) => [name, `v${JSON.stringify(compactSource(source))}`]));
/** Steps recorded per run, and the largest step output kept (outputs are for reading, not transport). */
const MAX_STEPS = 200;
const STEP_OUTPUT_BYTES = 64 * 1024;
const URL_PROPS = new Set(['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

interface Stop {
  status: 'timed_out' | 'cancelled' | 'failed';
  error: string;
}

interface Reported {
  result: WorkflowResult | null;
  error: string | null;
  fields?: Record<string, unknown>;
}

interface GuestError {
  name: string;
  message: string;
  stack: string;
}

class HostOpError extends Error {
  readonly typeError: boolean;
  constructor(message: string, typeError = false) {
    super(message);
    this.typeError = typeError;
  }
}

export class GuestRun {
  private readonly spec: WorkerRunSpec;
  private readonly env: RunnerEnv;
  private readonly startedAt = performance.now();
  private readonly wallDeadline: number;
  private rt: QuickJSRuntime | null = null;
  private vm: QuickJSContext | null = null;
  private memory: WasmMemory | null = null;
  private settleFn: QuickJSHandle | null = null;
  private cpuUsedMs = 0;
  private sliceStart = 0;
  private stop: Stop | null = null;
  private reported: Reported | null = null;
  private finished = false;
  private readonly logs: RunLogEntry[] = [];
  private userEntries = 0;
  private logBytes = 0;
  private nextOpId = 1;
  private readonly pendingOps = new Set<number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private wallTimer: ReturnType<typeof setTimeout> | null = null;
  private nextStep = 1;
  private readonly steps = new Map<number, { name: string; started: number; record: RunStep }>();
  /** Every step in the order it started: the run's `steps`. */
  private readonly stepRecords: RunStep[] = [];
  private stepOutputBytes = 0;
  private readonly stepStack: number[] = [];
  private readonly declared: Set<string>;

  constructor(spec: WorkerRunSpec, env: RunnerEnv) {
    this.spec = spec;
    this.env = env;
    this.declared = new Set(spec.declaredSecrets);
    this.wallDeadline = this.startedAt + spec.timeoutMs;
    this.wallTimer = setTimeout(() => this.onWallTimeout(), spec.timeoutMs);
  }

  get seq(): number {
    return this.spec.seq;
  }

  start(): void {
    if (this.finished) return;
    try {
      this.boot();
    } catch (error) {
      this.fault(error);
    }
  }

  private boot(): void {
    const { limits } = this.spec;
    const instance = this.env.image.restore(Math.ceil((limits.memoryBytes + WASM_OVERHEAD_BYTES) / WASM_PAGE));
    instance.seedRandom();
    const { runtime: rt, context: vm } = instance;
    this.memory = instance.memory;
    rt.setMemoryLimit(limits.memoryBytes);
    rt.setMaxStackSize(limits.stackBytes);
    rt.setInterruptHandler(() => this.shouldInterrupt());
    this.rt = rt;
    this.vm = vm;
    this.settleFn = instance.settle;

    // Parsing only: the script is one function expression (see compile.ts).
    const main = this.slice(() => vm.evalCode(this.spec.script, WORKFLOW_FILENAME, { type: 'global', strict: true }));
    if (main.error) {
      const text = this.readError(main.error);
      return this.finish('failed', null, text ?? 'the workflow could not be parsed');
    }
    const config = vm.newString(this.spec.config);
    const host = vm.newFunction('', (op, arg) => vm.newString(this.hostCall(op, arg)));
    const started = this.slice(() => vm.callFunction(instance.start, vm.undefined, main.value, config, host));
    config.dispose();
    host.dispose();
    main.value.dispose();
    if (started.error) return this.guestFault(started.error);
    started.value.dispose();
    this.pump();
  }

  // ── slices and interrupts ──────────────────────────────────────────────────────────────

  private slice<T>(fn: () => T): T {
    if (this.sliceStart !== 0) return fn();
    const control = this.env.control;
    const now = performance.now();
    this.sliceStart = now;
    const mustEnd = Math.min(now + (this.spec.limits.cpuMs - this.cpuUsedMs), this.wallDeadline);
    Atomics.store(control, CONTROL.MUST_END_BY, Math.ceil(Date.now() - this.env.epoch + (mustEnd - now)));
    Atomics.store(control, CONTROL.RUNNING, this.spec.seq);
    try {
      return fn();
    } finally {
      Atomics.store(control, CONTROL.RUNNING, 0);
      this.cpuUsedMs += performance.now() - this.sliceStart;
      this.sliceStart = 0;
    }
  }

  private shouldInterrupt(): boolean {
    if (this.stop) return true;
    const now = performance.now();
    if (this.cpuUsedMs + (now - this.sliceStart) > this.spec.limits.cpuMs) {
      this.stop = { status: 'timed_out', error: `CPU limit of ${formatMs(this.spec.limits.cpuMs)} exceeded` };
      return true;
    }
    if (now >= this.wallDeadline) {
      this.stop = this.wallStop();
      return true;
    }
    if (Atomics.load(this.env.control, CONTROL.CANCEL) === this.spec.seq) {
      this.stop = { status: 'cancelled', error: 'cancelled' };
      return true;
    }
    return false;
  }

  private wallStop(): Stop {
    return { status: 'timed_out', error: `timed out after ${formatMs(this.spec.timeoutMs)} (the workflow's timeout)` };
  }

  private onWallTimeout(): void {
    this.wallTimer = null;
    if (this.finished) return;
    this.stop ??= this.wallStop();
    this.settleState();
  }

  cancel(): void {
    if (this.finished) return;
    this.stop ??= { status: 'cancelled', error: 'cancelled' };
    this.settleState();
  }

  // ── async completion ────────────────────────────────────────────────────────────────────

  onHttpResult(callId: number, result: HttpResult): void {
    if (this.finished || !this.pendingOps.delete(callId)) return;
    if (result.summary) this.addHttpLog(result.summary);
    if (!result.ok && result.fatal) {
      this.stop ??= { status: 'failed', error: result.fatal };
      return this.settleState();
    }
    const reply = result.ok ? `v${JSON.stringify(result.response)}` : `${result.typeError ? 't' : 'e'}${result.error}`;
    this.settleGuest(callId, reply);
  }

  onIntegrationResult(callId: number, result: IntegrationResult): void {
    if (this.finished || !this.pendingOps.delete(callId)) return;
    for (const summary of result.summaries) this.addHttpLog(summary);
    if (!result.ok && result.fatal) {
      this.stop ??= { status: 'failed', error: result.fatal };
      return this.settleState();
    }
    // The guest's client turns { ok: false, error } into a thrown IntegrationError.
    const reply = result.ok ? { ok: true, value: result.value ?? null } : { ok: false, error: result.error };
    this.settleGuest(callId, `v${JSON.stringify(reply)}`);
  }

  private settleGuest(id: number, reply: string): void {
    const vm = this.vm;
    if (this.finished || !vm || !this.settleFn) return;
    try {
      const idHandle = vm.newString(String(id));
      const replyHandle = vm.newString(reply);
      const settled = this.slice(() => vm.callFunction(this.settleFn!, vm.undefined, idHandle, replyHandle));
      idHandle.dispose();
      replyHandle.dispose();
      if (settled.error) return this.guestFault(settled.error);
      settled.value.dispose();
      this.pump();
    } catch (error) {
      this.fault(error);
    }
  }

  private pump(): void {
    const rt = this.rt;
    try {
      while (!this.finished && rt && !this.stop && !this.reported && rt.hasPendingJob()) {
        const ran = this.slice(() => rt.executePendingJobs(JOB_BATCH));
        if (ran.error) return this.guestFault(ran.error);
      }
    } catch (error) {
      return this.fault(error);
    }
    this.settleState();
  }

  /** Ends the run if anything decided its end; notices a run that can no longer make progress. */
  private settleState(): void {
    if (this.finished) return;
    if (this.stop) return this.finish(this.stop.status, null, this.stop.error);
    if (this.reported) {
      const { result, error, fields } = this.reported;
      if (result) return this.finish(result.success ? 'success' : 'failed', result, null);
      return this.finish('failed', null, error, fields);
    }
    if (this.sliceStart === 0 && this.rt && this.pendingOps.size === 0 && !this.rt.hasPendingJob()) {
      // Out of memory inside a promise job silently breaks the chain it was building.
      if (this.memoryExhausted()) return this.finish('failed', null, this.memoryMessage());
      this.finish('failed', null, 'run() never finished: it is waiting for a promise that nothing will ever settle');
    }
  }

  /** The guest let an exception reach the host: an interrupt, or the instance is out of resources. */
  private guestFault(error: QuickJSHandle): void {
    if (this.stop) {
      error.dispose();
      return this.settleState();
    }
    const text = this.readError(error);
    const limit = text ? this.limitMessage(text) : null;
    this.finish('failed', null, limit ?? (this.memoryExhausted() ? this.memoryMessage() : `the workflow's sandbox instance failed: ${text ?? 'unknown error'}`));
  }

  /** A host-side exception (wasm trap, emscripten abort): the instance is discarded. */
  private fault(error: unknown): void {
    if (this.finished) return;
    if (this.stop) return this.finish(this.stop.status, null, this.stop.error);
    const message = error instanceof Error ? error.message : String(error);
    const limit = this.limitMessage(message);
    this.finish('failed', null, limit ?? (this.memoryExhausted() ? this.memoryMessage() : `the workflow's sandbox instance failed: ${clean(message)}`));
  }

  private readError(error: QuickJSHandle): string | null {
    const vm = this.vm;
    try {
      if (!vm) return null;
      return this.slice(() => {
        const read = (key: string) => {
          const h = vm.getProp(error, key);
          try {
            if (vm.typeof(h) !== 'string') return '';
            const length = vm.getLength(h) ?? 0;
            return length > 4000 ? `${vm.getString(h).slice(0, 4000)}…` : vm.getString(h);
          } finally {
            h.dispose();
          }
        };
        if (vm.typeof(error) !== 'object') return vm.typeof(error) === 'string' ? vm.getString(error).slice(0, 4000) : null;
        return formatGuestError({ name: read('name'), message: read('message'), stack: read('stack') });
      });
    } catch {
      return null;
    } finally {
      error.dispose();
    }
  }

  private limitMessage(text: string): string | null {
    if (/out of memory/i.test(text)) return this.memoryMessage();
    if (/stack overflow|maximum call stack/i.test(text)) {
      return `stack limit of ${formatBytes(this.spec.limits.stackBytes)} exceeded (recursion or nesting too deep)`;
    }
    return null;
  }

  private memoryMessage(): string {
    return `memory limit of ${formatBytes(this.spec.limits.memoryBytes)} exceeded`;
  }

  /**
   * Whether the guest heap reached its limit: QuickJS reports exhaustion inconsistently (an
   * "out of memory" InternalError, or a bare null when even that could not be allocated), but the
   * wasm memory only grows as far as the heap does, above the image (the build's data and stack,
   * the runtime, the context and the prelude).
   */
  private memoryExhausted(): boolean {
    const memory = this.memory;
    if (!memory) return false;
    const heap = memory.buffer.byteLength - this.env.image.pages * WASM_PAGE;
    return heap >= this.spec.limits.memoryBytes * 0.9;
  }

  // ── the host function ───────────────────────────────────────────────────────────────────

  private hostCall(opHandle: QuickJSHandle, argHandle: QuickJSHandle): string {
    const vm = this.vm!;
    try {
      if (this.finished) return 'ethe run has already finished';
      if (this.stop) return `e${this.stop.error}`;
      if (vm.typeof(opHandle) !== 'string' || vm.typeof(argHandle) !== 'string') return 'einvalid call';
      if ((vm.getLength(opHandle) ?? 0) > 16) return 'einvalid call';
      const op = vm.getString(opHandle);
      const length = vm.getLength(argHandle) ?? 0;
      if (length > this.argLimit(op)) return this.tooLarge(op, length);
      const arg = vm.getString(argHandle);
      return this.dispatch(op, arg);
    } catch (error) {
      if (error instanceof HostOpError) return `${error.typeError ? 't' : 'e'}${error.message}`;
      // Host-side surprises never reach the guest with their details.
      return 'einternal error in the sandbox';
    }
  }

  private argLimit(op: string): number {
    const { limits } = this.spec;
    switch (op) {
      case 'done':
        return limits.resultBytes;
      case 'http':
        return limits.httpBodyBytes * 2 + 1024 * 1024;
      case 'log':
        return limits.logBytes + 64 * 1024;
      case 'digest':
      case 'hmac':
        return 64 * 1024 * 1024;
      default:
        return 1024 * 1024;
    }
  }

  private tooLarge(op: string, length: number): string {
    const { limits } = this.spec;
    if (op === 'done') {
      this.reported = { result: null, error: `result larger than ${formatBytes(limits.resultBytes)}` };
      return 'v';
    }
    if (op === 'log') return `e${this.fatal(`log limit reached: more than ${formatBytes(limits.logBytes)} of log text`)}`;
    if (op === 'http') return `erequest body larger than ${formatBytes(limits.httpBodyBytes)}`;
    return `eargument too large (${formatCount(length)} characters)`;
  }

  private fatal(message: string): string {
    this.stop ??= { status: 'failed', error: message };
    return message;
  }

  private dispatch(op: string, arg: string): string {
    switch (op) {
      case 'log':
        return this.opLog(parseArg(arg), arg.length);
      case 'secret':
        return this.opSecret(parseArg(arg));
      case 'digest':
        return this.opDigest(parseArg(arg), false);
      case 'hmac':
        return this.opDigest(parseArg(arg), true);
      case 'uuid':
        return `v${JSON.stringify(randomUUID())}`;
      case 'chunk':
        return CHUNK_REPLIES.get(String(parseArg(arg))) ?? 'eunknown library';
      case 'url':
        return this.opUrl(parseArg(arg));
      case 'urlSet':
        return this.opUrlSet(parseArg(arg));
      case 'stepStart':
        return this.opStepStart(parseArg(arg));
      case 'stepEnd':
        return this.opStepEnd(parseArg(arg));
      case 'stepSkip':
        return this.opStepSkip(parseArg(arg));
      case 'http':
        return this.opHttp(parseArg(arg));
      case 'sleep':
        return this.opSleep(parseArg(arg));
      case 'integration':
        return this.opIntegration(parseArg(arg));
      case 'done':
        return this.opDone(arg);
      case 'error':
        return this.opError(parseArg(arg));
      default:
        return 'eunknown operation';
    }
  }

  private opLog(arg: unknown, size: number): string {
    const { level, message, fields } = (arg ?? {}) as { level?: unknown; message?: unknown; fields?: unknown };
    if (typeof level !== 'string' || !LOG_LEVELS.has(level as LogLevel)) throw new HostOpError('invalid log level', true);
    if (typeof message !== 'string') throw new HostOpError('log message must be a string', true);
    let record: Record<string, unknown> | null = null;
    if (fields !== null && fields !== undefined) {
      record = typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : { value: fields };
      if (jsonDepth(record, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new HostOpError(`log fields are nested too deeply (more than ${MAX_JSON_DEPTH} levels)`, true);
    }
    this.countUserEntry(size);
    this.addLog(level as LogLevel, message, record);
    return 'v';
  }

  private countUserEntry(size: number): void {
    const { limits } = this.spec;
    if (this.userEntries + 1 > limits.logEntries) {
      throw new HostOpError(this.fatal(`log limit reached: more than ${formatCount(limits.logEntries)} entries`));
    }
    if (this.logBytes + size > limits.logBytes) {
      throw new HostOpError(this.fatal(`log limit reached: more than ${formatBytes(limits.logBytes)} of log text`));
    }
    this.userEntries++;
    this.logBytes += size;
  }

  private addLog(level: LogLevel, message: string, fields: Record<string, unknown> | null, http: RunLogEntry['http'] = null, step?: string | null): void {
    const current = this.stepStack.at(-1);
    const entry: RunLogEntry = {
      seq: this.logs.length,
      ts: new Date().toISOString(),
      level,
      message,
      fields,
      step: step !== undefined ? step : current !== undefined ? (this.steps.get(current)?.name ?? null) : null,
      http,
    };
    this.logs.push(entry);
    // HTTP calls are journaled by the broker, when they start and when they are answered; the
    // run's closing entry comes with its outcome.
    if (this.spec.journal && http === null && !this.finished) this.env.post({ t: 'log', seq: this.spec.seq, entry });
  }

  private addHttpLog(summary: NonNullable<RunLogEntry['http']>): void {
    const { level, message } = httpOutcomeLine(summary);
    this.addLog(level, message, null, summary);
  }

  private opSecret(name: unknown): string {
    if (typeof name !== 'string') throw new HostOpError('ctx.secrets.get(name) needs a string', true);
    if (!this.declared.has(name)) {
      throw new HostOpError(`secret "${name.slice(0, 100)}" is not declared by this workflow (add it to the workflow's secrets)`);
    }
    const value = Object.hasOwn(this.spec.secrets, name) ? this.spec.secrets[name] : undefined;
    return `v${JSON.stringify(typeof value === 'string' ? value : null)}`;
  }

  private opDigest(arg: unknown, keyed: boolean): string {
    const { alg, data, key, enc } = (arg ?? {}) as { alg?: unknown; data?: unknown; key?: unknown; enc?: unknown };
    if (typeof alg !== 'string' || !DIGESTS.has(alg)) throw new HostOpError('unsupported hash algorithm', true);
    if (enc !== 'hex' && enc !== 'base64') throw new HostOpError('encoding must be "hex" or "base64"', true);
    const bytes = wireBytes(data);
    const hash = keyed ? createHmac(alg, wireBytes(key)) : createHash(alg);
    return `v${JSON.stringify(hash.update(bytes).digest(enc))}`;
  }

  private opUrl(arg: unknown): string {
    const { url, base } = (arg ?? {}) as { url?: unknown; base?: unknown };
    if (typeof url !== 'string' || (base !== null && typeof base !== 'string')) throw new HostOpError('URL: invalid arguments', true);
    let parsed: URL;
    try {
      parsed = base === null ? new URL(url) : new URL(url, base);
    } catch {
      throw new HostOpError(`Invalid URL: ${JSON.stringify(url.slice(0, 200))}`, true);
    }
    return `v${JSON.stringify(urlParts(parsed))}`;
  }

  private opUrlSet(arg: unknown): string {
    const { href, prop, value } = (arg ?? {}) as { href?: unknown; prop?: unknown; value?: unknown };
    if (typeof href !== 'string' || typeof prop !== 'string' || typeof value !== 'string' || !URL_PROPS.has(prop)) {
      throw new HostOpError('URL: invalid arguments', true);
    }
    let url: URL;
    try {
      url = new URL(href);
      (url as unknown as Record<string, string>)[prop] = value;
    } catch {
      throw new HostOpError(`Invalid URL: ${JSON.stringify(value.slice(0, 200))}`, true);
    }
    return `v${JSON.stringify(urlParts(url))}`;
  }

  private opStepStart(name: unknown): string {
    if (typeof name !== 'string') throw new HostOpError('ctx.step(name, fn): name must be a string', true);
    const stepName = name.slice(0, 200);
    this.countUserEntry(stepName.length + 32);
    if (this.stepRecords.length >= MAX_STEPS) throw new HostOpError(this.fatal(`step limit reached: more than ${formatCount(MAX_STEPS)} steps`));
    const token = this.nextStep++;
    const record: RunStep = { name: stepName, status: 'failed', started_at: new Date().toISOString(), duration_ms: 0, output: null, error: null, reason: null };
    this.stepRecords.push(record);
    this.steps.set(token, { name: stepName, started: performance.now(), record });
    this.stepStack.push(token);
    this.addLog('info', `step "${stepName}" started`, null, null, stepName);
    return `v${token}`;
  }

  private opStepEnd(arg: unknown): string {
    const { token, ok, error, output } = (arg ?? {}) as { token?: unknown; ok?: unknown; error?: GuestError; output?: unknown };
    const step = typeof token === 'number' ? this.steps.get(token) : undefined;
    if (!step || typeof token !== 'number') return 'v';
    this.steps.delete(token);
    const at = this.stepStack.lastIndexOf(token);
    if (at >= 0) this.stepStack.splice(at, 1);
    const ms = Math.round(performance.now() - step.started);
    const errorText = ok === true ? null : formatGuestError(asGuestError(error));
    this.countUserEntry(step.name.length + (errorText?.length ?? 0) + 48);
    step.record.duration_ms = ms;
    step.record.status = errorText === null ? 'success' : 'failed';
    step.record.error = errorText;
    if (errorText === null && typeof output === 'string') {
      const bytes = Buffer.byteLength(output);
      // All outputs of a run together stay within what one result may be.
      if (this.stepOutputBytes + bytes > this.spec.limits.resultBytes) {
        step.record.output = `[not kept: the run's step outputs would exceed ${formatBytes(this.spec.limits.resultBytes)}]`;
      } else {
        this.stepOutputBytes += bytes;
        step.record.output = stepOutputValue(output);
      }
    }
    if (errorText === null) {
      this.addLog('info', `step "${step.name}" finished (${ms} ms)`, { duration_ms: ms, outcome: 'success' }, null, step.name);
    } else {
      this.addLog('error', `step "${step.name}" failed after ${ms} ms: ${errorText}`, { duration_ms: ms, outcome: 'failure', error: errorText }, null, step.name);
    }
    return 'v';
  }

  private opStepSkip(arg: unknown): string {
    const { name, reason } = (arg ?? {}) as { name?: unknown; reason?: unknown };
    if (typeof name !== 'string') throw new HostOpError('ctx.step.skip(name, reason): name must be a string', true);
    const stepName = name.slice(0, 200);
    const why = typeof reason === 'string' ? reason.slice(0, 1000) : null;
    this.countUserEntry(stepName.length + (why?.length ?? 0) + 32);
    if (this.stepRecords.length >= MAX_STEPS) throw new HostOpError(this.fatal(`step limit reached: more than ${formatCount(MAX_STEPS)} steps`));
    this.stepRecords.push({ name: stepName, status: 'skipped', started_at: new Date().toISOString(), duration_ms: 0, output: null, error: null, reason: why });
    this.addLog('info', `step "${stepName}" skipped${why ? `: ${why}` : ''}`, null, null, stepName);
    return 'v';
  }

  private opHttp(arg: unknown): string {
    const request = arg as GuestHttpRequest;
    if (!request || typeof request !== 'object' || typeof request.method !== 'string' || typeof request.url !== 'string') {
      throw new HostOpError('ctx.http: invalid request', true);
    }
    const id = this.nextOpId++;
    this.pendingOps.add(id);
    this.env.post({ t: 'http', seq: this.spec.seq, callId: id, request });
    return `p${id}`;
  }

  private opIntegration(arg: unknown): string {
    const call = arg as GuestIntegrationCall;
    if (!call || typeof call !== 'object' || typeof call.integration !== 'string' || typeof call.method !== 'string' || !Array.isArray(call.args)) {
      throw new HostOpError('ctx.integrations: invalid call', true);
    }
    // The call crosses to the sandbox's main thread by structured clone, which recurses.
    if (jsonDepth(call.args, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new HostOpError(`ctx.integrations: arguments nested more than ${MAX_JSON_DEPTH} levels`, true);
    const id = this.nextOpId++;
    this.pendingOps.add(id);
    this.env.post({ t: 'integration', seq: this.spec.seq, callId: id, call: { integration: call.integration, method: call.method, args: call.args } });
    return `p${id}`;
  }

  private opSleep(ms: unknown): string {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new HostOpError('ctx.sleep(ms) needs a number of milliseconds >= 0', true);
    const id = this.nextOpId++;
    this.pendingOps.add(id);
    // Never wait past the wall deadline: the run ends there anyway.
    const delay = Math.min(ms, Math.max(0, this.wallDeadline - performance.now() + 5));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.pendingOps.delete(id)) return;
      this.settleGuest(id, 'v');
    }, delay);
    this.timers.add(timer);
    return `p${id}`;
  }

  private opDone(json: string): string {
    const { limits } = this.spec;
    if (this.reported) return 'v';
    if (Buffer.byteLength(json) > limits.resultBytes) {
      this.reported = { result: null, error: `result larger than ${formatBytes(limits.resultBytes)}` };
      return 'v';
    }
    const value: unknown = json === '' ? undefined : JSON.parse(json);
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      this.reported = { result: null, error: `the result is nested too deeply (more than ${MAX_JSON_DEPTH} levels)` };
      return 'v';
    }
    const result = asWorkflowResult(value);
    this.reported = result
      ? { result, error: null }
      : { result: null, error: `run() must return ctx.ok(...) or ctx.fail(...) (it returned ${describeValue(value)})` };
    return 'v';
  }

  private opError(arg: unknown): string {
    if (this.reported) return 'v';
    const { kind, error } = (arg ?? {}) as { kind?: unknown; error?: unknown };
    const guest = asGuestError(error);
    const text = formatGuestError(guest);
    const limit = this.limitMessage(`${guest.name}: ${guest.message}`) ?? (this.memoryExhausted() ? this.memoryMessage() : null);
    const stack = workflowFrames(guest.stack);
    if (kind === 'serialize') {
      this.reported = { result: null, error: limit ?? `the result could not be serialized: ${text}` };
    } else {
      this.reported = { result: null, error: limit ?? text, fields: stack ? { stack } : undefined };
    }
    return 'v';
  }

  // ── the end ─────────────────────────────────────────────────────────────────────────────

  private finish(status: WorkerOutcome['status'], result: WorkflowResult | null, error: string | null, fields?: Record<string, unknown>): void {
    if (this.finished) return;
    this.finished = true;
    if (this.wallTimer) clearTimeout(this.wallTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pendingOps.clear();
    if (error !== null) this.addLog(status === 'cancelled' ? 'warn' : 'error', error, fields ?? null, null, null);
    // A step still open when the run ends did not finish: it failed with the run.
    for (const open of this.steps.values()) {
      open.record.duration_ms = Math.round(performance.now() - open.started);
      open.record.error = `the run ended before the step finished${error ? ` (${error})` : ''}`;
    }
    this.steps.clear();
    const outcome: WorkerOutcome = { status, result, error, logs: this.logs, steps: this.stepRecords, durationMs: Math.round(performance.now() - this.startedAt) };
    // Drop the instance: its memory, runtime and context go with the last reference.
    this.settleFn = null;
    this.vm = null;
    this.rt = null;
    this.memory = null;
    this.env.release(this.spec.seq);
    this.env.post({ t: 'done', seq: this.spec.seq, outcome });
  }
}

/**
 * A step's output as stored: its JSON value, unless larger than STEP_OUTPUT_BYTES or nested deeper
 * than results may be, in which case a note says what was not kept (the run goes on either way).
 */
function stepOutputValue(json: string): unknown {
  if (json === '') return null;
  if (Buffer.byteLength(json) > STEP_OUTPUT_BYTES) return `[the step's output (${formatBytes(Buffer.byteLength(json))}) is larger than ${formatBytes(STEP_OUTPUT_BYTES)} and was not kept]`;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return "[the step's output could not be read]";
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return `[the step's output is nested more than ${MAX_JSON_DEPTH} levels and was not kept]`;
  return value;
}

function parseArg(arg: string): unknown {
  if (arg === '') return undefined;
  try {
    return JSON.parse(arg);
  } catch {
    throw new HostOpError('invalid call', true);
  }
}

function wireBytes(value: unknown): Buffer {
  const v = (value ?? {}) as { s?: unknown; b?: unknown };
  if (typeof v.s === 'string') return Buffer.from(v.s, 'utf8');
  if (typeof v.b === 'string') return Buffer.from(v.b, 'base64');
  throw new HostOpError('data must be a string or a Uint8Array', true);
}

function urlParts(url: URL) {
  return {
    href: url.href,
    origin: url.origin,
    protocol: url.protocol,
    username: url.username,
    password: url.password,
    host: url.host,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
  };
}

function asGuestError(value: unknown): GuestError {
  const e = (value ?? {}) as Partial<Record<keyof GuestError, unknown>>;
  return {
    name: typeof e.name === 'string' ? e.name.slice(0, 100) : 'Error',
    message: typeof e.message === 'string' ? e.message.slice(0, 2000) : '',
    stack: typeof e.stack === 'string' ? e.stack.slice(0, 4000) : '',
  };
}

/** "TypeError: x is not a function (workflow.ts line 12)". */
function formatGuestError(e: GuestError): string {
  const head = e.message ? (e.name ? `${e.name}: ${e.message}` : e.message) : e.name || 'Error';
  const where = /workflow\.ts:(\d+)/.exec(e.stack);
  return where ? `${head} (${WORKFLOW_FILENAME} line ${where[1]})` : head;
}

function workflowFrames(stack: string): string | null {
  const frames = stack.split('\n').filter((line) => line.includes(WORKFLOW_FILENAME));
  return frames.length > 0 ? frames.map((line) => line.trim()).join('\n') : null;
}

function asWorkflowResult(value: unknown): WorkflowResult | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.success !== 'boolean' || typeof v.message !== 'string') return null;
  return { success: v.success, message: v.message, data: v.data === undefined ? null : v.data };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without success and message';
  return `a ${typeof value}`;
}

/** Host error text for a run's log: no stack, no file paths. */
function clean(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/(?:file:\/\/)?\/[^\s)]+/g, '[path]')
    .slice(0, 300);
}
