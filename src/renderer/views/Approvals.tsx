// The approval queue: pending requests first (soonest expiry first, risk colour, countdown, the
// agent's reason and confidence), approved or rejected in one click — with a confirmation for
// high and critical risk — then the history of decided requests.
import { useEffect, useRef, useState } from 'react';
import type { Approval } from '../api/types.ts';
import { Badge, ConfirmDialog, EmptyState, ErrorText, JsonBlock, Progress, useNow } from '../components/ui.tsx';
import { expiresIn, indicatorLabel, label, percent, plural, relativeTime, shortDate } from '../lib/format.ts';
import { useApprovals } from '../stores/approvals.ts';
import { href, useRouter } from '../stores/router.ts';
import { useRun } from '../stores/run.ts';
import { shownIndicator } from '../../shared/domain.ts';

const needsConfirmation = (approval: Approval) => approval.risk_level === 'high' || approval.risk_level === 'critical';

export function ApprovalsView({ selected }: { selected?: string }) {
  const { pending, history, historyTotal, loaded, loading, error } = useApprovals();
  const followApproval = useRun((s) => s.followApproval);
  const navigate = useRouter((s) => s.navigate);
  const now = useNow();

  // The analyst's own Run asked for this approval: once it is approved (here, or from the tray,
  // Slack, the browser page), the run it started opens under Runs.
  useEffect(() => {
    if (!followApproval || selected !== followApproval) return;
    const decided = history.find((a) => a.uuid === followApproval);
    if (!decided) return;
    useRun.getState().stopFollowing();
    if (decided.status === 'approved' && decided.run) navigate({ view: 'runs', uuid: decided.run.uuid });
  }, [followApproval, selected, history, navigate]);

  useEffect(() => {
    document.title = pending.length > 0 ? `(${pending.length}) Approvals · Vigil` : 'Approvals · Vigil';
  }, [pending.length]);

  useEffect(() => {
    void useApprovals.getState().load();
  }, []);

  useEffect(() => {
    // A deep link to a request older than the loaded history: fetch that one.
    if (!selected || !loaded) return;
    const known = pending.some((a) => a.uuid === selected) || history.some((a) => a.uuid === selected);
    if (!known) void useApprovals.getState().refreshOne(selected);
  }, [selected, loaded, pending, history]);

  return (
    <section className="view" aria-labelledby="approvals-title">
      <header className="view-header">
        <h1 id="approvals-title">Approvals</h1>
        <span className="muted">{loaded && `${pending.length} pending`}</span>
      </header>
      <Progress active={loading} label="Loading approvals" />
      <ErrorText>{error}</ErrorText>

      <h2 className="section-title">Waiting for a decision</h2>
      {loaded && pending.length === 0 ? (
        <EmptyState title="Nothing is waiting for approval">
          <p>
            When an agent executes a workflow that needs approval, the request appears here at once, and in the tray of
            the desktop app.
          </p>
        </EmptyState>
      ) : (
        <ul className="approval-list" aria-label="Pending approvals">
          {pending.map((approval) => (
            <PendingCard
              key={approval.uuid}
              approval={approval}
              now={now}
              selected={approval.uuid === selected}
              yours={approval.uuid === followApproval}
            />
          ))}
        </ul>
      )}

      <h2 className="section-title">Decided</h2>
      {loaded && history.length === 0 ? (
        <p className="muted pad-s">No decided requests yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="grid" aria-label="Decided approvals">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Indicator</th>
                <th scope="col">Outcome</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Reason</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {history.map((approval) => (
                <HistoryRow key={approval.uuid} approval={approval} now={now} selected={approval.uuid === selected} />
              ))}
            </tbody>
          </table>
          {history.length < historyTotal && (
            <button type="button" className="load-more" onClick={() => void useApprovals.getState().loadMoreHistory()}>
              Show older ({plural(historyTotal - history.length, 'more request')})
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function PendingCard({ approval, now, selected, yours }: { approval: Approval; now: number; selected: boolean; yours: boolean }) {
  const deciding = useApprovals((s) => s.deciding[approval.uuid]);
  const decideError = useApprovals((s) => s.decideErrors[approval.uuid]);
  const [reason, setReason] = useState('');
  const [expanded, setExpanded] = useState(selected);
  const [confirming, setConfirming] = useState<'approve' | 'reject' | null>(null);
  const ref = useRef<HTMLLIElement>(null);
  const left = Date.parse(approval.expires_at) - now;
  const indicator = shownIndicator(approval.input);

  useEffect(() => {
    if (!selected) return;
    setExpanded(true);
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus();
  }, [selected]);

  const decide = (decision: 'approve' | 'reject') => {
    if (needsConfirmation(approval)) setConfirming(decision);
    else void useApprovals.getState().decide(approval.uuid, decision, reason);
  };

  return (
    <li
      ref={ref}
      tabIndex={-1}
      className={`approval ${selected ? 'selected' : ''}`}
      data-risk={approval.risk_level}
      aria-label={`${approval.workflow_name} on ${indicator.value}`}
    >
      <div className="approval-head">
        <strong>{approval.workflow_name}</strong>
        <Badge value={approval.risk_level} title="Risk level of the workflow" />
        <span className="mono">
          <span className="muted">{indicatorLabel(indicator.type)}</span> {indicator.value}
        </span>
        <div className="spacer" />
        <span className={`countdown ${left < 5 * 60_000 ? 'urgent' : ''}`} title={`Expires ${shortDate(approval.expires_at)}`}>
          {expiresIn(approval.expires_at, now)}
        </span>
      </div>
      {yours && (
        <p className="notice yours" role="status">
          <span>
            You just asked for this run. The workflow asks for an approval before every run, yours included: approve it here to start it,
            and the run opens under Runs.
          </span>
        </p>
      )}
      {approval.warnings && approval.warnings.length > 0 && (
        <ul className="warn-list" aria-label="Warnings">
          {approval.warnings.map((warning) => (
            <li key={warning.message} className="warn-text">
              {warning.message}
              {warning.code === 'SECRET_NOT_SET' && (
                <>
                  {' '}
                  (<a href={href({ view: 'secrets' })}>set it under Secrets</a>)
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="approval-why">
        {approval.reason ? <p className="prose">“{approval.reason}”</p> : <p className="muted">No reason given.</p>}
        <p className="muted small">
          {label(approval.trigger_type)}
          {approval.trigger_key && ` · ${approval.trigger_key.name}`}
          {approval.scheduled_for && ` · the occurrence of ${shortDate(approval.scheduled_for)}`}
          {approval.confidence !== null && ` · confidence ${percent(approval.confidence)}`} · asked {relativeTime(approval.created_at, now)} ·
          version v{approval.workflow_version}
        </p>
      </div>
      <div className="approval-actions">
        <input
          type="text"
          aria-label="Reason (optional)"
          placeholder="Reason (optional, kept with the decision)"
          value={reason}
          maxLength={2000}
          onChange={(e) => setReason(e.target.value)}
        />
        <button type="button" className="primary" disabled={deciding !== undefined} onClick={() => decide('approve')}>
          {deciding === 'approve' ? 'Approving…' : 'Approve'}
        </button>
        <button type="button" className="danger" disabled={deciding !== undefined} onClick={() => decide('reject')}>
          {deciding === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
        <button type="button" className="quiet" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Hide input' : 'Show input'}
        </button>
      </div>
      <ErrorText>{decideError}</ErrorText>
      {expanded && (
        <div className="approval-more">
          <p className="small">
            <a href={href({ view: 'editor', uuid: approval.workflow_uuid, version: approval.workflow_version })}>
              Code of version v{approval.workflow_version}
            </a>{' '}
            · the run uses exactly this version.
          </p>
          <JsonBlock value={approval.input} label="Request input" />
        </div>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={`${confirming === 'approve' ? 'Approve' : 'Reject'} a ${approval.risk_level}-risk run?`}
        confirmLabel={confirming === 'approve' ? 'Approve run' : 'Reject run'}
        danger={confirming === 'reject'}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const decision = confirming;
          setConfirming(null);
          if (decision) void useApprovals.getState().decide(approval.uuid, decision, reason);
        }}
      >
        <p>
          <strong>{approval.workflow_name}</strong> on <span className="mono">{indicator.value}</span> is rated{' '}
          {approval.risk_level} risk.
        </p>
        {approval.reason && approval.trigger_type !== 'schedule' && <p className="prose">Agent’s reason: “{approval.reason}”</p>}
        {reason && <p>Your reason: “{reason}”</p>}
      </ConfirmDialog>
    </li>
  );
}

function HistoryRow({ approval, now, selected }: { approval: Approval; now: number; selected: boolean }) {
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <tr ref={ref} className={selected ? 'selected' : undefined}>
      <td>
        <a href={href({ view: 'editor', uuid: approval.workflow_uuid })}>{approval.workflow_name}</a>
      </td>
      <td className="mono truncate-cell" title={shownIndicator(approval.input).value}>
        {shownIndicator(approval.input).value}
      </td>
      <td>
        <Badge value={approval.status} />
      </td>
      <td>{approval.responder ?? <span className="muted">—</span>}</td>
      <td className="muted" title={shortDate(approval.decided_at ?? approval.expires_at)}>
        {relativeTime(approval.decided_at ?? approval.expires_at, now)}
      </td>
      <td className="truncate-cell" title={approval.decision_reason ?? ''}>
        {approval.decision_reason ?? <span className="muted">—</span>}
      </td>
      <td>
        {approval.run ? (
          <a href={href({ view: 'runs', uuid: approval.run.uuid })}>
            <Badge value={approval.run.status} />
          </a>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
