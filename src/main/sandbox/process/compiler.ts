// Compiling workflow code in the sandbox process, safe from Node's type stripper breaking. The
// stripper is swc built to wasm, and a script nested deeply enough (some 800 parentheses) makes it
// trap. A trap unwinds without restoring swc's own stack pointer. After two such scripts, every
// later compile on that thread failed with "memory access out of bounds". On the main thread that
// failed every new workflow's runs until the process restarted. Anyone who could save or test code
// could cause it. Node has no way to reset its stripper, but a thread's stripper ends with the
// thread.
//
// So the main thread compiles until its stripper breaks, which only a pathological script does.
// From then on, compiles go to a compile thread, which is replaced each time its own stripper
// breaks. Always compiling on a thread would cost every cold start of the process ~85 ms (a third
// thread booting beside the first worker on two cores) and ~12 MB.
//
// A compile stays synchronous either way (runs start in the order they arrive): on the thread, the
// main thread waits for the answer as it waited for its own compile before.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { awaitReply } from '../../thread-reply.ts';
import { compileWorkflow, type CompileResult } from '../compile.ts';

/** A compile on the thread that takes longer is abandoned with the thread: the main thread waits no longer. */
const COMPILE_TIMEOUT_MS = 10_000;

interface Thread {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

function compileWorkerEntry(): URL {
  // From sources the entry is a sibling module; in the bundles it is sandbox-compile-worker.js next
  // to the bundled sandbox-process.js.
  return import.meta.url.endsWith('.ts') ? new URL('./compile-worker.ts', import.meta.url) : new URL('./sandbox-compile-worker.js', import.meta.url);
}

export class Compiler {
  private ownStripperBroken = false;
  private thread: Thread | null = null;

  compile(code: string): CompileResult {
    if (this.ownStripperBroken) return this.compileOnThread(code);
    const result = compileWorkflow(code);
    if (!result.ok && result.strippingBroke) {
      this.ownStripperBroken = true;
      this.thread = this.spawn();
    }
    return result;
  }

  close(): void {
    this.retire();
  }

  private compileOnThread(code: string): CompileResult {
    const thread = (this.thread ??= this.spawn());
    Atomics.store(thread.signal, 0, 0);
    thread.port.postMessage(code);
    const result = awaitReply(thread.port, thread.signal, COMPILE_TIMEOUT_MS) as CompileResult | undefined;
    if (!result) {
      this.replace();
      return { ok: false, error: `compiling the workflow took longer than ${COMPILE_TIMEOUT_MS / 1000} s` };
    }
    if (!result.ok && result.strippingBroke) this.replace();
    return result;
  }

  /**
   * A new thread at once, booting while the main thread is free: a hostile caller's next script
   * then costs the main thread its compile, not a thread's boot as well.
   */
  private replace(): void {
    this.retire();
    this.thread = this.spawn();
  }

  private retire(): void {
    const thread = this.thread;
    this.thread = null;
    if (!thread) return;
    thread.port.close();
    void thread.worker.terminate();
  }

  private spawn(): Thread {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(compileWorkerEntry(), {
      workerData: { port: port2, signal: signal.buffer },
      transferList: [port2],
      name: 'vigil-compile',
    });
    const thread: Thread = { worker, port: port1, signal };
    // A thread that ended between compiles is replaced by the next one. One that ends during a
    // compile cannot answer it: that compile waits out its timeout.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.thread === thread) this.thread = null;
    });
    // An idle compile thread never keeps the process alive.
    worker.unref();
    port1.unref();
    return thread;
  }
}
