// Detonate a URL in urlscan.io and wait for the verdict, polling with ctx.sleep (never timers).
// Give the workflow a timeout of at least two minutes.
//
// Indicator types: url, domain
// Secrets:         URLSCAN_API_KEY
// Allowed hosts:   urlscan.io
// Input:           optional {"max_wait_seconds": 90, "visibility": "private"}
// Test:            npx vigil test examples/detonate-url.ts --indicator url:https://login-micros0ft.example/owa --mocks examples/detonate-url.mocks.json --secret URLSCAN_API_KEY=test-key
import type { WorkflowContext, WorkflowResult } from "vigil";

const URLSCAN = "https://urlscan.io/api/v1";

interface Result {
  verdicts: { overall: { score: number; malicious: boolean; categories: string[]; brands?: string[] } };
  page: { url: string; domain: string; ip?: string; country?: string };
  task: { screenshotURL: string; reportURL: string };
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const { type, value } = ctx.indicator;
  if (type !== "url" && type !== "domain") return ctx.fail(`urlscan.io scans URLs and domains, not ${type}`);
  const target = type === "domain" ? `https://${value}/` : value;
  if (!URL.canParse(target)) return ctx.fail(`"${target}" is not a valid URL`);

  const apiKey = ctx.secrets.get("URLSCAN_API_KEY");
  if (!apiKey) return ctx.fail("URLSCAN_API_KEY is not set: add it under Settings → Secrets");
  const input = (ctx.input ?? {}) as { max_wait_seconds?: number; visibility?: string };
  const maxWait = Math.min(typeof input.max_wait_seconds === "number" ? input.max_wait_seconds : 90, 600) * 1000;
  const visibility = input.visibility === "public" || input.visibility === "unlisted" ? input.visibility : "private";
  const headers = { "api-key": apiKey };

  const submitted = await ctx.step("submit", async () => {
    const res = await ctx.http.post(`${URLSCAN}/scan/`, { headers, json: { url: target, visibility, tags: ["vigil"] } });
    if (!res.ok) throw new Error(`urlscan.io refused the scan (HTTP ${res.status}): ${res.text().slice(0, 200)}`);
    return res.json<{ uuid: string; result: string }>();
  });

  // Results appear after 10–30 s; until then the result URL answers 404. A mocked run need not wait.
  const interval = ctx.run.test ? 0 : 5_000;
  const attempts = Math.max(1, Math.ceil(maxWait / 5_000));
  const result = await ctx.step("wait for the result", async () => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const res = await ctx.http.get(`${URLSCAN}/result/${submitted.uuid}/`, { headers });
      if (res.ok) return res.json<Result>();
      if (res.status !== 404) throw new Error(`urlscan.io answered ${res.status} while polling`);
      await ctx.sleep(interval);
    }
    return null;
  });
  if (!result) return ctx.fail(`No result after ${maxWait / 1000} s; see ${submitted.result} later`, { uuid: submitted.uuid });

  const { overall } = result.verdicts;
  const verdict = overall.malicious ? "malicious" : overall.score > 0 ? "suspicious" : "no detections";
  ctx.log.info("verdict", { verdict, score: overall.score, categories: overall.categories });
  return ctx.ok(`${target} is ${verdict} (score ${overall.score})`, {
    verdict,
    score: overall.score,
    categories: overall.categories,
    brands: overall.brands ?? [],
    final_url: result.page.url,
    ip: result.page.ip ?? null,
    country: result.page.country ?? null,
    report: result.task.reportURL,
    screenshot: result.task.screenshotURL,
  });
}
