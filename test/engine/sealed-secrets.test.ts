// Secrets sealed in the database under an operator's master key (a server without an OS keychain):
// the values never sit in the database in clear, a row moved under another name does not open, the
// wrong key says so, rotation moves every row (and finishes when run again), and a server started
// with a master key stores and runs with secrets through the same API as with the keychain.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openSqliteStore, type SqliteStore } from '../../src/main/engine/index.ts';
import {
  createSealedSecretStore,
  MasterKeyError,
  readMasterKeyFile,
  rotateMasterKey,
  writeNewMasterKeyFile,
} from '../../src/main/engine/secrets/index.ts';
import { closeSharedSandbox, eventually, startTestServer } from '../helpers/server.ts';
import { serve, vigil } from '../helpers/cli.ts';

const now = () => '2026-12-06T00:00:00.000Z';
const scratch = () => mkdtempSync(join(tmpdir(), 'vigil-sealed-'));

function freshStore(): { store: SqliteStore; file: string } {
  const dir = scratch();
  const file = join(dir, DATABASE_FILE);
  return { store: openSqliteStore(file), file };
}

function keyFile(dir: string, name = 'master.key') {
  const path = join(dir, name);
  return { path, key: writeNewMasterKeyFile(path) };
}

afterAll(async () => {
  await closeSharedSandbox();
});

describe('master key files', () => {
  it('are made readable by their owner only, never overwritten, and read back as the same key', () => {
    const dir = scratch();
    const { path, key } = keyFile(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readMasterKeyFile(path)).toEqual(key);
    expect(() => writeNewMasterKeyFile(path)).toThrow(/never overwritten/);
  });

  it('take hex text too, and refuse a file others may read or one that holds no 32-byte key', () => {
    const dir = scratch();
    const hex = join(dir, 'hex.key');
    writeFileSync(hex, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    expect(readMasterKeyFile(hex).key).toHaveLength(32);
    chmodSync(hex, 0o644);
    expect(() => readMasterKeyFile(hex)).toThrow(/read by others.*chmod 600/);
    const short = join(dir, 'short.key');
    writeFileSync(short, 'too short', { mode: 0o600 });
    expect(() => readMasterKeyFile(short)).toThrow(MasterKeyError);
    expect(() => readMasterKeyFile(join(dir, 'missing.key'))).toThrow(/Cannot read/);
  });
});

describe('the sealed store', () => {
  it('keeps values only sealed in the database, and answers as the keychain does', async () => {
    const { store, file } = freshStore();
    const { key } = keyFile(scratch());
    const secrets = createSealedSecretStore(store.sealedSecrets, key, 'vigil', now);
    await secrets.set('OKTA_API_TOKEN', 'plain-okta-token-value');
    expect(await secrets.get('OKTA_API_TOKEN')).toBe('plain-okta-token-value');
    expect(await secrets.get('MISSING')).toBeNull();
    await secrets.set('OKTA_API_TOKEN', 'rotated-okta-token');
    expect(await secrets.get('OKTA_API_TOKEN')).toBe('rotated-okta-token');
    expect((await secrets.check()).state).toBe('available');
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(file).includes('okta-token')).toBe(false);
    expect(await secrets.delete('OKTA_API_TOKEN')).toBe(true);
    expect(await secrets.delete('OKTA_API_TOKEN')).toBe(false);
    await expect(secrets.set('not a name', 'x')).rejects.toThrow();
    store.close();
  });

  it('refuses to open a row moved under another name or service, or with another master key', async () => {
    const { store } = freshStore();
    const { key } = keyFile(scratch());
    const secrets = createSealedSecretStore(store.sealedSecrets, key, 'vigil', now);
    await secrets.set('A', 'value-a');
    store.db.prepare("INSERT INTO sealed_secrets SELECT service, 'B', master_key, wrapped_key, value, updated_at FROM sealed_secrets WHERE name = 'A'").run();
    await expect(secrets.get('B')).rejects.toMatchObject({ code: 'SECRET_UNSEALABLE' });
    store.db.prepare("INSERT INTO sealed_secrets SELECT 'vigil.credentials', name, master_key, wrapped_key, value, updated_at FROM sealed_secrets WHERE name = 'A'").run();
    const credentials = createSealedSecretStore(store.sealedSecrets, key, 'vigil.credentials', now);
    await expect(credentials.get('A')).rejects.toMatchObject({ code: 'SECRET_UNSEALABLE' });

    const other = keyFile(scratch()).key;
    const wrongKey = createSealedSecretStore(store.sealedSecrets, other, 'vigil', now);
    await expect(wrongKey.get('A')).rejects.toThrow(new RegExp(`sealed under master key ${key.id}.*${other.id}`));
    store.close();
  });

  it('rotates every row to a new master key in one go, and finishes an interrupted rotation', async () => {
    const { store } = freshStore();
    const dir = scratch();
    const old = keyFile(dir, 'old.key').key;
    const next = keyFile(dir, 'new.key').key;
    const before = createSealedSecretStore(store.sealedSecrets, old, 'vigil', now);
    const creds = createSealedSecretStore(store.sealedSecrets, old, 'vigil.credentials', now);
    await before.set('ONE', 'first');
    await before.set('TWO', 'second');
    await creds.set('SLACK_BOT_TOKEN', 'xoxb-1');
    const sealedValues = store.sealedSecrets.all().map((row) => row.value.toString('hex'));

    expect(rotateMasterKey(store.sealedSecrets, old, next)).toBe(3);
    // Only the wrapping moved: the sealed values are byte for byte what they were.
    expect(store.sealedSecrets.all().map((row) => row.value.toString('hex'))).toEqual(sealedValues);
    const after = createSealedSecretStore(store.sealedSecrets, next, 'vigil', now);
    expect(await after.get('ONE')).toBe('first');
    expect(await after.get('TWO')).toBe('second');
    expect(await createSealedSecretStore(store.sealedSecrets, next, 'vigil.credentials', now).get('SLACK_BOT_TOKEN')).toBe('xoxb-1');
    await expect(before.get('ONE')).rejects.toMatchObject({ code: 'SECRET_UNSEALABLE' });
    // Run again (say, after a crash before the operator switched files): nothing left to move.
    expect(rotateMasterKey(store.sealedSecrets, old, next)).toBe(0);
    expect(() => rotateMasterKey(store.sealedSecrets, next, next)).toThrow(/current one/);
    store.close();
  });
});

describe('a server with a master key', () => {
  it('stores secrets through the API and runs workflows with them, sealed', async () => {
    const { key } = keyFile(scratch());
    const t = await startTestServer({ secrets: { sealedWith: key }, credentials: { sealedWith: key } });
    try {
      expect((await t.request('PUT', '/v1/secrets/FW_TOKEN', { body: { value: 'sealed-fw-token' } })).status).toBeLessThan(300);
      // The code must not hold the value itself: the database keeps code in clear.
      const code = 'export async function run(ctx) {\n  return ctx.ok("length " + (ctx.secrets.get("FW_TOKEN") ?? "").length);\n}\n';
      const created = await t.request('POST', '/v1/workflows', {
        body: { name: 'sealed', code, state: 'active', approval_mode: 'never', secrets: ['FW_TOKEN'] },
      });
      const executed = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/execute`, {
        key: t.keys.human,
        body: { indicator_type: 'ip', indicator_value: '203.0.113.7' },
      });
      const run = await eventually(async () => {
        const res = await t.request('GET', `/v1/workflow-runs/${executed.body.data.run_uuid}`);
        return res.body.data.status === 'success' || res.body.data.status === 'failed' ? res.body.data : null;
      }, 'the run to end');
      expect(run.result.message).toBe(`length ${'sealed-fw-token'.length}`);
      expect((await t.request('GET', '/v1/secrets')).body.data.map((s: { name: string }) => s.name)).toContain('FW_TOKEN');
      const { db } = t.server.engine.store;
      if (db.dialect === 'sqlite') {
        (db as SqliteStore['db']).pragma('wal_checkpoint(TRUNCATE)');
        expect(readFileSync(join(t.dataDir, DATABASE_FILE)).includes('sealed-fw-token')).toBe(false);
      } else {
        const rows = db.prepare<[], { wrapped_key: Buffer; value: Buffer }>('SELECT wrapped_key, value FROM sealed_secrets').all();
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.some((row) => row.value.includes('sealed-fw-token') || row.wrapped_key.includes('sealed-fw-token'))).toBe(false);
      }
    } finally {
      await t.close();
    }
  });
});

describe('vigil master-key and vigil serve', () => {
  it('makes a key, serves with it, and rotates to a new one once the server stopped', async () => {
    const dir = scratch();
    const dataDir = join(dir, 'data');
    const made = await vigil(['master-key', 'new', join(dir, 'a.key')]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Wrote a new master key \([0-9a-f]{16}\)/);
    expect((await vigil(['master-key', 'new', join(dir, 'a.key')])).code).toBe(1);

    const env = { ...process.env, VIGIL_MASTER_KEY_FILE: join(dir, 'a.key') };
    const server = await serve(dataDir, [], env);
    await eventually(async () => server.output().includes('Secrets: sealed in the database'), 'the sealed-secrets line');
    expect(server.output()).not.toMatch(/keychain is unavailable/);
    const running = await vigil(['master-key', 'rotate', '--new-key-file', join(dir, 'b.key'), '--data-dir', dataDir], { VIGIL_MASTER_KEY_FILE: join(dir, 'a.key') });
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/stop it first/);
    server.child.kill('SIGTERM');
    await server.exited;

    await vigil(['master-key', 'new', join(dir, 'b.key')]);
    const rotated = await vigil(['master-key', 'rotate', '--new-key-file', join(dir, 'b.key'), '--data-dir', dataDir], {
      VIGIL_MASTER_KEY_FILE: join(dir, 'a.key'),
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/Moved 0 sealed secrets/);

    chmodSync(join(dir, 'a.key'), 0o644);
    const exposed = await vigil(['serve', '--data-dir', dataDir], { VIGIL_MASTER_KEY_FILE: join(dir, 'a.key') });
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toMatch(/chmod 600/);
  });
});

describe('vigil notifiers with a master key', () => {
  it('keeps notifier credentials sealed in the folder, where vigil serve reads them, and says what is wrong with the key file', async () => {
    const dir = scratch();
    const dataDir = join(dir, 'data');
    const { path, key } = keyFile(dir);
    const hook = 'https://example.webhook.office.com/webhookb2/sealed';
    // No session bus: the OS keychain is out of reach, as on a server.
    const env = { VIGIL_MASTER_KEY_FILE: path, DBUS_SESSION_BUS_ADDRESS: '', HOOK: hook };
    const set = await vigil(['notifiers', 'set-teams', '--webhook-url', 'env:HOOK', '--data-dir', dataDir], env);
    expect(set.code, set.stderr).toBe(0);
    const shown = await vigil(['notifiers', 'show', '--json', '--data-dir', dataDir], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).teams).toMatchObject({ enabled: true, credentials: { webhook_url: true } });

    const store = openSqliteStore(join(dataDir, DATABASE_FILE));
    try {
      expect(await createSealedSecretStore(store.sealedSecrets, key, 'vigil.credentials', now).get('NOTIFIER_TEAMS_WEBHOOK_URL')).toBe(hook);
      expect(readFileSync(join(dataDir, DATABASE_FILE)).includes(Buffer.from(hook))).toBe(false);
    } finally {
      store.close();
    }

    chmodSync(path, 0o644);
    const exposed = await vigil(['notifiers', 'show', '--data-dir', dataDir], env);
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toMatch(/^vigil notifiers: .*chmod 600/m);
  });
});
