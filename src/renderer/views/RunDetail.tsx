// One run: status, timings, the version it ran (link to that code), who triggered it and why,
// input, result, and the step/log timeline with its HTTP calls. Kept live by the event stream
// (and, while the run is running, by reading its journal again).
import { useEffect } from 'react';
import type { RunDetail, RunLogEntry } from '../api/types.ts';
import { Badge, ErrorText, JsonBlock, useNow } from '../components/ui.tsx';
import { bytes, clockTime, duration, indicatorLabel, label, percent, relativeTime, shortDate } from '../lib/format.ts';
import { href } from '../stores/router.ts';
import { useRuns } from '../stores/runs.ts';
import { groupTimeline, type TimelineItem } from '../lib/timeline.ts';
import { shownIndicator } from '../../shared/domain.ts';

export function RunDetailPanel({ uuid }: { uuid: string }) {
  const run = useRuns((s) => s.details[uuid]);
  const error = useRuns((s) => s.detailErrors[uuid]);
  const cancelError = useRuns((s) => s.cancelErrors[uuid]);
  const now = useNow();

  useEffect(() => {
    void useRuns.getState().loadDetail(uuid);
  }, [uuid]);

  // A running run journals as it goes, which no event announces: read it again while it runs.
  const live = run?.status === 'running';
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void useRuns.getState().loadDetail(uuid), 1500);
    return () => clearInterval(timer);
  }, [uuid, live]);

  return (
    <aside className="detail" aria-label="Run detail">
      <header className="detail-header">
        <h2>Run</h2>
        {run && <Badge value={run.status} />}
        <div className="spacer" />
        {run && (run.status === 'queued' || run.status === 'running') && (
          <button type="button" onClick={() => void useRuns.getState().cancel(uuid)}>
            Cancel run
          </button>
        )}
        <a href={href({ view: 'runs' })} className="close" aria-label="Close run detail">
          ×
        </a>
      </header>
      <ErrorText>{cancelError}</ErrorText>
      {!run && !error && <p className="muted" role="status">Loading the run…</p>}
      {error && !run && <ErrorText>{error}</ErrorText>}
      {run && <RunBody run={run} now={now} />}
    </aside>
  );
}

function RunBody({ run, now }: { run: RunDetail; now: number }) {
  const indicator = shownIndicator(run.input);
  return (
    <div className="detail-body">
      <dl className="facts">
        <dt>Workflow</dt>
        <dd>
          <a href={href({ view: 'editor', uuid: run.workflow_uuid })}>{run.workflow_name}</a>{' '}
          <a
            href={href({ view: 'editor', uuid: run.workflow_uuid, version: run.workflow_version })}
            className="mono"
            title="Show the code of this version"
          >
            v{run.workflow_version}
          </a>
        </dd>
        <dt>Trigger</dt>
        <dd>
          {label(run.trigger_type)}
          {run.trigger_key && (
            <>
              {' '}
              · {run.trigger_key.name} <span className="muted mono">{run.trigger_key.prefix}…</span>
            </>
          )}
        </dd>
        {run.scheduled_for && (
          <>
            <dt>Scheduled for</dt>
            <dd title={run.scheduled_for}>{shortDate(run.scheduled_for)}</dd>
          </>
        )}
        {run.reason !== null && (
          <>
            <dt>{run.status === 'skipped' ? 'Why skipped' : 'Reason'}</dt>
            <dd className="prose">{run.reason}</dd>
          </>
        )}
        {run.confidence !== null && (
          <>
            <dt>Confidence</dt>
            <dd>{percent(run.confidence)}</dd>
          </>
        )}
        {run.approval_uuid && (
          <>
            <dt>Approval</dt>
            <dd>
              <a href={href({ view: 'approvals', uuid: run.approval_uuid })}>the approved request</a>
            </dd>
          </>
        )}
        <dt>Indicator</dt>
        <dd className="mono">
          <span className="muted">{indicatorLabel(indicator.type)}</span> {indicator.value}
          {run.input.indicator?.malice && <span className="tag">{run.input.indicator.malice}</span>}
        </dd>
        <dt>Queued</dt>
        <dd title={run.queued_at}>
          {shortDate(run.queued_at)} <span className="muted">({relativeTime(run.queued_at, now)})</span>
        </dd>
        <dt>Started</dt>
        <dd>{run.started_at ? clockTime(run.started_at) : <span className="muted">not yet</span>}</dd>
        <dt>Finished</dt>
        <dd>{run.finished_at ? clockTime(run.finished_at) : <span className="muted">not yet</span>}</dd>
        <dt>Duration</dt>
        <dd>{duration(run.duration_ms)}</dd>
      </dl>

      {(run.result || run.error) && (
        <section className="block">
          <h3>Result</h3>
          {run.error && <p className="error-text">{run.error}</p>}
          {run.result && (
            <>
              <p>
                <Badge value={run.result.success ? 'success' : 'failed'}>{run.result.success ? 'ok' : 'fail'}</Badge>{' '}
                {run.result.message}
              </p>
              {run.result.data !== null && run.result.data !== undefined && <JsonBlock value={run.result.data} label="Result data" />}
            </>
          )}
        </section>
      )}

      <section className="block">
        <h3>Timeline</h3>
        {run.logs.length === 0 ? (
          <p className="muted">
            {run.status === 'queued' || run.status === 'running'
              ? 'Nothing logged yet: entries appear here as the run writes them.'
              : 'The workflow wrote no log entries and made no HTTP calls.'}
          </p>
        ) : (
          <ol className="timeline" aria-label="Logs">
            {groupTimeline(run.logs, run.steps ?? []).map((item) =>
              // Offsets from the first entry: log times come from the sandbox's clock, the run's
              // start from the engine's, and mixing them would add the queue hop to every line.
              item.kind === 'entry' ? (
                <LogLine key={item.entry.seq} entry={item.entry} startedAt={run.logs[0]?.ts ?? null} />
              ) : (
                <StepGroup key={`step-${item.entries[0]!.seq}`} item={item} startedAt={run.logs[0]?.ts ?? null} />
              ),
            )}
          </ol>
        )}
      </section>

      <section className="block">
        <h3>Input</h3>
        <JsonBlock value={run.input} label="Run input" />
      </section>
    </div>
  );
}

/** One step (or a later stretch of it) as a collapsible group: status, duration, output, then its entries. */
function StepGroup({ item, startedAt }: { item: Extract<TimelineItem, { kind: 'step' }>; startedAt: string | null }) {
  const { step } = item;
  return (
    <li className="step-group" data-status={step?.status ?? 'running'}>
      <details open={step?.status !== 'success'}>
        <summary>
          <span className="strong">{item.name}</span>
          {item.continued && <span className="muted"> (continued)</span>}{' '}
          {step ? <Badge value={step.status} /> : <Badge value="running" />}{' '}
          {step && step.status !== 'skipped' && <span className="muted">{duration(step.duration_ms)}</span>}
          {step?.reason && <span className="muted"> · {step.reason}</span>}
        </summary>
        {step?.error && <p className="error-text">{step.error}</p>}
        {!item.continued && step?.output !== null && step?.output !== undefined && (
          <JsonBlock value={step.output} label={`Output of step ${item.name}`} />
        )}
        <ol className="timeline" aria-label={`Entries of step ${item.name}`}>
          {item.entries.map((entry) => (
            <LogLine key={entry.seq} entry={entry} startedAt={startedAt} inStep />
          ))}
        </ol>
      </details>
    </li>
  );
}

export function LogLine({ entry, startedAt, inStep = false }: { entry: RunLogEntry; startedAt: string | null; inStep?: boolean }) {
  const offset = startedAt ? Date.parse(entry.ts) - Date.parse(startedAt) : null;
  return (
    <li className="log" data-level={entry.level}>
      <span className="log-time mono" title={entry.ts}>
        {offset !== null && offset >= 0 ? `+${duration(offset)}` : clockTime(entry.ts)}
      </span>
      <span className="log-level" data-level={entry.level}>
        {entry.level}
      </span>
      <span className="log-main">
        {entry.step && !inStep && <span className="tag">{entry.step}</span>}
        {entry.http ? <HttpSummary http={entry.http} /> : <span>{entry.message}</span>}
        {entry.fields && Object.keys(entry.fields).length > 0 && (
          <code className="log-fields">{JSON.stringify(entry.fields)}</code>
        )}
      </span>
    </li>
  );
}

function HttpSummary({ http }: { http: NonNullable<RunLogEntry['http']> }) {
  return (
    <span className="http">
      <span className="mono strong">{http.method}</span> <span className="mono url">{http.url}</span> →{' '}
      {http.error ? (
        <span className="error-text inline">{http.error}</span>
      ) : (
        <Badge value={http.status !== null && http.status < 400 ? 'success' : 'failed'}>{String(http.status ?? '—')}</Badge>
      )}{' '}
      <span className="muted">
        {duration(http.ms)} · {bytes(http.bytes)}
      </span>
    </span>
  );
}
