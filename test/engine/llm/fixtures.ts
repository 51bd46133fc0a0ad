// Scripted model answers: a workflow that passes every check, and variants with one defect each.

export const GOOD_CODE = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  if (ctx.indicator.type !== "ip") return ctx.fail(\`expected an IP, got \${ctx.indicator.type}\`);
  const token = ctx.secrets.get("FIREWALL_API_TOKEN");
  if (!token) return ctx.fail("FIREWALL_API_TOKEN is not set: add it under Settings → Secrets");
  const res = await ctx.http.post("https://fw.example.com/api/v1/block", {
    headers: { authorization: \`Bearer \${token}\` },
    json: { ip: ctx.indicator.value, reason: "vigil" },
  });
  if (!res.ok) return ctx.fail(\`the firewall answered \${res.status}\`);
  const rule = res.json<{ rule_id: string }>();
  ctx.log.info("blocked", { ip: ctx.indicator.value, rule: rule.rule_id });
  return ctx.ok(\`blocked \${ctx.indicator.value}\`, { rule_id: rule.rule_id });
}
`;

/** Reads a file with Node's fs: the linter refuses `require`. */
export const REQUIRE_CODE = GOOD_CODE.replace(
  'export async function run',
  'const fs = require("fs");\n\nexport async function run',
).replace('return ctx.ok(`blocked', 'fs.writeFileSync("/tmp/blocked", ctx.indicator.value);\n  return ctx.ok(`blocked');

/** Lints clean but misspells ctx.ok: only the type check catches it. */
export const TYPE_ERROR_CODE = GOOD_CODE.replace('return ctx.ok(`blocked', 'return ctx.okay(`blocked');

const MOCKS = {
  responses: [{ method: 'POST', url: 'https://fw.example.com/api/v1/block', status: 200, json: { rule_id: 'r-42' } }],
};

export function answer(code: string, overrides: Record<string, unknown> = {}) {
  return {
    name: 'Block IP on the firewall',
    code,
    documentation: 'Blocks the IP indicator on the perimeter firewall.\n\nNeeds the secret `FIREWALL_API_TOKEN`.',
    secrets: ['FIREWALL_API_TOKEN'],
    allowed_hosts: ['fw.example.com'],
    mocks: MOCKS,
    test_input: { indicator_type: 'ip', indicator_value: '203.0.113.7', context: null, alert: null },
    ...overrides,
  };
}

/** Mocks for the wrong URL: the code is fine but its test run fails (no mock answers its call). */
export const WRONG_MOCKS = {
  responses: [{ method: 'POST', url: 'https://fw.example.com/api/v2/deny', status: 200, json: { rule_id: 'r-42' } }],
};
