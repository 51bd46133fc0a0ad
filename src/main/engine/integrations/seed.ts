// Seeds the built-in workflows at every start: a missing one is created (active, gated), an
// existing one gets the current code, name, documentation and settings of this Vigil version while
// the analyst's own choices — state, approval mode and timeout, tags — stay as they are.
import { WORKFLOW_DEFAULTS } from '../../../shared/domain.ts';
import type { Store, WorkflowFields } from '../db/index.ts';
import { BUILTIN_WORKFLOWS, type BuiltinWorkflow } from './builtins.ts';

/** Recorded as the author of the versions Vigil itself saves. */
export const BUILTIN_AUTHOR = 'vigil (built-in)';

/** A built-in is an account workflow that starts active and gated; it calls an identity provider, hence high risk and a longer timeout. */
function fieldsOf(builtin: BuiltinWorkflow): WorkflowFields {
  return {
    ...WORKFLOW_DEFAULTS,
    name: builtin.name,
    indicator_types: ['account'],
    code: builtin.code,
    state: 'active',
    risk_level: 'high',
    timeout_seconds: 120,
    documentation: builtin.documentation,
    tags: builtin.tags,
  };
}

/** Fields Vigil owns on a built-in: an upgrade brings them to this version's values. */
const OWNED = ['name', 'workflow_type', 'indicator_types', 'kind', 'code', 'risk_level', 'timeout_seconds', 'secrets', 'allowed_hosts', 'documentation'] as const;

export function seedBuiltinWorkflows(store: Store, now: string): { created: string[]; updated: string[] } {
  const created: string[] = [];
  const updated: string[] = [];
  store.transaction(() => {
    for (const builtin of BUILTIN_WORKFLOWS) {
      const fields = fieldsOf(builtin);
      const existing = store.workflows.getByBuiltinKey(builtin.key);
      if (!existing) {
        store.workflows.create(fields, { now, author: BUILTIN_AUTHOR, isSystem: true, builtinKey: builtin.key });
        created.push(builtin.key);
        continue;
      }
      const changes: Partial<WorkflowFields> = {};
      for (const field of OWNED) {
        if (JSON.stringify(existing[field]) !== JSON.stringify(fields[field])) (changes as Record<string, unknown>)[field] = fields[field];
      }
      if (Object.keys(changes).length === 0) continue;
      store.workflows.update(existing.id, changes, { now, author: BUILTIN_AUTHOR });
      updated.push(builtin.key);
    }
  });
  return { created, updated };
}
