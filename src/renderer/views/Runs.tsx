// Run history: every run, newest first, in a virtualized table (TanStack Table + Virtual) that
// loads pages as it scrolls and updates live; the selected run's detail on the right.
import { useEffect, useMemo, useRef } from 'react';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { RUN_STATUSES } from '../../shared/domain.ts';
import type { Run } from '../api/types.ts';
import { RunsChart } from '../components/RunsChart.tsx';
import { Badge, EmptyState, ErrorText, Progress, useNow } from '../components/ui.tsx';
import { duration, indicatorLabel, label, plural, relativeTime, shortDate } from '../lib/format.ts';
import { href, useRouter } from '../stores/router.ts';
import { EMPTY_RUN_FILTERS, useRuns } from '../stores/runs.ts';
import { useWorkflows } from '../stores/workflows.ts';
import { RunDetailPanel } from './RunDetail.tsx';
import { shownIndicator } from '../../shared/domain.ts';
import { runOutcome } from '../lib/schedule-form.ts';

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, Run>();
const ROW_HEIGHT = 32;

// Cells that show time read the shared clock through this holder, so the column definitions stay
// stable (TanStack Table wants module-level columns) while "3 min ago" still ticks.
const clock = { now: Date.now() };

const columns = helper.columns([
  helper.accessor('status', {
    header: 'Status',
    cell: (info) => <Badge value={info.getValue()} />,
  }),
  helper.accessor('workflow_name', {
    header: 'Workflow',
    cell: (info) => (
      <span className="truncate" title={info.getValue()}>
        {info.getValue()} <span className="muted mono">v{info.row.original.workflow_version}</span>
      </span>
    ),
  }),
  helper.accessor('trigger_type', {
    header: 'Trigger',
    cell: (info) => (
      <span className="truncate" title={info.row.original.trigger_key?.name ?? ''}>
        {label(info.getValue())}
        {info.row.original.trigger_key && <span className="muted"> · {info.row.original.trigger_key.name}</span>}
      </span>
    ),
  }),
  helper.accessor((run) => shownIndicator(run.input), {
    id: 'indicator',
    header: 'Indicator',
    cell: (info) => (
      <span className="truncate mono" title={info.getValue().value}>
        <span className="muted">{indicatorLabel(info.getValue().type)}</span> {info.getValue().value}
      </span>
    ),
  }),
  helper.accessor('queued_at', {
    header: 'Queued',
    cell: (info) => (
      <a href={href({ view: 'runs', uuid: info.row.original.uuid })} className="plain" title={shortDate(info.getValue())}>
        {relativeTime(info.getValue(), clock.now)}
      </a>
    ),
  }),
  helper.accessor('duration_ms', {
    header: 'Duration',
    cell: (info) => <span className="mono">{duration(info.getValue())}</span>,
  }),
  helper.accessor((run) => runOutcome(run), {
    id: 'outcome',
    header: 'Outcome',
    cell: (info) => (
      <span className="truncate" title={info.getValue()}>
        {info.getValue()}
      </span>
    ),
  }),
]);

const GRID = '96px minmax(140px, 1.4fr) minmax(110px, 1fr) minmax(140px, 1.2fr) 90px 80px minmax(120px, 2fr)';
// With the detail open the list is narrower: the trigger and outcome are in the detail anyway.
const NARROW_HIDDEN = new Set(['trigger_type', 'outcome']);
const NARROW_GRID = '96px minmax(120px, 1.4fr) minmax(120px, 1.2fr) 90px 80px';

export function RunsView({ selected }: { selected?: string }) {
  const { items, total, loading, loaded, error, filters, chart, chartError } = useRuns();
  const workflows = useWorkflows((s) => s.items);
  const workflowsLoaded = useWorkflows((s) => s.loaded);
  const navigate = useRouter((s) => s.navigate);
  clock.now = useNow();

  useEffect(() => {
    document.title = selected ? 'Run · Vigil' : 'Runs · Vigil';
  }, [selected]);

  useEffect(() => {
    void useRuns.getState().load();
    void useRuns.getState().loadChart();
    if (!useWorkflows.getState().loaded) void useWorkflows.getState().load();
  }, []);

  const table = useTable({ features, columns, data: items, getRowId: (run) => run.uuid });
  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 12,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? 0;

  useEffect(() => {
    // Near the end of what is loaded: fetch the next page before the analyst gets there.
    if (loaded && !loading && items.length < total && lastIndex >= items.length - 30) void useRuns.getState().loadMore();
  }, [lastIndex, items.length, total, loaded, loading]);

  const grid = selected ? NARROW_GRID : GRID;
  const shown = (columnId: string) => !selected || !NARROW_HIDDEN.has(columnId);

  const filtered =
    filters.workflow_uuid || filters.status.length > 0 || filters.trigger_type || filters.from || filters.to;
  const workflowOptions = useMemo(() => [...workflows].sort((a, b) => a.name.localeCompare(b.name)), [workflows]);

  const toggleStatus = (status: Run['status']) => {
    const next = filters.status.includes(status) ? filters.status.filter((s) => s !== status) : [...filters.status, status];
    useRuns.getState().setFilters({ status: next });
  };

  const onRowKey = (event: React.KeyboardEvent, index: number) => {
    if (event.key === 'Enter') {
      const row = rows[index];
      if (row) navigate({ view: 'runs', uuid: row.id });
      return;
    }
    const step = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = rows[index + step];
    if (!next) return;
    virtualizer.scrollToIndex(index + step);
    navigate({ view: 'runs', uuid: next.id }, { replace: true });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-run="${next.id}"]`)?.focus());
  };

  return (
    <section className="view runs-view" aria-labelledby="runs-title">
      <header className="view-header">
        <h1 id="runs-title">Runs</h1>
        <span className="muted">{loaded && plural(total, 'run')}</span>
      </header>
      <div className="runs-top">
        <div className="toolbar" role="search">
          <select
            aria-label="Workflow"
            value={filters.workflow_uuid}
            onChange={(e) => useRuns.getState().setFilters({ workflow_uuid: e.target.value })}
          >
            <option value="">All workflows</option>
            {workflowOptions.map((w) => (
              <option key={w.uuid} value={w.uuid}>
                {w.name}
              </option>
            ))}
            {filters.workflow_uuid && workflowsLoaded && !workflows.some((w) => w.uuid === filters.workflow_uuid) && (
              <option value={filters.workflow_uuid}>(deleted workflow)</option>
            )}
          </select>
          <fieldset className="chips" aria-label="Status">
            {RUN_STATUSES.map((status) => (
              <label key={status} className="chip">
                <input type="checkbox" checked={filters.status.includes(status)} onChange={() => toggleStatus(status)} />
                {label(status)}
              </label>
            ))}
          </fieldset>
          <select
            aria-label="Trigger"
            value={filters.trigger_type}
            onChange={(e) => useRuns.getState().setFilters({ trigger_type: e.target.value as typeof filters.trigger_type })}
          >
            <option value="">Any trigger</option>
            <option value="human">Human</option>
            <option value="agent">Agent</option>
            <option value="schedule">Schedule</option>
          </select>
          <label className="inline-label">
            From
            <input type="datetime-local" value={filters.from} onChange={(e) => useRuns.getState().setFilters({ from: e.target.value })} />
          </label>
          <label className="inline-label">
            To
            <input type="datetime-local" value={filters.to} onChange={(e) => useRuns.getState().setFilters({ to: e.target.value })} />
          </label>
          {filtered && (
            <button type="button" className="link-button" onClick={() => useRuns.getState().setFilters(EMPTY_RUN_FILTERS)}>
              Clear filters
            </button>
          )}
        </div>
        <RunsChart days={chart} error={chartError} />
      </div>
      <Progress active={loading} label="Loading runs" />
      <ErrorText>{error}</ErrorText>
      <div className={`split ${selected ? 'with-detail' : ''}`}>
        <div className="runs-list">
          {loaded && items.length === 0 && !error ? (
            filtered ? (
              <EmptyState title="No run matches these filters">
                <p>Widen the time range or clear the filters.</p>
              </EmptyState>
            ) : (
              <EmptyState title="No runs yet">
                <p>
                  Runs appear here the moment they are queued: when an agent executes an active workflow, or when an
                  analyst approves a waiting request.
                </p>
              </EmptyState>
            )
          ) : (
            <div className="vtable-scroll" ref={scrollRef}>
              <table className="grid vtable" aria-rowcount={total + 1}>
                <thead>
                  {table.getHeaderGroups().map((group) => (
                    <tr key={group.id} style={{ gridTemplateColumns: grid }}>
                      {group.headers.filter((header) => shown(header.column.id)).map((header) => (
                        <th key={header.id} scope="col">
                          {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                        </th>
                      ))}
                    </tr>
                  ))}
                </thead>
                <tbody style={{ height: virtualizer.getTotalSize() }}>
                  {virtualItems.map((item) => {
                    const row = rows[item.index];
                    if (!row) return null;
                    const isSelected = row.id === selected;
                    return (
                      <tr
                        key={row.id}
                        data-run={row.id}
                        aria-rowindex={item.index + 2}
                        aria-selected={isSelected}
                        className={isSelected ? 'selected' : undefined}
                        // One row is in the tab order (the selected one, else the first); arrows move from there.
                        tabIndex={isSelected || (!selected && item.index === 0) ? 0 : -1}
                        style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: grid, height: ROW_HEIGHT }}
                        onClick={() => navigate({ view: 'runs', uuid: row.id })}
                        onKeyDown={(event) => onRowKey(event, item.index)}
                      >
                        {row.getAllCells().filter((cell) => shown(cell.column.id)).map((cell) => (
                          <td key={cell.id}>
                            <table.FlexRender cell={cell} />
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {selected && <RunDetailPanel uuid={selected} />}
      </div>
    </section>
  );
}
