// Open a Jira ticket for the alert (or add a comment when one is already open for this indicator).
//
// Indicator types: any
// Secrets:         JIRA_USER, JIRA_API_TOKEN
// Allowed hosts:   acme.atlassian.net
// Input:           optional {"project": "SEC", "assignee_account_id": "5b10ac8d82e05b22cc7d4ef5"}
// Test:            npx vigil test examples/open-ticket.ts --indicator hash_sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f --mocks examples/open-ticket.mocks.json --secret JIRA_USER=soc-bot@example.com --secret JIRA_API_TOKEN=test-token
import type { WorkflowContext, WorkflowResult } from "vigil";
import { base64Encode, sha1 } from "vigil";

const JIRA = "https://acme.atlassian.net/rest/api/3";

interface Input {
  project?: string;
  assignee_account_id?: string;
}

interface SearchResult {
  issues: { key: string; fields: { status: { name: string } } }[];
}

const PRIORITY: Record<string, string> = { critical: "Highest", high: "High", medium: "Medium", low: "Low" };

/** A paragraph in Atlassian Document Format, the body format of Jira Cloud. */
function paragraph(text: string) {
  return { type: "paragraph", content: [{ type: "text", text }] };
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const user = ctx.secrets.get("JIRA_USER");
  const token = ctx.secrets.get("JIRA_API_TOKEN");
  if (!user || !token) return ctx.fail("JIRA_USER and JIRA_API_TOKEN must both be set under Settings → Secrets");
  const headers = { authorization: `Basic ${base64Encode(`${user}:${token}`)}`, accept: "application/json" };

  const input = (ctx.input ?? {}) as Input;
  const project = typeof input.project === "string" && /^[A-Z][A-Z0-9]+$/.test(input.project) ? input.project : "SEC";
  const { type, value } = ctx.indicator;
  // One label per indicator finds the open ticket again on the next run.
  const label = `vigil-${sha1(`${type}:${value}`).slice(0, 12)}`;

  const search = await ctx.http.get(`${JIRA}/search/jql`, {
    headers,
    query: { jql: `project = ${project} AND labels = "${label}" AND statusCategory != Done`, fields: "status", maxResults: 1 },
  });
  if (!search.ok) return ctx.fail(`Jira search answered ${search.status}`, { body: search.text().slice(0, 300) });
  const existing = search.json<SearchResult>().issues[0];

  const details = [
    `Indicator: ${type} ${value}${ctx.indicator.malice ? ` (${ctx.indicator.malice})` : ""}`,
    `Alert: ${ctx.alert?.title ?? "none"}${ctx.alert?.source ? ` from ${ctx.alert.source}` : ""}`,
    `Vigil run: ${ctx.run.id} (${ctx.run.trigger})`,
  ];

  if (existing) {
    const comment = await ctx.http.post(`${JIRA}/issue/${existing.key}/comment`, {
      headers,
      json: { body: { type: "doc", version: 1, content: details.map(paragraph) } },
    });
    if (!comment.ok) return ctx.fail(`Commenting on ${existing.key} failed with HTTP ${comment.status}`);
    ctx.log.info("commented on the open ticket", { key: existing.key, status: existing.fields.status.name });
    return ctx.ok(`Added the sighting to ${existing.key}`, { key: existing.key, created: false });
  }

  const severity = ctx.alert?.severity?.toLowerCase() ?? "medium";
  const created = await ctx.http.post(`${JIRA}/issue`, {
    headers,
    json: {
      fields: {
        project: { key: project },
        issuetype: { name: "Task" },
        summary: `[Vigil] ${ctx.alert?.title ?? `${type} ${value}`}`.slice(0, 250),
        description: { type: "doc", version: 1, content: details.map(paragraph) },
        labels: ["vigil", label],
        priority: { name: PRIORITY[severity] ?? "Medium" },
        ...(input.assignee_account_id ? { assignee: { id: input.assignee_account_id } } : {}),
      },
    },
  });
  if (created.status !== 201) {
    ctx.log.error("Jira refused the ticket", { status: created.status, body: created.text().slice(0, 500) });
    return ctx.fail(`Creating the ticket failed with HTTP ${created.status}`);
  }
  const issue = created.json<{ id: string; key: string }>();
  ctx.log.info("ticket opened", { key: issue.key });
  return ctx.ok(`Opened ${issue.key}`, { key: issue.key, url: `https://acme.atlassian.net/browse/${issue.key}`, created: true });
}
