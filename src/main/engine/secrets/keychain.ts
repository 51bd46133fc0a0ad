/**
 * Secrets in the OS keychain (DESIGN.md §7): macOS Keychain, Windows Credential Manager, and on
 * Linux the Secret Service (gnome-keyring, KWallet, KeePassXC) over D-Bus, through
 * `@napi-rs/keyring`. On Linux every entry is pinned to the Secret Service: the library's default
 * would fall back to the kernel keyutils store, which forgets everything at logout/reboot and so
 * would lose secrets silently.
 *
 * A missing secret is `null`; a keychain that cannot be used (no D-Bus session, no Secret Service,
 * locked keyring whose unlock prompt was dismissed, no answer in time) is a
 * `KeychainUnavailableError`, never a silent `null`.
 *
 * Library behaviour this code relies on (checked against @napi-rs/keyring 2.1.2 on Linux):
 * - `new AsyncEntry(...)` is synchronous and already connects to D-Bus and opens a Secret Service
 *   session: ~5-8 ms normally, ~2 s (its D-Bus reply timeout) when the Secret Service hangs, and
 *   forever when the bus itself never answers. It throws at once when there is no bus or no
 *   Secret Service. So all entries live on one worker thread, built once per (service, name) and
 *   kept; the caller's event loop only posts messages, and a per-call timeout bounds every call.
 * - get/set/delete on `AsyncEntry` return promises (they run on the libuv pool).
 * - Reading or deleting an existing item, or writing any item, in a locked collection asks the
 *   Secret Service for an unlock prompt; when none can be shown (headless) the call rejects with
 *   "unlock prompt was dismissed". Looking up a name that does not exist answers `null` even while
 *   locked (the Secret Service searches locked collections too): that `null` is the truth, not a
 *   swallowed failure. `probe()` therefore writes, reads back and deletes a probe item, while
 *   `check()` (the engine's look at start) only reads: it finds a missing bus or Secret Service
 *   without prompting anyone, and leaves a locked keyring to the first real call.
 * - Every failure has the napi code `GenericFailure`; only the message tells them apart.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SECRET_NAME } from '../../../shared/domain.ts';
import { DomainError } from '../errors.ts';

export const DEFAULT_KEYCHAIN_SERVICE = 'vigil';
/** Vigil's own credentials (notifier tokens, integration and LLM keys): a service of their own, so no workflow can declare and read them. */
export const CREDENTIALS_SERVICE = 'vigil.credentials';
/** How long one keychain call may take before it counts as unavailable (an unanswered prompt). */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 60_000;
/** Largest secret value, in UTF-8 bytes. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

/**
 * The account name `probe()` writes, reads back and deletes: outside the secret-name pattern, and
 * per process, so probes from two processes sharing a service never meet.
 */
const PROBE_ACCOUNT = `vigil.keychain-probe.${process.pid}`;

/** Why the keychain cannot be used. */
export type KeychainUnavailableReason =
  | 'no-dbus-session'
  | 'no-secret-service'
  | 'locked'
  | 'timeout'
  | 'unsupported'
  | 'platform-failure';

/**
 * The OS keychain cannot be used right now; the message says what is wrong and what to do, and
 * `why` and `fix` say the same in parts, for the console's banner and `vigil serve`'s start-up note.
 */
export class KeychainUnavailableError extends DomainError {
  readonly reason: KeychainUnavailableReason;
  readonly why: string;
  readonly fix: string;

  constructor(reason: KeychainUnavailableReason, message: string, options: { cause?: unknown; why: string; fix: string }) {
    super('unavailable', 'KEYCHAIN_UNAVAILABLE', message, null, { cause: options.cause });
    this.name = 'KeychainUnavailableError';
    this.reason = reason;
    this.why = options.why;
    this.fix = options.fix;
  }
}

/**
 * Whether the keychain can be used, as found at start (`SecretStore.check`) and by later calls.
 * `checking` until the first answer; `unavailable` carries the error's reason, why and fix.
 */
export type KeychainStatus =
  | { state: 'checking' }
  | { state: 'available' }
  | { state: 'unavailable'; reason: KeychainUnavailableReason; why: string; fix: string };

export function unavailableStatus(error: KeychainUnavailableError): KeychainStatus {
  return { state: 'unavailable', reason: error.reason, why: error.why, fix: error.fix };
}

/** The keychain answered, but with an error that is not about its availability (e.g. ambiguous entries). */
export class KeychainError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream', 'KEYCHAIN_ERROR', message, null, options);
    this.name = 'KeychainError';
  }
}

/** A secret name or value that Vigil does not accept. */
export class SecretValidationError extends Error {
  readonly code = 'SECRET_INVALID';
  readonly field: 'name' | 'value';

  constructor(field: 'name' | 'value', message: string) {
    super(message);
    this.name = 'SecretValidationError';
    this.field = field;
  }
}

export interface SecretStore {
  /** The secret's value, or `null` when no secret has that name. */
  get(name: string): Promise<string | null>;
  /** Creates or replaces the secret. */
  set(name: string, value: string): Promise<void>;
  /** `true` when a secret was deleted, `false` when there was none. */
  delete(name: string): Promise<boolean>;
  /** Resolves when the store can be read and written; rejects with `KeychainUnavailableError` otherwise. */
  probe(): Promise<void>;
  /**
   * Whether the keychain answers at all, without writing anything or prompting: a read of an entry
   * that does not exist. A locked keyring answers that read, so it counts as available here (its
   * first real use says it is locked).
   */
  check(timeoutMs?: number): Promise<KeychainStatus>;
}

export interface KeychainStoreOptions {
  /** Service name the entries are filed under; tests use a unique one per run. Default `vigil`. */
  service?: string;
  /** Per-call limit in milliseconds; a call that takes longer rejects as unavailable. Default 60 s. */
  timeoutMs?: number;
}

export function validateSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name) : typeof name;
    throw new SecretValidationError(
      'name',
      `Invalid secret name ${shown}: a name starts with a letter or underscore, continues with letters, digits or underscores, and is at most 128 characters (e.g. VIRUSTOTAL_API_KEY).`,
    );
  }
}

export function validateSecretValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new SecretValidationError('value', `Invalid secret value: expected a string, got ${typeof value}.`);
  }
  if (value.length === 0) {
    throw new SecretValidationError('value', 'Invalid secret value: it is empty. To remove a secret, delete it.');
  }
  if (!value.isWellFormed()) {
    throw new SecretValidationError('value', 'Invalid secret value: it contains a lone UTF-16 surrogate, which cannot be stored as UTF-8.');
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new SecretValidationError(
      'value',
      `Invalid secret value: it is ${bytes} bytes of UTF-8; the limit is ${MAX_SECRET_VALUE_BYTES} bytes (64 KB).`,
    );
  }
}

/**
 * The code of the thread that owns every keyring entry. It runs the library's constructors (which
 * block on D-Bus) and its async calls away from the main event loop. Written to run both as a
 * script and as a module (an `eval` worker inherits `--input-type`), so it uses no `require` or
 * `import` of its own; it gets the library's resolved path from the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { createRequire } = process.getBuiltinModule('node:module');
let keyring;
let loadError;
try { keyring = createRequire(workerData.keyringPath)(workerData.keyringPath); } catch (error) { loadError = error; }
const entries = new Map();
const options = { linux: { store: 'secret-service' } };
const messageOf = (error) => (error instanceof Error ? error.message : String(error));
parentPort.on('message', async ({ id, service, account, op, value }) => {
  if (loadError) {
    parentPort.postMessage({ id, error: messageOf(loadError), loadFailed: true });
    return;
  }
  const key = JSON.stringify([service, account]);
  try {
    let entry = entries.get(key);
    if (!entry) {
      entry = new keyring.AsyncEntry(service, account, options);
      entries.set(key, entry);
    }
    let result = null;
    if (op === 'get') result = await entry.getPassword();
    else if (op === 'set') await entry.setPassword(value);
    else result = await entry.deleteCredential();
    parentPort.postMessage({ id, result });
  } catch (error) {
    entries.delete(key);
    parentPort.postMessage({ id, error: messageOf(error) });
  }
});
`;

type KeyringOp = 'get' | 'set' | 'delete';
type WorkerReply = { id: number; result?: string | boolean | null; error?: string; loadFailed?: boolean };
interface PendingCall {
  resolve(result: string | boolean | null): void;
  reject(error: Error): void;
}

/**
 * One worker thread per process serves every `KeychainStore`. It is unref'd, so an idle keychain
 * never keeps the process alive (a pending call's timeout timer does, until it settles). A call
 * that times out may have left the thread stuck in native code, so the thread is dropped and the
 * next call starts a new one.
 */
class KeyringThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private dead = false;

  constructor(keyringPath: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { keyringPath } });
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the keychain worker thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the thread's port again.
    this.worker.unref();
  }

  get usable(): boolean {
    return !this.dead;
  }

  call(message: { service: string; account: string; op: KeyringOp; value?: string }): Promise<string | boolean | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  /** Ends the thread; calls still waiting on it reject with `error`. */
  abandon(error: Error): void {
    this.fail(error);
    void this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (reply.error === undefined) call.resolve(reply.result ?? null);
    else call.reject(reply.loadFailed ? new NativeModuleError(reply.error) : new LibraryError(reply.error));
  }

  private fail(error: Error): void {
    this.dead = true;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

/** An error message as the library gave it, before `translateError` reads it. */
class LibraryError extends Error {}
class NativeModuleError extends Error {}

let thread: KeyringThread | undefined;
const probesRunning = new Map<string, Promise<void>>();

function keyringThread(): KeyringThread {
  if (thread?.usable) return thread;
  let keyringPath: string;
  try {
    keyringPath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch (error) {
    throw new NativeModuleError(messageOf(error));
  }
  thread = new KeyringThread(keyringPath);
  return thread;
}

/**
 * A `SecretStore` over the OS keychain; see the file comment for the library's behaviour. Entries
 * live on a worker thread, so no call blocks the caller's event loop, even when D-Bus does not answer.
 */
export class KeychainStore implements SecretStore {
  readonly service: string;
  private readonly timeoutMs: number;

  constructor(options: KeychainStoreOptions = {}) {
    const service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    if (typeof service !== 'string' || service.trim() === '') {
      throw new TypeError('Keychain service name must be a non-empty string.');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError('Keychain timeoutMs must be a positive number of milliseconds.');
    }
    this.service = service;
    this.timeoutMs = timeoutMs;
  }

  async get(name: string): Promise<string | null> {
    validateSecretName(name);
    return (await this.call(name, 'get')) as string | null;
  }

  async set(name: string, value: string): Promise<void> {
    validateSecretName(name);
    validateSecretValue(value);
    await this.call(name, 'set', value);
  }

  async delete(name: string): Promise<boolean> {
    validateSecretName(name);
    return (await this.call(name, 'delete')) as boolean;
  }

  /**
   * Writes, reads back and deletes a probe item. A read alone would not do: looking up a missing
   * name succeeds even in a locked keyring. On a desktop the write may show an unlock prompt.
   */
  probe(): Promise<void> {
    // Probes of one service running at once would overwrite each other's probe item: they share a run.
    let running = probesRunning.get(this.service);
    if (!running) {
      running = this.runProbe().finally(() => probesRunning.delete(this.service));
      probesRunning.set(this.service, running);
    }
    return running;
  }

  async check(timeoutMs: number = this.timeoutMs): Promise<KeychainStatus> {
    try {
      await this.call(PROBE_ACCOUNT, 'get', undefined, timeoutMs);
      return { state: 'available' };
    } catch (error) {
      // Any other failure is an answer from the keychain: it is there.
      if (error instanceof KeychainUnavailableError) return unavailableStatus(error);
      return { state: 'available' };
    }
  }

  private async runProbe(): Promise<void> {
    const token = `probe-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await this.call(PROBE_ACCOUNT, 'set', token);
    const read = await this.call(PROBE_ACCOUNT, 'get');
    await this.call(PROBE_ACCOUNT, 'delete');
    if (read !== token) {
      const why = `a probe value written under service "${this.service}" did not read back (got ${read === null ? 'nothing' : 'a different value'}).`;
      const fix = 'Check that your keyring daemon is running and unlocked, then restart Vigil.';
      throw new KeychainUnavailableError('platform-failure', `The OS keychain is unavailable: ${why} ${fix}`, { why, fix });
    }
  }

  private async call(account: string, op: KeyringOp, value?: string, timeoutMs: number = this.timeoutMs): Promise<string | boolean | null> {
    const action = { get: 'read', set: 'write', delete: 'delete' }[op];
    let timer: NodeJS.Timeout | undefined;
    try {
      const worker = keyringThread();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = `it did not answer within ${formatMs(timeoutMs)}: it may be waiting on an unlock prompt nobody answered, or the Secret Service is hung.`;
          const fix = 'Unlock or restart your keyring and try again.';
          const error = new KeychainUnavailableError(
            'timeout',
            `The OS keychain did not answer within ${formatMs(timeoutMs)} (${action} of "${account}" in service "${this.service}"). It may be waiting on an unlock prompt nobody answered, or the Secret Service is hung: unlock or restart your keyring and try again.`,
            { why, fix },
          );
          worker.abandon(error);
          reject(error);
        }, timeoutMs);
      });
      return await Promise.race([worker.call({ service: this.service, account, op, value }), timeout]);
    } catch (error) {
      throw translateError(error, action, account, this.service);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createKeychainStore(options?: KeychainStoreOptions): SecretStore {
  return new KeychainStore(options);
}

/**
 * A `SecretStore` held in this process's memory, gone when it exits. For engine tests that are not
 * about the keychain, and for one-off `vigil test --secret NAME=VALUE` runs. Never for stored secrets.
 * Applies the same name and value rules as the keychain store.
 */
export function createMemorySecretStore(initial: Record<string, string> = {}): SecretStore {
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(initial)) {
    validateSecretName(name);
    validateSecretValue(value);
    secrets.set(name, value);
  }
  return {
    async get(name) {
      validateSecretName(name);
      return secrets.get(name) ?? null;
    },
    async set(name, value) {
      validateSecretName(name);
      validateSecretValue(value);
      secrets.set(name, value);
    },
    async delete(name) {
      validateSecretName(name);
      return secrets.delete(name);
    },
    async probe() {},
    async check() {
      return { state: 'available' };
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/**
 * What to do on a Linux machine without a usable session keyring: the two ways the README's
 * "Secrets on a headless Linux machine" describes.
 */
const HEADLESS_FIX =
  'Run Vigil in a desktop session (its keyring unlocks when you log in), or give it a keyring of its own: ' +
  '"scripts/with-keyring.sh npm run serve" to try Vigil (values last until it stops), or the README\'s ' +
  '"Secrets on a headless Linux machine" for a keyring that keeps them.';

/** Maps the library's errors (all napi code `GenericFailure`) to ours by their message. */
function translateError(error: unknown, action: string, account: string, service: string): Error {
  if (error instanceof KeychainUnavailableError || error instanceof KeychainError) return error;
  const detail = messageOf(error);
  const what = `${action} of "${account}" in service "${service}"`;
  const unavailable = (reason: KeychainUnavailableReason, why: string, fix: string) =>
    new KeychainUnavailableError(reason, `The OS keychain is unavailable (${what}): ${why} ${fix} [${detail}]`, { cause: error, why, fix });

  if (error instanceof NativeModuleError) {
    return unavailable(
      'unsupported',
      `the native keyring module could not be loaded on ${process.platform}-${process.arch}.`,
      "Reinstall Vigil's dependencies for this platform.",
    );
  }
  if (!(error instanceof LibraryError)) {
    return unavailable('platform-failure', 'the keychain worker thread failed.', 'Try again; if it persists, restart Vigil.');
  }
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|Failed to connect to socket|Connection refused|org\.freedesktop\.DBus\.Error\.(NoServer|FileNotFound|Disconnected)/i.test(detail)) {
    return unavailable(
      'no-dbus-session',
      `no D-Bus session bus is reachable (${process.env.DBUS_SESSION_BUS_ADDRESS ? 'nothing answers at DBUS_SESSION_BUS_ADDRESS' : 'DBUS_SESSION_BUS_ADDRESS is not set'}), so the Secret Service cannot be asked.`,
      HEADLESS_FIX,
    );
  }
  if (/\blocked\b|IsLocked|prompt was dismissed/i.test(detail)) {
    return unavailable(
      'locked',
      'the keyring is locked and was not unlocked (the unlock prompt was dismissed or could not be shown).',
      'Unlock your login keyring (log in to the desktop, or unlock it in your keyring manager) and try again.',
    );
  }
  if (/org\.freedesktop\.secrets|ServiceUnknown|NameHasNoOwner|not provided by any \.service files/i.test(detail)) {
    return unavailable(
      'no-secret-service',
      'the D-Bus session has no Secret Service provider.',
      `Install and start one (gnome-keyring, KWallet or KeePassXC with Secret Service integration), or: ${HEADLESS_FIX}`,
    );
  }
  if (/Did not receive a reply|NoReply|timed? ?out/i.test(detail)) {
    return unavailable('timeout', 'the Secret Service did not answer in time.', 'Check that your keyring daemon is running and responsive (restart it if needed) and try again.');
  }
  if (/^(Platform failure|Couldn't access platform)/i.test(detail)) {
    return unavailable('platform-failure', 'the platform keychain reported a failure.', 'Check that your keychain is running and unlocked, then try again.');
  }
  return new KeychainError(`The OS keychain refused the ${what}: ${detail}`, { cause: error });
}
