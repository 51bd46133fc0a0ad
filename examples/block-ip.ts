// Block an IP address on the perimeter firewall (a REST API with staged changes and a commit).
//
// Indicator types: ip
// Secrets:         FIREWALL_API_TOKEN
// Allowed hosts:   fw.example.com
// Input:           optional {"duration_hours": 24, "comment": "why"}
// Test:            npx vigil test examples/block-ip.ts --indicator ip:203.0.113.7 --mocks examples/block-ip.mocks.json --secret FIREWALL_API_TOKEN=test-token
import type { WorkflowContext, WorkflowResult } from "vigil";

const FIREWALL = "https://fw.example.com/api/v2";
const BLOCKLIST = "vigil-blocklist";
const MAX_HOURS = 24 * 30;

/** Ranges that must never be blocked, whatever the caller says. */
const RESERVED = [/^10\./, /^127\./, /^0\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^(::1|fe80:|fc|fd)/i];

interface Input {
  duration_hours?: number;
  comment?: string;
}

function isIPv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function isIPv6(value: string): boolean {
  return value.includes(":") && /^[0-9a-f:.]+$/i.test(value);
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  if (ctx.indicator.type !== "ip") return ctx.fail(`This workflow blocks IP addresses, not ${ctx.indicator.type}`);
  const ip = ctx.indicator.value.trim();
  if (!isIPv4(ip) && !isIPv6(ip)) return ctx.fail(`"${ip}" is not an IP address`);
  if (RESERVED.some((range) => range.test(ip))) return ctx.fail(`${ip} is a private or reserved address: refusing to block it`);

  const token = ctx.secrets.get("FIREWALL_API_TOKEN");
  if (!token) return ctx.fail("FIREWALL_API_TOKEN is not set: add it under Settings → Secrets");
  const headers = { authorization: `Bearer ${token}` };

  const input = (ctx.input ?? {}) as Input;
  const hours =
    typeof input.duration_hours === "number" && input.duration_hours > 0 ? Math.min(input.duration_hours, MAX_HOURS) : 24;
  const expiresAt = new Date(Date.now() + hours * 3_600_000).toISOString();
  const comment = input.comment ?? `Vigil run ${ctx.run.id}${ctx.alert?.title ? `: ${ctx.alert.title}` : ""}`;

  const res = await ctx.http.post(`${FIREWALL}/address-groups/${BLOCKLIST}/members`, {
    headers,
    json: { address: ip, expires_at: expiresAt, comment },
  });
  if (res.status === 409) {
    ctx.log.info("already on the blocklist", { ip });
    return ctx.ok(`${ip} was already blocked`, { ip, already_blocked: true });
  }
  if (!res.ok) {
    ctx.log.error("the firewall refused the block", { status: res.status, body: res.text().slice(0, 500) });
    return ctx.fail(`The firewall answered ${res.status} when blocking ${ip}`);
  }
  const member = res.json<{ id: string }>();

  // Address-group changes are staged until committed.
  const commit = await ctx.http.post(`${FIREWALL}/commit`, { headers, json: { description: `Vigil: block ${ip}` } });
  if (!commit.ok) {
    return ctx.fail(`${ip} was added but the commit failed (HTTP ${commit.status}): commit it on the firewall`, { member_id: member.id });
  }
  const { job_id } = commit.json<{ job_id: string }>();
  ctx.log.info("blocked", { ip, hours, member_id: member.id, job_id });
  return ctx.ok(`Blocked ${ip} for ${hours} h`, { ip, member_id: member.id, expires_at: expiresAt, commit_job: job_id });
}
