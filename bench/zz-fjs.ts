import fastJson from 'fast-json-stringify';
import { One } from '../src/shared/api/common.ts';
import { RunDetail, ExecuteAccepted } from '../src/shared/api/runs.ts';
import { WorkflowListItem } from '../src/shared/api/workflows.ts';
for (const [name, schema] of [['RunDetail', One(RunDetail)], ['ExecuteAccepted', One(ExecuteAccepted)], ['WorkflowListItem', One(WorkflowListItem)]] as const) {
  const t0 = performance.now();
  const f = fastJson(schema as never);
  const t1 = performance.now();
  try { f({ data: {} }); } catch { /* shape */ }
  const t2 = performance.now();
  console.log(name, 'compile', (t1 - t0).toFixed(1), 'first call', (t2 - t1).toFixed(1));
}
