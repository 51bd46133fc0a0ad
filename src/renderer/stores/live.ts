// Applies /v1/events to the stores. Events carry ids only, so changed objects are fetched, in
// batches: a burst of run events (an agent firing hundreds of runs) becomes one list reload
// instead of hundreds of requests. No polling anywhere: this stream is the only source of change.
import { openEventStream } from '../api/events.ts';
import { api, hasApi } from '../api/instance.ts';
import type { RunDetail, VigilEvent } from '../api/types.ts';
import { lastDays } from '../lib/format.ts';
import { useApprovals } from './approvals.ts';
import { useEditor } from './editor.ts';
import { useRuns } from './runs.ts';
import { useSession } from './session.ts';
import { useWorkflows } from './workflows.ts';

const FLUSH_MS = 150;
/** More changed runs than this in one flush: reload the first page instead of fetching each. */
const BURST = 20;
const CHART_REFRESH_MS = 1000;

export function startLive(): () => void {
  const { connection } = useSession.getState();
  if (!connection) return () => undefined;

  const runs = new Set<string>();
  const approvals = new Set<string>();
  const workflows = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let chartTimer: ReturnType<typeof setTimeout> | undefined;

  const schedule = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      void flush();
    }, FLUSH_MS);
  };

  async function flush() {
    if (!hasApi()) return;
    const runIds = [...runs];
    const approvalIds = [...approvals];
    const workflowIds = [...workflows];
    runs.clear();
    approvals.clear();
    workflows.clear();

    if (runIds.length > BURST) {
      if (useRuns.getState().loaded) void useRuns.getState().load();
      if (useWorkflows.getState().loaded) void useWorkflows.getState().load();
      const open = runIds.filter((uuid) => useRuns.getState().details[uuid]);
      for (const uuid of open) void useRuns.getState().loadDetail(uuid);
    } else if (runIds.length > 0) {
      const fetched = await Promise.all(
        runIds.map((uuid) =>
          api()
            .runs.get(uuid)
            .then((response) => response.data)
            .catch(() => null),
        ),
      );
      const found = fetched.filter((run): run is RunDetail => run !== null);
      useRuns.getState().applyRuns(found);
      for (const run of found) {
        useWorkflows.getState().applyRun(run);
        // A decided approval shows its run's status; keep that badge current too.
        if (run.approval_uuid && useApprovals.getState().loaded) approvals.add(run.approval_uuid);
      }
      if (approvals.size > 0) {
        for (const uuid of approvals) void useApprovals.getState().refreshOne(uuid);
        approvals.clear();
      }
    }

    for (const uuid of approvalIds) void useApprovals.getState().refreshOne(uuid);

    if (workflowIds.length > 0) {
      if (useWorkflows.getState().loaded) void useWorkflows.getState().load();
      for (const uuid of workflowIds) void useEditor.getState().remoteChange(uuid);
    }
  }

  function onEvent(event: VigilEvent) {
    const data = event.data;
    if (event.type.startsWith('run.') && typeof data.run_uuid === 'string') {
      runs.add(data.run_uuid);
      // At most one refresh of today's bar per interval, however many runs finish meanwhile.
      if (event.type === 'run.finished' && useRuns.getState().chart.length > 0 && chartTimer === undefined) {
        chartTimer = setTimeout(() => {
          chartTimer = undefined;
          void useRuns.getState().loadChart(lastDays(1, Date.now()));
        }, CHART_REFRESH_MS);
      }
    } else if (event.type.startsWith('approval.') && typeof data.approval_uuid === 'string') {
      approvals.add(data.approval_uuid);
    } else if (event.type === 'workflow.changed' && typeof data.workflow_uuid === 'string') {
      workflows.add(data.workflow_uuid);
    } else {
      return;
    }
    schedule();
  }

  /** After a gap in the stream: refresh whatever is on screen. */
  function resync() {
    if (useApprovals.getState().loaded) void useApprovals.getState().load();
    if (useRuns.getState().loaded) {
      void useRuns.getState().load();
      void useRuns.getState().loadChart();
    }
    if (useWorkflows.getState().loaded) void useWorkflows.getState().load();
    const editor = useEditor.getState();
    if (editor.uuid) void editor.remoteChange(editor.uuid);
  }

  const close = openEventStream({
    baseUrl: connection.baseUrl,
    token: connection.token,
    onEvent,
    onResync: resync,
    onStatus: (status) => useSession.getState().setStream(status),
    onUnauthorized: () => useSession.getState().signOut('Your session ended (it expired or was revoked). Sign in again.'),
  });

  return () => {
    close();
    clearTimeout(flushTimer);
    clearTimeout(chartTimer);
  };
}
