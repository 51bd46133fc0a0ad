// Who may see and do what with a key (DESIGN.md §4, the trust boundary). Services and the HTTP
// layer ask here, so REST, MCP and the event stream apply one rule.
import type { Scope } from '../../../shared/domain.ts';
import type { ApiKey } from '../db/index.ts';
import { DomainError } from '../errors.ts';

/** `admin` implies every scope. */
export function hasScopes(key: Pick<ApiKey, 'scopes'>, scopes: readonly Scope[]): boolean {
  return key.scopes.includes('admin') || scopes.every((scope) => key.scopes.includes(scope));
}

/** The scopes a call (a route, an MCP tool) needs, or a refusal naming them and the key's own. */
export function requireScopes(key: Pick<ApiKey, 'scopes'>, scopes: readonly Scope[], what: 'call' | 'tool'): void {
  if (!hasScopes(key, scopes)) {
    throw new DomainError('forbidden', 'FORBIDDEN', `This key lacks the scope(s) this ${what} needs: ${scopes.join(', ')}.`, {
      required_scopes: scopes,
      key_scopes: key.scopes,
    });
  }
}

/**
 * Human keys (with the route's scope) see every run and approval; an agent key sees and cancels
 * only what it triggered, so one agent cannot read another's reasons and context or stop its runs.
 */
export function seesEverything(caller: Pick<ApiKey, 'key_type'>): boolean {
  return caller.key_type === 'human';
}

/** Whether the caller may see (or cancel) a run or approval triggered by `triggerKeyId`. */
export function mayAccess(caller: Pick<ApiKey, 'id' | 'key_type'>, triggerKeyId: number | null): boolean {
  return seesEverything(caller) || triggerKeyId === caller.id;
}

/** The triggering key a list is narrowed to for this caller (undefined: everything). */
export function ownerFilter(caller: Pick<ApiKey, 'id' | 'key_type'>): number | undefined {
  return seesEverything(caller) ? undefined : caller.id;
}

/** How a caller is named in approvals, versions and runs. */
export function callerLabel(key: Pick<ApiKey, 'name' | 'prefix'>): string {
  return `${key.name} (${key.prefix}…)`;
}
