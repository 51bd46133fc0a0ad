/**
 * The secrets room (DESIGN.md §7): secret values live in the OS keychain, SQLite holds only names.
 * Import from here, not from the files behind it.
 */
export {
  createKeychainStore,
  createMemorySecretStore,
  CREDENTIALS_SERVICE,
  DEFAULT_KEYCHAIN_SERVICE,
  DEFAULT_KEYCHAIN_TIMEOUT_MS,
  KeychainError,
  KeychainStore,
  KeychainUnavailableError,
  MAX_SECRET_VALUE_BYTES,
  SecretValidationError,
  unavailableStatus,
  validateSecretName,
  validateSecretValue,
} from './keychain.ts';
export type { KeychainStatus, KeychainStoreOptions, KeychainUnavailableReason, SecretStore } from './keychain.ts';
export { KeychainMonitor } from './status.ts';
export {
  createSealedSecretStore,
  MasterKeyError,
  readMasterKeyFile,
  rotateMasterKey,
  writeNewMasterKeyFile,
  type MasterKey,
  type SealedIn,
} from './sealed.ts';
export { SecretService } from './service.ts';
