// Post an indicator summary to a Slack channel through the SOC's chat relay, which accepts only
// bodies signed with HMAC-SHA256 (the same scheme as Slack's own request signing: "v0:<ts>:<body>").
//
// Indicator types: any
// Secrets:         CHAT_RELAY_SIGNING_SECRET
// Allowed hosts:   chat-relay.example.com
// Input:           optional {"channel": "#soc-alerts", "mention": "@oncall"}
// Test:            npx vigil test examples/slack-signed-notify.ts --indicator domain:login-micros0ft.example --mocks examples/slack-signed-notify.mocks.json --secret CHAT_RELAY_SIGNING_SECRET=test-secret
import type { WorkflowContext, WorkflowResult } from "vigil";
import { hmac, uuid } from "vigil";

const RELAY = "https://chat-relay.example.com/slack/v1/messages";

interface Input {
  channel?: string;
  mention?: string;
}

const SEVERITY_EMOJI: Record<string, string> = { critical: ":rotating_light:", high: ":red_circle:", medium: ":large_orange_circle:" };

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const secret = ctx.secrets.get("CHAT_RELAY_SIGNING_SECRET");
  if (!secret) return ctx.fail("CHAT_RELAY_SIGNING_SECRET is not set: add it under Settings → Secrets");

  const input = (ctx.input ?? {}) as Input;
  const channel = typeof input.channel === "string" && input.channel.startsWith("#") ? input.channel : "#soc-alerts";
  const { type, value, malice } = ctx.indicator;
  const severity = ctx.alert?.severity?.toLowerCase() ?? "info";
  const title = ctx.alert?.title ?? `Indicator ${value}`;

  const lines = [
    `${SEVERITY_EMOJI[severity] ?? ":information_source:"} *${title}*`,
    `*${type}*: \`${value}\`${malice ? ` (verdict: ${malice})` : ""}`,
    `Run \`${ctx.run.id}\` of _${ctx.run.workflow.name}_ v${ctx.run.workflow.version}, started by ${ctx.run.trigger}`,
  ];
  if (input.mention) lines.unshift(input.mention);
  const body = JSON.stringify({
    channel,
    text: lines.join("\n"),
    blocks: [{ type: "section", text: { type: "mrkdwn", text: lines.join("\n") } }],
  });

  // The relay rejects requests older than five minutes and checks the signature over the exact body.
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${hmac("sha256", secret, `v0:${timestamp}:${body}`)}`;

  const res = await ctx.http.post(RELAY, {
    headers: {
      "content-type": "application/json",
      "x-relay-request-timestamp": timestamp,
      "x-relay-signature": signature,
      "idempotency-key": uuid(),
    },
    body,
    timeout_ms: 10_000,
  });
  if (!res.ok) {
    ctx.log.error("the relay refused the message", { status: res.status, body: res.text().slice(0, 300) });
    return ctx.fail(`The chat relay answered ${res.status}`);
  }
  const { ts } = res.json<{ ok: boolean; ts: string }>();
  ctx.log.info("posted", { channel, ts });
  return ctx.ok(`Posted to ${channel}`, { channel, ts });
}
