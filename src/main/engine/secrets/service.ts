// Workflow secrets: values in the OS keychain, names in SQLite (DESIGN.md §7), and what follows
// from both: which secrets are set, and the warnings of workflows and requests whose runs would
// read one that is not. Vigil's own credentials (notifier tokens, integration and LLM keys) are
// another keychain service and not kept here.
import { secretWarnings, type WorkflowWarning } from '../../../shared/warnings.ts';
import type { Approval, Store } from '../db/index.ts';
import { invalid, notFound } from '../errors.ts';
import { iso, type Clock } from '../util/time.ts';
import type { KeychainStatus, SecretStore } from './keychain.ts';
import type { KeychainMonitor } from './status.ts';

export interface SecretServiceDeps {
  store: Pick<Store, 'secretNames' | 'workflows'>;
  /** Where the values live: the OS keychain. */
  values: SecretStore;
  /** Kept current by every call that reaches the keychain through this service. */
  keychain: KeychainMonitor;
  clock: Clock;
}

export interface SecretListItem {
  name: string;
  created_at: string | null;
  updated_at: string | null;
  set: boolean;
  used_by: Array<{ uuid: string; name: string }>;
}

export class SecretService {
  private readonly deps: SecretServiceDeps;

  constructor(deps: SecretServiceDeps) {
    this.deps = deps;
  }

  /** Whether the keychain can be used, as last found (the console's banners, `vigil serve`'s note). */
  get keychainStatus(): KeychainStatus {
    return this.deps.keychain.status;
  }

  /** Every secret that is set, and every one a workflow declares without it being set, by name. */
  list(): SecretListItem[] {
    const { store } = this.deps;
    const stored = store.secretNames.list();
    const names = new Set(stored.map((secret) => secret.name));
    const rows = stored.map((secret) => ({ ...secret, set: true, used_by: store.workflows.usingSecret(secret.name) }));
    // Secrets a workflow declares but nobody has set yet: the analyst needs to see those too.
    const missing = store.workflows
      .declaredSecretNames()
      .filter((name) => !names.has(name))
      .map((name) => ({ name, created_at: null, updated_at: null, set: false, used_by: store.workflows.usingSecret(name) }));
    return [...rows, ...missing].sort((a, b) => a.name.localeCompare(b.name));
  }

  async set(name: string, value: string): Promise<{ name: string; set: true; used_by: Array<{ uuid: string; name: string }> }> {
    const { store, values, clock } = this.deps;
    await this.withKeychain(() => values.set(name, value));
    store.secretNames.record(name, iso(clock.now()));
    return { name, set: true, used_by: store.workflows.usingSecret(name) };
  }

  async delete(name: string): Promise<{ name: string; deleted: true; used_by: Array<{ uuid: string; name: string }> }> {
    const { store, values } = this.deps;
    const known = store.secretNames.has(name);
    const removed = await this.withKeychain(() => values.delete(name));
    if (!known && !removed) throw notFound('secret', name, `No secret named ${name}.`);
    store.secretNames.delete(name);
    return { name, deleted: true, used_by: store.workflows.usingSecret(name) };
  }

  /** Whether a secret of this name was set (SQLite knows the names; the value is not read). */
  isSet(name: string): boolean {
    return this.deps.store.secretNames.has(name);
  }

  /**
   * Why runs of code declaring these secrets would fail now (src/shared/warnings.ts). Computed when
   * asked, so setting a secret clears them at once.
   */
  warnings(secrets: readonly string[], subject: 'run' | 'workflow'): WorkflowWarning[] {
    return secretWarnings(secrets, { unavailable: this.keychainStatus.state === 'unavailable', isSet: (name) => this.isSet(name) }, subject);
  }

  /** A pending request's warnings, for the secrets of the version it pins; none once decided. */
  approvalWarnings(approval: Approval): WorkflowWarning[] {
    return approval.status === 'pending' ? this.warnings(approval.version_secrets, 'run') : [];
  }

  /** A keychain call that keeps the status current; a value the keychain refuses is invalid input. */
  private withKeychain<T>(work: () => Promise<T>): Promise<T> {
    return this.deps.keychain.observe(work()).catch((error: Error & { code?: string }) => {
      if (error.code === 'SECRET_INVALID') throw invalid([{ field: 'body.value', message: error.message }], error.message);
      throw error;
    });
  }
}
