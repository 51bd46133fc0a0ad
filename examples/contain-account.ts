// Contain a compromised Okta account in recorded steps: find the user, suspend it, end its
// sessions and revoke its OAuth tokens. Each step shows up in the run log with its duration; the
// first step that fails ends the run with its name in the message.
//
// Indicator types: account, email
// Secrets:         OKTA_API_TOKEN
// Allowed hosts:   acme.okta.com
// Input:           optional {"keep_sessions": false}
// Test:            npx vigil test examples/contain-account.ts --indicator email:j.doe@example.com --mocks examples/contain-account.mocks.json --secret OKTA_API_TOKEN=test-token
import type { HttpResponse, WorkflowContext, WorkflowResult } from "vigil";

const OKTA = "https://acme.okta.com/api/v1";

interface OktaUser {
  id: string;
  status: "ACTIVE" | "SUSPENDED" | "DEPROVISIONED" | "LOCKED_OUT" | "PASSWORD_EXPIRED" | "RECOVERY" | "STAGED" | "PROVISIONED";
  profile: { login: string; email: string; displayName?: string };
}

/** A failed step: its message becomes the run's message. */
class StepFailed extends Error {}

function expect(res: HttpResponse, what: string, accepted: number[] = [200, 204]): void {
  if (!accepted.includes(res.status)) throw new StepFailed(`${what}: Okta answered ${res.status} ${res.text().slice(0, 200)}`);
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  if (ctx.indicator.type !== "account" && ctx.indicator.type !== "email") {
    return ctx.fail(`This workflow contains accounts; got a ${ctx.indicator.type} indicator`);
  }
  // The typed Okta client (ctx.integrations.okta) is not available yet: call the REST API directly.
  const token = ctx.secrets.get("OKTA_API_TOKEN");
  if (!token) return ctx.fail("OKTA_API_TOKEN is not set: add it under Settings → Secrets");
  const headers = { authorization: `SSWS ${token}`, accept: "application/json" };
  const keepSessions = (ctx.input as { keep_sessions?: boolean } | null)?.keep_sessions === true;
  const done: string[] = [];

  try {
    const user = await ctx.step("find user", async () => {
      const res = await ctx.http.get(`${OKTA}/users/${encodeURIComponent(ctx.indicator.value)}`, { headers });
      if (res.status === 404) throw new StepFailed(`No Okta user with login ${ctx.indicator.value}`);
      expect(res, "find user", [200]);
      return res.json<OktaUser>();
    });
    ctx.log.info("found", { id: user.id, status: user.status, login: user.profile.login });

    await ctx.step("suspend user", async () => {
      if (user.status === "SUSPENDED") {
        ctx.log.info("already suspended");
        return;
      }
      if (user.status !== "ACTIVE") throw new StepFailed(`The user is ${user.status}; only ACTIVE users can be suspended`);
      expect(await ctx.http.post(`${OKTA}/users/${user.id}/lifecycle/suspend`, { headers }), "suspend user");
      done.push("suspended");
    });

    if (!keepSessions) {
      await ctx.step("end sessions", async () => {
        expect(await ctx.http.delete(`${OKTA}/users/${user.id}/sessions`, { headers, query: { oauthTokens: true } }), "end sessions");
        done.push("sessions ended");
      });
    }

    await ctx.step("revoke grants", async () => {
      expect(await ctx.http.delete(`${OKTA}/users/${user.id}/grants`, { headers }), "revoke grants");
      done.push("grants revoked");
    });

    return ctx.ok(`Contained ${user.profile.login}: ${done.join(", ") || "nothing to do"}`, { user_id: user.id, actions: done });
  } catch (error) {
    const message = error instanceof StepFailed ? error.message : `Unexpected error: ${(error as Error).message}`;
    return ctx.fail(message, { completed: done });
  }
}
