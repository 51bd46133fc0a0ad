// Why runs will fail although nothing refuses them: a declared secret without a value, or a
// keychain that cannot be read. The engine puts these on workflows, dry runs and pending
// approvals; the console says the same before activating a draft, from the same function.

/** A reason runs will fail; `message` is ready to show. */
export interface WorkflowWarning {
  code: 'SECRET_NOT_SET' | 'KEYCHAIN_UNAVAILABLE';
  /** The secret, for SECRET_NOT_SET. */
  secret?: string;
  message: string;
}

/**
 * The warnings for a list of declared secrets. `subject` words them for one run (dry runs,
 * approvals) or for every run of a workflow (its list row, activation).
 */
export function secretWarnings(
  secrets: readonly string[],
  keychain: { unavailable: boolean; isSet(name: string): boolean },
  subject: 'run' | 'workflow',
): WorkflowWarning[] {
  if (secrets.length === 0) return [];
  if (keychain.unavailable) {
    const reads = subject === 'run' ? 'this run cannot read its secrets and will fail' : 'its runs cannot read their secrets and will fail';
    return [{ code: 'KEYCHAIN_UNAVAILABLE', message: `the OS keychain is unavailable: ${reads}` }];
  }
  const outcome = subject === 'run' ? 'this run will fail' : 'its runs will fail';
  return secrets
    .filter((name) => !keychain.isSet(name))
    .map((name) => ({ code: 'SECRET_NOT_SET', secret: name, message: `secret ${name} is not set: ${outcome}` }));
}
