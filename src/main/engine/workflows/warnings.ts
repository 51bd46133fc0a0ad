// Workflow warnings (src/shared/warnings.ts) from what the engine knows: the secret names SQLite
// keeps and the keychain's status. Computed when asked, so setting a secret clears them at once.
import { secretWarnings as warningsFor, type WorkflowWarning } from '../../../shared/warnings.ts';
import type { Approval } from '../db/index.ts';
import type { Engine } from '../engine.ts';

type Facts = Pick<Engine, 'store' | 'keychain'>;

export function secretWarnings(engine: Facts, secrets: readonly string[], subject: 'run' | 'workflow'): WorkflowWarning[] {
  return warningsFor(secrets, { unavailable: engine.keychain.status.state === 'unavailable', isSet: (name) => engine.store.secretNames.has(name) }, subject);
}

/** A pending request's warnings, for the secrets of the version it pins; none once decided. */
export function approvalWarnings(engine: Facts, approval: Approval): WorkflowWarning[] {
  return approval.status === 'pending' ? secretWarnings(engine, approval.version_secrets, 'run') : [];
}
