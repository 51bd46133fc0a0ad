import type { FastifyInstance, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { Type } from 'typebox';
import type { Approval } from '../../db/index.ts';
import type { Engine } from '../../engine.ts';
import { ApiError } from '../errors.ts';

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

const RISK_COLOURS: Record<string, string> = { low: '#2e7d32', medium: '#b26a00', high: '#c62828', critical: '#7b1fa2' };

function when(iso: string): string {
  const date = new Date(iso);
  const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' }).format(date);
  return `${escapeHtml(local)} <span class="muted">(${escapeHtml(iso)})</span>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Vigil</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
  h1 { font-size: 1.3rem; } .muted { opacity: .7; font-size: .9em; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  .risk { color: #fff; padding: .05rem .45rem; border-radius: .3rem; font-weight: 600; }
  textarea { width: 100%; min-height: 4rem; font: inherit; }
  .actions { display: flex; gap: 1rem; margin-top: 1rem; }
  button { font: inherit; padding: .5rem 1.4rem; border-radius: .35rem; border: 1px solid #888; cursor: pointer; }
  .approve { background: #2e7d32; color: #fff; border-color: #2e7d32; }
  .reject { background: #c62828; color: #fff; border-color: #c62828; }
</style></head>
<body>${body}</body></html>`;
}

function detailPage(approval: Approval, token: string): string {
  const { indicator } = approval.input;
  const confidence = approval.confidence === null ? 'not given' : `${Math.round(approval.confidence * 100)}%`;
  const colour = RISK_COLOURS[approval.risk_level] ?? '#555';
  return page(
    `Approve ${approval.workflow_name}?`,
    `<h1>Run “${escapeHtml(approval.workflow_name)}”?</h1>
<p>An ${escapeHtml(approval.trigger_type)} asks to run this workflow. Nothing happens until you decide.</p>
<dl>
  <dt>Workflow</dt><dd>${escapeHtml(approval.workflow_name)} <span class="muted">version ${escapeHtml(approval.workflow_version)}</span></dd>
  <dt>Risk</dt><dd><span class="risk" style="background:${colour}">${escapeHtml(approval.risk_level)}</span></dd>
  <dt>Indicator</dt><dd>${escapeHtml(indicator.type)}: <code>${escapeHtml(indicator.value)}</code></dd>
  <dt>Reason</dt><dd>${approval.reason === null ? '<span class="muted">none given</span>' : escapeHtml(approval.reason)}</dd>
  <dt>Confidence</dt><dd>${escapeHtml(confidence)}</dd>
  <dt>Requested by</dt><dd>${escapeHtml(approval.trigger_key?.name ?? 'unknown key')} <span class="muted">(${escapeHtml(approval.trigger_type)} key)</span></dd>
  <dt>Requested</dt><dd>${when(approval.created_at)}</dd>
  <dt>Expires</dt><dd>${when(approval.expires_at)}</dd>
</dl>
<form method="post">
  <input type="hidden" name="token" value="${escapeHtml(token)}">
  <label for="reason">Reason (optional, kept with the decision)</label>
  <textarea id="reason" name="reason" maxlength="2000"></textarea>
  <div class="actions">
    <button class="approve" type="submit" name="decision" value="approve">Approve</button>
    <button class="reject" type="submit" name="decision" value="reject">Reject</button>
  </div>
</form>`,
  );
}

function messagePage(reply: FastifyReply, status: number, title: string, message: string) {
  return reply.code(status).headers(PAGE_HEADERS).send(page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`));
}

function closedMessage(approval: Approval): [string, string] {
  if (approval.status === 'expired') {
    return ['This request has expired', `It expired at ${approval.expires_at}. Nothing was run; the agent can ask again.`];
  }
  const who = approval.responder ? ` by ${approval.responder}` : '';
  return ['Already decided', `This request was already ${approval.status}${who}. Nothing was changed.`];
}

const Params = Type.Object({ uuid: Type.String({ format: 'uuid' }) });

/**
 * The token-protected browser page an analyst opens from a notification. The token is the only
 * credential (no API key), single use, checked in constant time, and dies with the request.
 */
export function decideRoutes(engine: Engine) {
  function load(uuid: string): Approval | null {
    engine.approvals.sweep();
    return engine.store.approvals.get(uuid) ?? null;
  }

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
        },
      },
      async (request, reply) => {
        const approval = load(request.params.uuid);
        if (!approval) return messagePage(reply, 404, 'Not found', 'There is no approval request at this address.');
        if (approval.status !== 'pending') return messagePage(reply, 409, ...closedMessage(approval));
        const token = request.query.token ?? '';
        if (!engine.approvals.tokenMatches(approval, token)) {
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
        },
      },
      async (request, reply) => {
        const approval = load(request.params.uuid);
        if (!approval) return messagePage(reply, 404, 'Not found', 'There is no approval request at this address.');
        if (approval.status !== 'pending') return messagePage(reply, 409, ...closedMessage(approval));
        const body = (request.body ?? {}) as Record<string, unknown>;
        const token = typeof body.token === 'string' ? body.token : '';
        if (!engine.approvals.tokenMatches(approval, token)) {
          return messagePage(reply, 403, 'Link not valid', 'This link is not valid for this request. Use the link from the notification.');
        }
        const decision = body.decision;
        if (decision !== 'approve' && decision !== 'reject') {
          return messagePage(reply, 400, 'Choose Approve or Reject', 'The form did not say which decision to make.');
        }
        const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim().slice(0, 2000) : null;
        let decided: Approval;
        try {
          decided = engine.approvals.decide(approval.uuid, decision, 'browser link', reason);
        } catch (error) {
          if (error instanceof ApiError && error.statusCode === 409) {
            return messagePage(reply, 409, ...closedMessage(engine.store.approvals.get(approval.uuid)!));
          }
          throw error;
        }
        const title = decided.status === 'approved' ? 'Approved' : 'Rejected';
        const message =
          decided.status === 'approved'
            ? `“${decided.workflow_name}” for ${decided.input.indicator.value} is queued to run (run ${decided.run_uuid}).`
            : `“${decided.workflow_name}” for ${decided.input.indicator.value} will not run.`;
        return messagePage(reply, 200, title, message);
      },
    );
  };
}
