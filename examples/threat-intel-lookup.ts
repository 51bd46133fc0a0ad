// Look the indicator up on VirusTotal (API v3) and return a verdict with the engine counts.
//
// Indicator types: ip, domain, url, hash_md5, hash_sha1, hash_sha256
// Secrets:         VT_API_KEY
// Allowed hosts:   www.virustotal.com
// Input:           optional {"malicious_threshold": 3}
// Test:            npx vigil test examples/threat-intel-lookup.ts --indicator domain:login-micros0ft.example --mocks examples/threat-intel-lookup.mocks.json --secret VT_API_KEY=test-key
import type { HttpResponse, IndicatorType, WorkflowContext, WorkflowResult } from "vigil";
import { base64Encode } from "vigil";

const VT = "https://www.virustotal.com/api/v3";

interface Stats {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
}

interface Report {
  data: {
    id: string;
    attributes: { last_analysis_stats: Stats; reputation?: number; tags?: string[]; last_analysis_date?: number };
  };
}

/** The API path of an indicator, or null when VirusTotal has no object for the type. */
function objectPath(type: IndicatorType, value: string): string | null {
  switch (type) {
    case "ip":
      return `ip_addresses/${encodeURIComponent(value)}`;
    case "domain":
      return `domains/${encodeURIComponent(value.toLowerCase())}`;
    case "url":
      // URL ids are the unpadded base64url of the URL itself.
      return `urls/${base64Encode(value).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
    case "hash_md5":
    case "hash_sha1":
    case "hash_sha256":
      return `files/${value.toLowerCase()}`;
    default:
      return null;
  }
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const path = objectPath(ctx.indicator.type, ctx.indicator.value.trim());
  if (!path) return ctx.fail(`VirusTotal cannot look up ${ctx.indicator.type} indicators`);
  const apiKey = ctx.secrets.get("VT_API_KEY");
  if (!apiKey) return ctx.fail("VT_API_KEY is not set: add it under Settings → Secrets");
  const input = (ctx.input ?? {}) as { malicious_threshold?: number };
  const threshold = typeof input.malicious_threshold === "number" ? input.malicious_threshold : 3;

  // The public API allows 4 requests a minute: wait and retry once when rate limited.
  let res: HttpResponse = await ctx.http.get(`${VT}/${path}`, { headers: { "x-apikey": apiKey } });
  if (res.status === 429) {
    ctx.log.warn("rate limited by VirusTotal, retrying in 15 s");
    await ctx.sleep(15_000);
    res = await ctx.http.get(`${VT}/${path}`, { headers: { "x-apikey": apiKey } });
  }
  if (res.status === 404) return ctx.ok("VirusTotal has never seen this indicator", { verdict: "unknown" });
  if (!res.ok) return ctx.fail(`VirusTotal answered ${res.status}`, { body: res.text().slice(0, 300) });

  const { attributes } = res.json<Report>().data;
  const stats = attributes.last_analysis_stats;
  const verdict = stats.malicious >= threshold ? "malicious" : stats.malicious + stats.suspicious > 0 ? "suspicious" : "clean";
  const analysed = attributes.last_analysis_date ? new Date(attributes.last_analysis_date * 1000).toISOString() : null;
  ctx.log.info("verdict", { verdict, ...stats });
  return ctx.ok(`${ctx.indicator.value} is ${verdict} (${stats.malicious} of ${stats.malicious + stats.suspicious + stats.harmless + stats.undetected} engines)`, {
    verdict,
    stats,
    reputation: attributes.reputation ?? null,
    tags: attributes.tags ?? [],
    last_analysis: analysed,
    link: `https://www.virustotal.com/gui/search/${encodeURIComponent(ctx.indicator.value)}`,
  });
}
