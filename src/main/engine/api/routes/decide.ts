import type { FastifyInstance, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { Type } from 'typebox';
import { ErrorEnvelope, NotJson } from '../../../../shared/api/index.ts';
import type { ApprovalService } from '../../approvals/index.ts';
import type { Approval } from '../../db/index.ts';
import { requestedBy } from '../../approvals/views.ts';
import { DomainError } from '../../errors.ts';
import { shownIndicator } from '../../../../shared/domain.ts';
import { cssVariables, PALETTE, RISK_TONES } from '../../../../shared/palette.ts';

// The page works with no script at all; the CSP allows none, nor any other origin.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function when(iso: string): string {
  const date = new Date(iso);
  const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' }).format(date);
  return `${escapeHtml(local)} <span class="muted">(${escapeHtml(iso)})</span>`;
}

// The console's look, self-contained: its colour variables (light and dark, as the OS says), its
// risk colours (badge and card edge), and its buttons (Approve is the primary action, Reject the
// dangerous one). The CSP allows inline styles and nothing else.
const RISK_RULES = Object.entries(RISK_TONES)
  .map(
    ([risk, [text, background]]) =>
      `.badge[data-risk="${risk}"] { color: var(--${text}); background: var(--${background}); }\n  .card[data-risk="${risk}"] { border-left-color: var(--${text}); }`,
  )
  .join('\n  ');

const STYLE = `
  :root { color-scheme: light dark; ${cssVariables(PALETTE.light)} }
  @media (prefers-color-scheme: dark) { :root { ${cssVariables(PALETTE.dark)} } }
  body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, Ubuntu, Cantarell, 'Noto Sans', 'DejaVu Sans', sans-serif;
    color: var(--text); background: var(--bg); max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  .card { background: var(--panel); border: 1px solid var(--border); border-left: 4px solid var(--muted); border-radius: 8px; padding: 1rem 1.2rem; }
  h1 { font-size: 1.2rem; margin: 0 0 .6rem; overflow-wrap: anywhere; }
  .muted { color: var(--muted); font-size: .9em; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; }
  dt { font-weight: 600; color: var(--muted); }
  dd { margin: 0; overflow-wrap: anywhere; }
  code, pre { font: 13px/1.45 ui-monospace, 'SF Mono', 'Cascadia Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace; }
  code { background: var(--neutral-soft); padding: 0 3px; border-radius: 3px; }
  .badge { display: inline-block; padding: 0 .5rem; border-radius: 9px; font-size: 12px; font-weight: 600; line-height: 20px;
    background: var(--neutral-soft); color: var(--muted); }
  ${RISK_RULES}
  details { margin: .8rem 0; }
  summary { cursor: pointer; color: var(--accent); }
  pre { margin: .4rem 0 0; padding: .5rem .7rem; background: var(--panel-2); border: 1px solid var(--border); border-radius: 6px;
    overflow: auto; max-height: 24rem; white-space: pre; }
  label { font-weight: 600; font-size: 13px; }
  textarea { display: block; box-sizing: border-box; width: 100%; min-height: 4rem; margin-top: .3rem; font: inherit; color: inherit;
    background: var(--panel); border: 1px solid var(--border-strong); border-radius: 5px; padding: .4rem .5rem; }
  .actions { display: flex; gap: .6rem; margin-top: 1rem; }
  button { font: inherit; font-weight: 600; padding: .45rem 1.3rem; border-radius: 5px; border: 1px solid; cursor: pointer; }
  button:hover { filter: brightness(1.08); }
  :focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
  .approve { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
  .reject { background: var(--danger); border-color: var(--danger); color: #fff; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Vigil</title>
<style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

function detailPage(approval: Approval, token: string): string {
  const indicator = shownIndicator(approval.input);
  const confidence = approval.confidence === null ? 'not given' : `${Math.round(approval.confidence * 100)}%`;
  const who = approval.trigger_type === 'agent' ? 'An agent' : approval.trigger_type === 'schedule' ? 'The workflow\'s schedule' : 'An analyst';
  // Risk levels come from a closed list; anything else would get the neutral look.
  const risk = Object.hasOwn(RISK_TONES, approval.risk_level) ? approval.risk_level : 'none';
  return page(
    `Approve ${approval.workflow_name}?`,
    `<main class="card" data-risk="${escapeHtml(risk)}">
<h1>Run “${escapeHtml(approval.workflow_name)}”?</h1>
<p>${who} asks to run this workflow. Nothing happens until you decide.</p>
<dl>
  <dt>Workflow</dt><dd>${escapeHtml(approval.workflow_name)} <span class="muted">version ${escapeHtml(approval.workflow_version)}</span></dd>
  <dt>Risk</dt><dd><span class="badge" data-risk="${escapeHtml(risk)}">${escapeHtml(approval.risk_level)}</span></dd>
  <dt>Indicator</dt><dd>${escapeHtml(indicator.type)}: <code>${escapeHtml(indicator.value)}</code></dd>
  <dt>Reason</dt><dd>${approval.reason === null ? '<span class="muted">none given</span>' : escapeHtml(approval.reason)}</dd>
  <dt>Confidence</dt><dd>${escapeHtml(confidence)}</dd>
  <dt>Requested by</dt><dd>${escapeHtml(requestedBy(approval))}</dd>
  <dt>Requested</dt><dd>${when(approval.created_at)}</dd>
  <dt>Expires</dt><dd>${when(approval.expires_at)}</dd>
</dl>
<details>
  <summary>Show input <span class="muted">(indicator, context and alert, as the run will get them)</span></summary>
  <pre aria-label="Request input">${escapeHtml(JSON.stringify(approval.input, null, 2))}</pre>
</details>
<form method="post">
  <input type="hidden" name="token" value="${escapeHtml(token)}">
  <label for="reason">Reason (optional, kept with the decision)</label>
  <textarea id="reason" name="reason" maxlength="2000"></textarea>
  <div class="actions">
    <button class="approve" type="submit" name="decision" value="approve">Approve</button>
    <button class="reject" type="submit" name="decision" value="reject">Reject</button>
  </div>
</form>
</main>`,
  );
}

function messagePage(reply: FastifyReply, status: number, title: string, message: string) {
  return reply.code(status).headers(PAGE_HEADERS).send(page(title, `<main class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`));
}

function closedMessage(approval: Approval): [string, string] {
  if (approval.status === 'expired') {
    return ['This request has expired', `It expired at ${approval.expires_at}. Nothing was run; the agent can ask again.`];
  }
  const who = approval.responder ? ` by ${approval.responder}` : '';
  return ['Already decided', `This request was already ${approval.status}${who}. Nothing was changed.`];
}

const Params = Type.Object({ uuid: Type.String({ format: 'uuid' }) });

/** Every answer is a page for a person, but for a malformed address (the API's 422 envelope). */
const pageResponses = (success: string, form: boolean) => ({
  200: NotJson('text/html', success),
  ...(form ? { 400: NotJson('text/html', 'The form did not say which decision to make.') } : {}),
  403: NotJson('text/html', 'The link\'s token is not valid for this request.'),
  404: NotJson('text/html', 'No approval request at this address.'),
  409: NotJson('text/html', 'The request was already decided or has expired.'),
  422: ErrorEnvelope,
});

/**
 * The token-protected browser page an analyst opens from a notification. The token is the only
 * credential (no API key), single use, checked in constant time, and dies with the request.
 */
export function decideRoutes(approvals: ApprovalService) {
  return async function decide(app: FastifyInstance) {
    // Form bodies are parsed for this page only; the JSON API keeps answering 415 to them.
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    app.get<{ Params: { uuid: string }; Querystring: { token?: string } }>(
      '/v1/approvals/:uuid/decide',
      {
        config: { publicPage: true },
        schema: {
          tags: ['approvals'],
          summary: 'Browser page to approve or reject (token from the notification link)',
          security: [],
          params: Params,
          querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) }),
          response: pageResponses('The request, with Approve and Reject buttons.', false),
        },
      },
      async (request, reply) => {
        const approval = approvals.current(request.params.uuid);
        if (!approval) return messagePage(reply, 404, 'Not found', 'There is no approval request at this address.');
        if (approval.status !== 'pending') return messagePage(reply, 409, ...closedMessage(approval));
        const token = request.query.token ?? '';
        if (!approvals.tokenMatches(approval, token)) {
          return messagePage(reply, 403, 'Link not valid', 'This link is not valid for this request. Use the link from the notification.');
        }
        return reply.code(200).headers(PAGE_HEADERS).send(detailPage(approval, token));
      },
    );

    app.post<{ Params: { uuid: string }; Body: { token?: string; decision?: string; reason?: string } }>(
      '/v1/approvals/:uuid/decide',
      {
        config: { publicPage: true },
        schema: {
          tags: ['approvals'],
          summary: 'Decide from the browser page (form: token, decision=approve|reject, reason?)',
          security: [],
          params: Params,
          consumes: ['application/x-www-form-urlencoded'],
          response: pageResponses('What the decision did.', true),
        },
      },
      async (request, reply) => {
        const approval = approvals.current(request.params.uuid);
        if (!approval) return messagePage(reply, 404, 'Not found', 'There is no approval request at this address.');
        if (approval.status !== 'pending') return messagePage(reply, 409, ...closedMessage(approval));
        const body = (request.body ?? {}) as Record<string, unknown>;
        const token = typeof body.token === 'string' ? body.token : '';
        if (!approvals.tokenMatches(approval, token)) {
          return messagePage(reply, 403, 'Link not valid', 'This link is not valid for this request. Use the link from the notification.');
        }
        const decision = body.decision;
        if (decision !== 'approve' && decision !== 'reject') {
          return messagePage(reply, 400, 'Choose Approve or Reject', 'The form did not say which decision to make.');
        }
        const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim().slice(0, 2000) : null;
        let decided: Approval;
        try {
          decided = approvals.decide(approval.uuid, decision, 'browser link', reason);
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'conflict') {
            return messagePage(reply, 409, ...closedMessage(approvals.get(approval.uuid)));
          }
          throw error;
        }
        const title = decided.status === 'approved' ? 'Approved' : 'Rejected';
        const message =
          decided.status === 'approved'
            ? `“${decided.workflow_name}” for ${shownIndicator(decided.input).value} is queued to run (run ${decided.run_uuid}).`
            : `“${decided.workflow_name}” for ${shownIndicator(decided.input).value} will not run.`;
        return messagePage(reply, 200, title, message);
      },
    );
  };
}
