/**
 * The keychain store against the REAL OS keychain (no mocks). On Linux run it with a private,
 * unlocked Secret Service:
 *
 *   scripts/with-keyring.sh npx vitest run test/engine/secrets
 *
 * Without a usable keychain the real-keychain tests fail loudly when CI is set and are skipped,
 * with the reason, otherwise. The unavailable cases run in child processes whose D-Bus session is
 * unreachable, has no Secret Service, or holds a locked keyring.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeychainStore,
  createMemorySecretStore,
  KeychainUnavailableError,
  MAX_SECRET_VALUE_BYTES,
  SecretValidationError,
  type SecretStore,
} from '../../../src/main/engine/secrets/index.ts';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SECRETS_MODULE = join(REPO, 'src/main/engine/secrets/index.ts');
const WITH_KEYRING = join(REPO, 'scripts/with-keyring.sh');
const RUN_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;
const SERVICE = `vigil-test-${RUN_ID}`;
const HOW_TO_RUN = 'run them as `scripts/with-keyring.sh npx vitest run test/engine/secrets` (Debian packages: scripts/apt-packages.txt)';
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** Why the real keychain cannot be used here, or null when it can. */
async function keychainProblem(): Promise<string | null> {
  try {
    await createKeychainStore({ service: SERVICE, timeoutMs: 15_000 }).probe();
    return null;
  } catch (error) {
    if (error instanceof KeychainUnavailableError) return error.message;
    throw error;
  }
}

function missingTools(tools: string[]): Promise<string[]> {
  return Promise.all(
    tools.map(
      (tool) =>
        new Promise<string | null>((done) =>
          execFile('sh', ['-c', `command -v ${tool}`], (error) => done(error ? tool : null)),
        ),
    ),
  ).then((results) => results.filter((tool): tool is string => tool !== null));
}

const keychainUnavailable = await keychainProblem();
if (keychainUnavailable && IN_CI) {
  throw new Error(`No usable OS keychain for the keychain tests; ${HOW_TO_RUN}. The keychain said: ${keychainUnavailable}`);
}
if (keychainUnavailable) console.warn(`Skipping real-keychain tests: ${keychainUnavailable}\nTo ${HOW_TO_RUN}.`);

const linuxTools = process.platform === 'linux' ? await missingTools(['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon']) : [];
if (linuxTools.length > 0 && IN_CI) {
  throw new Error(`Missing ${linuxTools.join(', ')} for the keychain tests; install scripts/apt-packages.txt.`);
}
const noLinuxTools = process.platform !== 'linux' || linuxTools.length > 0;

describe('memory secret store', () => {
  it('round-trips, answers null for a missing secret and validates like the keychain', async () => {
    const store = createMemorySecretStore({ PRESET: 'p' });
    expect(await store.get('PRESET')).toBe('p');
    expect(await store.get('MISSING')).toBeNull();
    await store.set('TOKEN', 'v1');
    await store.set('TOKEN', 'v2');
    expect(await store.get('TOKEN')).toBe('v2');
    expect(await store.delete('TOKEN')).toBe(true);
    expect(await store.delete('TOKEN')).toBe(false);
    await expect(store.probe()).resolves.toBeUndefined();
    await expect(store.set('bad-name', 'x')).rejects.toBeInstanceOf(SecretValidationError);
    await expect(store.set('OK', '')).rejects.toBeInstanceOf(SecretValidationError);
  });
});

describe.skipIf(keychainUnavailable !== null)(
  `real keychain${keychainUnavailable ? ` (skipped: no usable keychain; to ${HOW_TO_RUN})` : ''}`,
  () => {
    let store: SecretStore;
    const used = new Set<string>();
    const name = (base: string) => {
      used.add(base);
      return base;
    };

    beforeAll(() => {
      store = createKeychainStore({ service: SERVICE });
    });

    afterAll(async () => {
      const other = createKeychainStore({ service: `${SERVICE}-other` });
      for (const secret of used) {
        await store.delete(secret);
        await other.delete(secret);
      }
    });

    it('checks (a read of nothing) as available', async () => {
      expect(await store.check()).toEqual({ state: 'available' });
    });

    it('probes successfully, also when probes overlap', async () => {
      await expect(store.probe()).resolves.toBeUndefined();
      const twin = createKeychainStore({ service: SERVICE });
      await expect(Promise.all([store.probe(), store.probe(), twin.probe()])).resolves.toEqual([undefined, undefined, undefined]);
    });

    it('sets, gets, replaces and deletes a secret', async () => {
      const secret = name('ROUND_TRIP');
      expect(await store.get(secret)).toBeNull();
      await store.set(secret, 'first');
      expect(await store.get(secret)).toBe('first');
      await store.set(secret, 'second');
      expect(await store.get(secret)).toBe('second');
      expect(await store.delete(secret)).toBe(true);
      expect(await store.get(secret)).toBeNull();
      expect(await store.delete(secret)).toBe(false);
    });

    it('answers null for a secret that was never set', async () => {
      expect(await store.get(name('NEVER_SET'))).toBeNull();
      expect(await store.delete(name('NEVER_SET'))).toBe(false);
    });

    it('keeps unicode, whitespace and control characters exactly', async () => {
      const values = [
        'päßwörd',
        '🔑🗝️ key with emoji',
        '日本語のシークレット',
        'שלום مرحبا',
        'e\u0301 (combining accent)',
        '  leading and trailing spaces  ',
        'line one\nline two\r\n\ttab',
        'nul\u0000inside',
      ];
      const secret = name('UNICODE_VALUE');
      for (const value of values) {
        await store.set(secret, value);
        expect(await store.get(secret)).toBe(value);
      }
    });

    it('stores a value of exactly the size limit', async () => {
      const secret = name('LARGEST_VALUE');
      const value = 'é'.repeat(MAX_SECRET_VALUE_BYTES / 2 - 2) + 'abcd';
      expect(Buffer.byteLength(value)).toBe(MAX_SECRET_VALUE_BYTES);
      await store.set(secret, value);
      expect(await store.get(secret)).toBe(value);
    });

    it('accepts names at the edges of the pattern', async () => {
      for (const edge of ['_', 'a', `A${'b'.repeat(127)}`, 'api_KEY_2']) {
        await store.set(name(edge), `value of ${edge}`);
        expect(await store.get(edge)).toBe(`value of ${edge}`);
      }
    });

    it('rejects invalid names on every operation', async () => {
      const invalid = ['', '1abc', 'has-dash', 'has space', 'dot.name', 'é', `A${'b'.repeat(128)}`, 'tab\t'];
      for (const bad of invalid) {
        for (const attempt of [() => store.get(bad), () => store.set(bad, 'x'), () => store.delete(bad)]) {
          const error = await attempt().then(
            () => null,
            (caught: unknown) => caught,
          );
          expect(error, `name ${JSON.stringify(bad)}`).toBeInstanceOf(SecretValidationError);
          expect(error).toMatchObject({ code: 'SECRET_INVALID', field: 'name' });
          expect((error as Error).message).toMatch(/letter or underscore/);
        }
      }
      await expect(store.get(undefined as unknown as string)).rejects.toBeInstanceOf(SecretValidationError);
    });

    it('rejects invalid values with a clear message and leaves the stored value alone', async () => {
      const secret = name('VALUE_CHECKS');
      await store.set(secret, 'kept');
      const cases: Array<[unknown, RegExp]> = [
        ['', /empty/],
        ['x'.repeat(MAX_SECRET_VALUE_BYTES + 1), /65537 bytes.*limit is 65536/],
        ['é'.repeat(MAX_SECRET_VALUE_BYTES / 2 + 1), /limit is 65536/],
        ['lone \ud800 surrogate', /surrogate/],
        [42, /expected a string/],
      ];
      for (const [value, message] of cases) {
        const error = await store.set(secret, value as string).then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(SecretValidationError);
        expect(error).toMatchObject({ code: 'SECRET_INVALID', field: 'value' });
        expect((error as Error).message).toMatch(message);
      }
      expect(await store.get(secret)).toBe('kept');
    });

    it('keeps services apart', async () => {
      const secret = name('SHARED_NAME');
      const other = createKeychainStore({ service: `${SERVICE}-other` });
      await store.set(secret, 'mine');
      expect(await other.get(secret)).toBeNull();
      await other.set(secret, 'theirs');
      expect(await store.get(secret)).toBe('mine');
      expect(await other.get(secret)).toBe('theirs');
      expect(await other.delete(secret)).toBe(true);
      expect(await store.get(secret)).toBe('mine');
    });

    it('handles concurrent calls', async () => {
      const names = Array.from({ length: 8 }, (_, i) => name(`PARALLEL_${i}`));
      await Promise.all(names.map((secret, i) => store.set(secret, `v${i}`)));
      expect(await Promise.all(names.map((secret) => store.get(secret)))).toEqual(names.map((_, i) => `v${i}`));
    });
  },
);

interface ChildResult {
  ok: boolean;
  ms: number;
  maxLagMs: number;
  value?: unknown;
  name?: string;
  code?: string;
  reason?: string;
  message?: string;
}

/**
 * Runs store operations in a child Node process, so its D-Bus environment can differ from ours.
 * For each operation it also reports how long it took and the longest stall of its event loop.
 */
const CHILD = `
const [modulePath, service, opsJson, timeoutMs] = process.argv.slice(1);
const { createKeychainStore } = await import(modulePath);
const store = createKeychainStore({ service, timeoutMs: Number(timeoutMs) });
const results = [];
for (const [op, ...args] of JSON.parse(opsJson)) {
  let last = performance.now();
  let maxLagMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  let result;
  try {
    const value = await store[op](...args);
    result = { ok: true, value: value === undefined ? null : value };
  } catch (error) {
    result = { ok: false, name: error.name, code: error.code, reason: error.reason, message: error.message };
  }
  clearInterval(ticker);
  results.push({ ...result, ms: Math.round(performance.now() - started), maxLagMs: Math.round(Math.max(maxLagMs, performance.now() - last)) });
}
console.log('RESULT ' + JSON.stringify(results));
`;

type Op = [string, ...string[]];

function childArgs(service: string, ops: Op[], timeoutMs = 15_000): string[] {
  return ['--input-type=module', '--no-warnings', '-e', CHILD, SECRETS_MODULE, service, JSON.stringify(ops), String(timeoutMs)];
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${file} failed: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      else done(stdout);
    });
  });
}

function parseResults(stdout: string): ChildResult[][] {
  const lines = stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  return lines.map((line) => JSON.parse(line.slice('RESULT '.length)) as ChildResult[]);
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of names) delete env[name];
  return env;
}

function expectUnavailable(result: ChildResult | undefined, reason: string, message: RegExp) {
  expect(result).toMatchObject({ ok: false, name: 'KeychainUnavailableError', code: 'KEYCHAIN_UNAVAILABLE', reason });
  expect(result?.message).toMatch(message);
}

const ALL_OPS: Op[] = [['get', 'SOME_SECRET'], ['set', 'SOME_SECRET', 'value'], ['delete', 'SOME_SECRET'], ['probe']];

describe.skipIf(process.platform !== 'linux')('unusable keychain (Linux, real processes)', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'vigil-keychain-test-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('rejects every operation with KeychainUnavailableError when the D-Bus socket does not exist', async () => {
    const env = { ...envWithout('DBUS_SESSION_BUS_ADDRESS'), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(scratch, 'no-such-bus')}` };
    const [results] = parseResults(await run(process.execPath, childArgs(`vigil-test-${RUN_ID}-nobus`, ALL_OPS), env));
    expect(results).toHaveLength(ALL_OPS.length);
    for (const result of results ?? []) expectUnavailable(result, 'no-dbus-session', /no D-Bus session bus is reachable/);
  });

  it('rejects with KeychainUnavailableError when DBUS_SESSION_BUS_ADDRESS is not set at all', async () => {
    const env = envWithout('DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY');
    const [results] = parseResults(await run(process.execPath, childArgs(`vigil-test-${RUN_ID}-nobus`, [['get', 'X'], ['check']]), env));
    expectUnavailable(results?.[0], 'no-dbus-session', /DBUS_SESSION_BUS_ADDRESS/);
    // check() answers the same as a status, with why and what to do in parts (the console's banner).
    expect(results?.[1]).toMatchObject({
      ok: true,
      value: { state: 'unavailable', reason: 'no-dbus-session', why: expect.stringMatching(/DBUS_SESSION_BUS_ADDRESS is not set/), fix: expect.stringMatching(/desktop session/) },
    });
  });

  it.skipIf(noLinuxTools)('rejects with KeychainUnavailableError on a session bus without a Secret Service', async () => {
    const config = join(scratch, 'bare-session.conf');
    await writeFile(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${scratch}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
    );
    const args = ['--config-file', config, '--', process.execPath, ...childArgs(`vigil-test-${RUN_ID}-nosvc`, ALL_OPS)];
    const [results] = parseResults(await run('dbus-run-session', args, envWithout('DBUS_SESSION_BUS_ADDRESS')));
    expect(results).toHaveLength(ALL_OPS.length);
    for (const result of results ?? []) expectUnavailable(result, 'no-secret-service', /no Secret Service provider/);
    const [checked] = parseResults(await run('dbus-run-session', ['--config-file', config, '--', process.execPath, ...childArgs(`vigil-test-${RUN_ID}-nosvc`, [['check']])], envWithout('DBUS_SESSION_BUS_ADDRESS')));
    expect(checked?.[0]).toMatchObject({ ok: true, value: { state: 'unavailable', reason: 'no-secret-service' } });
  });

  it.skipIf(noLinuxTools)(
    'rejects with KeychainUnavailableError, never null, when the keyring is locked (private keyring via scripts/with-keyring.sh)',
    async () => {
      const service = `vigil-test-${RUN_ID}-locked`;
      const script = `
set -e
"$NODE" ${childArgs(service, [['set', 'STORED', 'before-lock'], ['get', 'STORED']]).map(quote).join(' ')}
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \\
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
"$NODE" ${childArgs(service, [['get', 'STORED'], ['set', 'OTHER', 'x'], ['delete', 'STORED'], ['probe'], ['get', 'NEVER_STORED']]).map(quote).join(' ')}
`;
      // Without DBUS_SESSION_BUS_ADDRESS the harness always makes a fresh private keyring to lock.
      const env = { ...envWithout('DBUS_SESSION_BUS_ADDRESS'), NODE: process.execPath };
      const [unlocked, locked] = parseResults(await run(WITH_KEYRING, ['bash', '-c', script], env));
      expect(unlocked).toMatchObject([
        { ok: true, value: null },
        { ok: true, value: 'before-lock' },
      ]);
      expect(locked).toHaveLength(5);
      for (const result of locked?.slice(0, 4) ?? []) expectUnavailable(result, 'locked', /keyring is locked/);
      // A name that was never stored is absent whether or not the keyring is locked: the Secret
      // Service searches locked collections too, so this null is the truth, not a swallowed error.
      expect(locked?.[4]).toMatchObject({ ok: true, value: null });
    },
  );

  it.skipIf(noLinuxTools)(
    'rejects with a timeout, without stalling the event loop, when the Secret Service hangs',
    async () => {
      const service = `vigil-test-${RUN_ID}-hung`;
      // SIGSTOP the private keyring daemon: it still owns its D-Bus name but never answers.
      const script = `
set -e
pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | sed -n 's/.*uint32 \\([0-9][0-9]*\\).*/\\1/p')
"$NODE" ${childArgs(service, [['set', 'WARM', 'v']]).map(quote).join(' ')}
kill -STOP "$pid"
trap 'kill -CONT "$pid"' EXIT
"$NODE" ${childArgs(service, [['get', 'WARM'], ['get', 'COLD'], ['set', 'COLD', 'v']], 1000).map(quote).join(' ')}
`;
      const env = { ...envWithout('DBUS_SESSION_BUS_ADDRESS'), NODE: process.execPath };
      const [warm, hung] = parseResults(await run(WITH_KEYRING, ['bash', '-c', script], env));
      expect(warm).toMatchObject([{ ok: true }]);
      expect(hung).toHaveLength(3);
      for (const result of hung ?? []) {
        expectUnavailable(result, 'timeout', /did not answer/);
        expect(result.ms).toBeLessThan(5_000);
        // A new entry blocks on D-Bus for seconds in the library's constructor; that must happen
        // off the caller's event loop.
        expect(result.maxLagMs).toBeLessThan(500);
      }
    },
  );
});

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
