/**
 * Secret values sealed in Vigil's database, for a server without an OS keychain. Envelope
 * encryption: each value gets its own random data key (AES-256-GCM); the data key is stored wrapped
 * by the operator's master key (AES-256-GCM again), read from the file VIGIL_MASTER_KEY_FILE names.
 * The database alone reveals nothing; the master key alone holds no secret. Rotating the master key
 * rewraps the data keys and never touches a sealed value.
 *
 * Both encryptions bind the service and the name as associated data, so a sealed row copied under
 * another name (or from credentials to workflow secrets) fails to open instead of answering.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { SealedSecretRepository, SealedSecretRow } from '../db/index.ts';
import { DomainError } from '../errors.ts';
import { validateSecretName, validateSecretValue, type SecretStore } from './keychain.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The operator's master key and its fingerprint (which rows it wrapped; never the key). */
export interface MasterKey {
  key: Buffer;
  id: string;
}

export class MasterKeyError extends Error {}

/** Where an engine keeps secret values when there is no keychain: sealed in its own database under this key. */
export interface SealedIn {
  sealedWith: MasterKey;
}

export function masterKey(key: Buffer): MasterKey {
  if (key.length !== KEY_BYTES) throw new MasterKeyError(`A master key is ${KEY_BYTES} bytes, not ${key.length}.`);
  return { key, id: createHash('sha256').update('vigil master key\0').update(key).digest('hex').slice(0, 16) };
}

/**
 * Reads a master key file: 32 bytes as base64 or hex text (what `vigil master-key new` writes), or
 * raw. A file others may read is refused: whoever reads it opens every sealed secret.
 */
export function readMasterKeyFile(path: string): MasterKey {
  let mode: number;
  let content: Buffer;
  try {
    mode = statSync(path).mode;
    content = readFileSync(path);
  } catch (error) {
    throw new MasterKeyError(`Cannot read the master key file ${path}: ${(error as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new MasterKeyError(`The master key file ${path} may be read by others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  const text = content.toString('utf8').trim();
  const key = /^[0-9a-f]{64}$/i.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/]{43}=$/.test(text)
      ? Buffer.from(text, 'base64')
      : content.length === KEY_BYTES
        ? content
        : null;
  if (!key) throw new MasterKeyError(`The master key file ${path} does not hold a ${KEY_BYTES}-byte key (base64 or hex text, or raw bytes).`);
  return masterKey(key);
}

/** Writes a new random master key (base64) to a file that must not exist yet, readable by its owner only. */
export function writeNewMasterKeyFile(path: string): MasterKey {
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new MasterKeyError(exists ? `${path} exists already; a master key file is never overwritten.` : `Cannot write ${path}: ${(error as Error).message}`);
  }
  return masterKey(key);
}

const boundTo = (service: string, name: string) => Buffer.from(`vigil sealed secret\0${service}\0${name}`, 'utf8');

function seal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES)).setAAD(aad);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

function unsealable(row: SealedSecretRow, why: string): DomainError {
  return new DomainError('upstream', 'SECRET_UNSEALABLE', `The sealed secret ${row.name} cannot be opened: ${why}`, { name: row.name });
}

/** The data key of a row, unwrapped with the master key that wrapped it. */
function dataKeyOf(row: SealedSecretRow, master: MasterKey): Buffer {
  if (row.master_key !== master.id) {
    throw unsealable(row, `it was sealed under master key ${row.master_key}, and this Vigil has ${master.id} (finish a rotation with vigil master-key rotate).`);
  }
  try {
    return open(master.key, row.wrapped_key, boundTo(row.service, row.name));
  } catch {
    throw unsealable(row, 'its data key does not open with the master key (the row was altered or moved).');
  }
}

/** A SecretStore over the database: the same contract as the keychain's, always available. */
export function createSealedSecretStore(rows: SealedSecretRepository, master: MasterKey, service: string, now: () => string): SecretStore {
  return {
    async get(name) {
      validateSecretName(name);
      const row = rows.get(service, name);
      if (!row) return null;
      const dataKey = dataKeyOf(row, master);
      try {
        return open(dataKey, row.value, boundTo(service, name)).toString('utf8');
      } catch {
        throw unsealable(row, 'its value does not open with its data key (the row was altered).');
      }
    },
    async set(name, value) {
      validateSecretName(name);
      validateSecretValue(value);
      const dataKey = randomBytes(KEY_BYTES);
      const aad = boundTo(service, name);
      rows.put({
        service,
        name,
        master_key: master.id,
        wrapped_key: seal(master.key, dataKey, aad),
        value: seal(dataKey, Buffer.from(value, 'utf8'), aad),
        updated_at: now(),
      });
    },
    async delete(name) {
      validateSecretName(name);
      return rows.delete(service, name);
    },
    async probe() {},
    async check() {
      return { state: 'available' };
    },
  };
}

/**
 * Rewraps every data key from the old master key to the new one, in one transaction: all rows move
 * or none do. Rows already under the new key are left as they are, so a rotation that was
 * interrupted (or run twice) finishes cleanly. Returns how many rows moved.
 */
export function rotateMasterKey(rows: SealedSecretRepository, from: MasterKey, to: MasterKey): number {
  if (from.id === to.id) throw new MasterKeyError('The new master key is the current one.');
  const moved = rows
    .all()
    .filter((row) => row.master_key !== to.id)
    .map((row) => {
      const aad = boundTo(row.service, row.name);
      return { service: row.service, name: row.name, master_key: to.id, wrapped_key: seal(to.key, dataKeyOf(row, from), aad) };
    });
  rows.rewrap(moved);
  return moved.length;
}
