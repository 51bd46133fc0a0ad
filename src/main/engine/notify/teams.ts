/**
 * Microsoft Teams: an Adaptive Card posted to an incoming webhook or a Workflows ("When a Teams
 * webhook request is received") URL. Teams cannot send button clicks back to a workstation, so
 * the card links to the browser decide page instead.
 */
import type { Approval, Run } from '../db/index.ts';
import { requestedBy } from '../approvals/views.ts';
import { shownIndicator } from '../../../shared/domain.ts';
import { postJson, type HttpAnswer } from './http.ts';
import { requestEntry, type Notifier, type NotifierContext } from './notifier.ts';
import { DeliveryError, requireValue } from './retry.ts';
import { failureReason, formatConfidence, oneLine, teamsEscape, truncate } from './text.ts';

type Element = Record<string, unknown>;

/** The envelope both the classic connector and Workflows accept. */
function envelope(body: Element[], actions: Element[] = []): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions.length > 0 ? { actions } : {}),
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

const text = (value: string, extra: Element = {}): Element => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

/** Card date functions render in each reader's own time zone; they want RFC 3339 without fractions. */
function when(iso: string): string {
  const plain = iso.replace(/\.\d+Z$/, 'Z');
  return `{{DATE(${plain}, SHORT)}} {{TIME(${plain})}}`;
}

function facts(approval: Approval): Element {
  const indicator = shownIndicator(approval.input);
  const fact = (title: string, value: string) => ({ title, value: truncate(value, 1000) });
  return {
    type: 'FactSet',
    facts: [
      fact('Workflow', `${teamsEscape(approval.workflow_name)} (version ${approval.workflow_version})`),
      fact('Risk', teamsEscape(approval.risk_level)),
      fact('Indicator', `${teamsEscape(indicator.type)}: ${teamsEscape(indicator.value)}`),
      fact('Reason', approval.reason === null ? 'none given' : teamsEscape(approval.reason)),
      fact('Confidence', formatConfidence(approval.confidence)),
      fact('Requested by', teamsEscape(requestedBy(approval))),
    ],
  };
}

export function approvalCard(approval: Approval, decideUrl: string | null): Record<string, unknown> {
  const body = [
    text(truncate(`Approval needed: ${teamsEscape(approval.workflow_name)}`, 300), { weight: 'Bolder', size: 'Medium' }),
    text(`An ${approval.trigger_type} asks to run this workflow. Nothing runs until someone decides.`, { isSubtle: true, spacing: 'None' }),
    facts(approval),
    text(`Requested ${when(approval.created_at)} · expires ${when(approval.expires_at)}`, { isSubtle: true }),
  ];
  if (!decideUrl) body.push(text(`Decide in the Vigil console (approval ${approval.uuid}).`));
  const actions = decideUrl ? [{ type: 'Action.OpenUrl', title: 'Review in browser', url: decideUrl }] : [];
  return envelope(body, actions);
}

/** A follow-up once the request is closed: Teams messages from a webhook cannot be edited. */
export function closedCard(approval: Approval): Record<string, unknown> {
  const by = approval.responder ? ` by ${teamsEscape(approval.responder)}` : '';
  const line =
    approval.status === 'expired'
      ? `Expired unanswered: ${teamsEscape(approval.workflow_name)} for ${teamsEscape(shownIndicator(approval.input).value)}; nothing was run.`
      : `${approval.status === 'approved' ? 'Approved' : approval.status === 'rejected' ? 'Rejected' : 'Cancelled'}${by}: ` +
        `${teamsEscape(approval.workflow_name)} for ${teamsEscape(shownIndicator(approval.input).value)}` +
        (approval.status === 'approved' ? '; the run is queued.' : '; nothing was run.');
  const body = [text(truncate(line, 1000), { weight: 'Bolder' })];
  if (approval.decision_reason) body.push(text(truncate(`Reason: ${teamsEscape(approval.decision_reason)}`, 1000), { isSubtle: true }));
  return envelope(body);
}

export function runFailedCard(run: Run): Record<string, unknown> {
  const verb = run.status === 'timed_out' ? 'timed out' : 'failed';
  return envelope([
    text(truncate(`Run ${verb}: ${teamsEscape(run.workflow_name)}`, 300), { weight: 'Bolder', size: 'Medium', color: 'Attention' }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Indicator', value: truncate(`${teamsEscape(shownIndicator(run.input).type)}: ${teamsEscape(shownIndicator(run.input).value)}`, 1000) },
        { title: 'Run', value: run.uuid },
        { title: 'Error', value: truncate(teamsEscape(failureReason(run) ?? 'none recorded'), 1000) },
      ],
    },
  ]);
}

export function testCard(): Record<string, unknown> {
  return envelope([text('Vigil test message: approval requests will arrive here.', { weight: 'Bolder' })]);
}

/**
 * The classic Office 365 connector answers 200 with the body `1`; when Teams behind it fails it
 * still answers 200, with the failure in the body text. Workflows answer 202 with no body.
 */
export async function postToTeams(url: string, card: Record<string, unknown>, options: { timeoutMs: number; signal: AbortSignal }): Promise<HttpAnswer> {
  const answer = await postJson(url, card, { ...options, what: 'the Teams webhook' });
  if (answer.status === 200 && /failed|error/i.test(answer.text) && answer.text !== '1') {
    throw new DeliveryError(`the Teams webhook reported a failure: ${oneLine(answer.text)}`, {
      retryable: /\b(429|5\d\d)\b/.test(answer.text),
      status: answer.status,
      answer: answer.text,
    });
  }
  return answer;
}

/**
 * Teams: new requests as a card linking to the browser decide page; the end of a request it
 * announced as a follow-up card (a webhook's messages cannot be edited).
 */
export function teamsNotifier(context: NotifierContext): Notifier {
  const post = async (card: (approval: Approval) => Record<string, unknown>, approval: () => Approval) => {
    const config = await context.config();
    await postToTeams(requireValue(config.credentials.teams_webhook_url, 'Teams webhook URL'), card(approval()), context.http);
  };
  return {
    channel: 'teams',
    announces: (settings) => settings.teams.enabled,
    request: (created, decideUrl) => ({
      // Built at each try from the row as it is then: a request decided meanwhile is posted as decided.
      attempt: () =>
        post(
          (current) => (current.status === 'pending' ? approvalCard(current, decideUrl) : closedCard(current)),
          () => context.approval(created.uuid) ?? created,
        ),
    }),
    closed(approval) {
      if (!context.settings().teams.enabled || requestEntry(approval, 'teams')?.status !== 'sent') return null;
      return { attempt: () => post(closedCard, () => approval) };
    },
    reportsFailedRuns: (settings) => settings.teams.enabled && settings.teams.notify_run_failed,
    async runFailed(run) {
      const config = await context.config();
      return postToTeams(requireValue(config.credentials.teams_webhook_url, 'Teams webhook URL'), runFailedCard(run), context.http);
    },
  };
}
