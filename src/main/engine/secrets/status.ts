// Whether the OS keychain can be used: asked once at start, then kept true to what calls through
// the API find. The console's Secrets and Settings pages show it as a banner (and disable the
// fields that would need the keychain), `vigil serve` prints it, and workflow warnings use it.
import { KeychainUnavailableError, unavailableStatus, type KeychainStatus, type SecretStore } from './keychain.ts';

/** The start-up check waits this long at most: a hung Secret Service must not hold up the server. */
const START_CHECK_TIMEOUT_MS = 5_000;

export class KeychainMonitor {
  private current: KeychainStatus = { state: 'checking' };
  private checking: Promise<KeychainStatus> | null = null;
  private readonly store: SecretStore;

  constructor(store: SecretStore) {
    this.store = store;
  }

  get status(): KeychainStatus {
    return this.current;
  }

  /** Asks the keychain once (a read that writes nothing and prompts for nothing); later calls share the answer. */
  check(): Promise<KeychainStatus> {
    this.checking ??= this.store.check(START_CHECK_TIMEOUT_MS).then((status) => {
      // A call through the API may have answered meanwhile; it is the newer word.
      if (this.current.state === 'checking') this.current = status;
      return this.current;
    });
    return this.checking;
  }

  /**
   * Runs a keychain call and learns from it: success means the keychain works (a keyring unlocked
   * since start), `KeychainUnavailableError` says why it does not. The call's outcome is unchanged.
   */
  async observe<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.current = { state: 'available' };
      return result;
    } catch (error) {
      if (error instanceof KeychainUnavailableError) this.current = unavailableStatus(error);
      throw error;
    }
  }
}
