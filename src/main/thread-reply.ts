// Waiting, synchronously, for another thread's answer: the PostgreSQL connection's statements and
// the sandbox's compiles hand work to a thread of their own and block until it answers, because
// their callers are synchronous code that must not interleave with the rest of the event loop.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * The next message on `port`, waiting up to `timeoutMs` on `signal` (index 0, which the caller set
 * to 0 before its request); undefined when none came. The port, not the signal, says whether the
 * answer is there: the worker posts, stores 1 and then notifies, so the caller can see the 1, read
 * that answer and post its next request before the notify lands, and that late notify then wakes
 * the next wait with nothing to read. Taking the wake-up for the answer left the answer on the port
 * for the statement after, and every answer after that went to the wrong statement.
 */
export function awaitReply(port: MessagePort, signal: Int32Array, timeoutMs: number): unknown {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received) return received.message;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(signal, 0, 0, left);
    // A wake-up with nothing on the port was a late one: wait again, for a store still to come.
    Atomics.store(signal, 0, 0);
  }
}
