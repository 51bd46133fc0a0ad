// The nine built-in identity workflows (5 Okta, 4 Entra): real workflow TypeScript that calls
// ctx.integrations, seeded as system workflows (see seed.ts). Each is gated (`approval_mode:
// always`, risk `high`) and documented for the agents that trigger them. The linter and the type
// checker run over every one of them in test/engine/integrations-builtins.test.ts.
import type { IntegrationName } from '../../sandbox/index.ts';

export interface BuiltinWorkflow {
  /** Stable identity across versions (workflows.builtin_key). */
  key: string;
  integration: IntegrationName;
  name: string;
  documentation: string;
  code: string;
  tags: string[];
}

const VENDOR = { okta: 'Okta', entra: 'Microsoft Entra ID' } as const;

const NOT_CONFIGURED = {
  okta: 'Okta is not configured: add the org URL and API token under Settings → Integrations',
  entra: 'Microsoft Entra ID is not configured: add the tenant id, client id and client secret under Settings → Integrations',
} as const;

/** The error handling every built-in shares: IntegrationErrors become failed results with their code. */
function failureHelper(vendor: string): string {
  return `
/** An IntegrationError becomes a failed result an agent can act on; anything else is a bug and is rethrown. */
function failure(ctx: WorkflowContext, e: unknown, account: string): WorkflowResult {
  const err = e as IntegrationError;
  if (err.name !== "IntegrationError") throw e;
  const data = { account, code: err.code, status: err.status, vendor_code: err.vendor_code };
  if (err.code === "NOT_FOUND") return ctx.fail(\`No ${vendor} user matches "\${account}"\`, data);
  return ctx.fail(err.message, data);
}
`;
}

function header(integration: IntegrationName, title: string): string {
  return `// Built-in workflow: ${title}. Duplicate it to change what it does.
import type { IntegrationError, WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const client = ctx.integrations.${integration};
  if (!client) return ctx.fail("${NOT_CONFIGURED[integration]}");
  const account = ctx.indicator.value.trim();
  if (!account) return ctx.fail("The indicator value must name the user (${integration === 'okta' ? 'Okta login, email or user id' : 'userPrincipalName, mail or object id'})");
`;
}

function docs(integration: IntegrationName, what: string, effect: string, data: string, options = ''): string {
  const vendor = VENDOR[integration];
  const identifies = integration === 'okta' ? 'the Okta login, primary email or Okta user id' : 'the userPrincipalName, mail address or directory object id';
  return `${what}

**Built-in ${vendor} workflow.** Runs only after a human approves it (approval mode \`always\`, risk \`high\`).

**When to use:** ${effect}

**Indicator:** type \`account\`; the value is ${identifies} of the user.
${options}
**Result:** on success \`data\` holds ${data}. On failure \`message\` says what went wrong and \`data.code\` is one of
\`NOT_FOUND\` (no such user), \`UNAUTHORIZED\` / \`FORBIDDEN\` (the integration's credentials or permissions —
tell the analyst, retrying will not help), \`RATE_LIMITED\` / \`UPSTREAM_ERROR\` (try again later), \`BAD_REQUEST\`
(${vendor} refused the change; \`message\` quotes its reason).

**Requires:** the ${vendor} integration under Settings → Integrations; until then the workflow shows
\`not configured\` and executing it answers \`400 INTEGRATION_NOT_CONFIGURED\`.
`;
}

const OKTA_USER = '`user` (id, login, email, status, first_name, last_name)';
const ENTRA_USER = '`user` (id, user_principal_name, mail, display_name, account_enabled)';

export const BUILTIN_WORKFLOWS: readonly BuiltinWorkflow[] = [
  {
    key: 'okta.revoke_sessions',
    integration: 'okta',
    name: 'Okta: revoke user sessions',
    tags: ['builtin', 'okta', 'identity'],
    documentation: docs(
      'okta',
      'Signs an Okta user out everywhere: clears all of their Okta sessions and, unless told otherwise, revokes the OAuth/OIDC tokens Okta issued to them.',
      'a session or token of the account may be stolen (session hijacking, token theft, impossible travel). The account stays usable: the user simply signs in again.',
      `${OKTA_USER} and \`oauth_tokens_revoked\``,
      '\n**Context (optional):** `{"oauth_tokens": false}` keeps OAuth tokens (default: revoked too).\n',
    ),
    code: `${header('okta', 'revoke an Okta user\'s sessions')}  const input = (ctx.input ?? {}) as { oauth_tokens?: unknown };
  const oauthTokens = input.oauth_tokens !== false;
  try {
    const user = await ctx.step("revoke Okta sessions", () => client.revokeSessions(account, { oauth_tokens: oauthTokens }));
    ctx.log.info("Okta sessions revoked", { id: user.id, login: user.login, oauth_tokens: oauthTokens });
    return ctx.ok(\`Revoked all Okta sessions of \${user.login}\`, { user, oauth_tokens_revoked: oauthTokens });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Okta')}`,
  },
  {
    key: 'okta.suspend_user',
    integration: 'okta',
    name: 'Okta: suspend user',
    tags: ['builtin', 'okta', 'identity'],
    documentation: docs(
      'okta',
      'Suspends an Okta user: they cannot sign in until the user is unsuspended. Existing sessions are not cleared; run "Okta: revoke user sessions" as well to sign them out now.',
      'the account is believed compromised or is acting maliciously and must stop signing in. Reverse it with "Okta: unsuspend user".',
      `${OKTA_USER} with status \`SUSPENDED\`, and \`already_suspended\` (true when it was suspended before)`,
    ),
    code: `${header('okta', 'suspend an Okta user')}  try {
    const user = await ctx.step("suspend Okta user", () => client.suspend(account));
    ctx.log.info("Okta user suspended", { id: user.id, login: user.login });
    return ctx.ok(\`Suspended Okta user \${user.login}\`, { user, already_suspended: false });
  } catch (e) {
    const err = e as IntegrationError;
    if (err.name === "IntegrationError" && err.code === "BAD_REQUEST") {
      const current = await client.findUser(account);
      if (current && current.status === "SUSPENDED") return ctx.ok(\`Okta user \${current.login} was already suspended\`, { user: current, already_suspended: true });
    }
    return failure(ctx, e, account);
  }
}
${failureHelper('Okta')}`,
  },
  {
    key: 'okta.unsuspend_user',
    integration: 'okta',
    name: 'Okta: unsuspend user',
    tags: ['builtin', 'okta', 'identity'],
    documentation: docs(
      'okta',
      'Unsuspends a suspended Okta user: they can sign in again.',
      'an investigation cleared the account after it was suspended (the reverse of "Okta: suspend user").',
      `${OKTA_USER} with status \`ACTIVE\`, and \`already_active\` (true when it was not suspended)`,
    ),
    code: `${header('okta', 'unsuspend an Okta user')}  try {
    const user = await ctx.step("unsuspend Okta user", () => client.unsuspend(account));
    ctx.log.info("Okta user unsuspended", { id: user.id, login: user.login });
    return ctx.ok(\`Unsuspended Okta user \${user.login}\`, { user, already_active: false });
  } catch (e) {
    const err = e as IntegrationError;
    if (err.name === "IntegrationError" && err.code === "BAD_REQUEST") {
      const current = await client.findUser(account);
      if (current && current.status === "ACTIVE") return ctx.ok(\`Okta user \${current.login} was not suspended\`, { user: current, already_active: true });
    }
    return failure(ctx, e, account);
  }
}
${failureHelper('Okta')}`,
  },
  {
    key: 'okta.reset_password',
    integration: 'okta',
    name: 'Okta: reset user password',
    tags: ['builtin', 'okta', 'identity'],
    documentation: docs(
      'okta',
      "Starts an Okta password reset: the user's current password stops working and Okta emails them a reset link (or, on request, returns a one-time link for the analyst to hand over).",
      'the password is known or suspected to be compromised (credential stuffing hit, phishing submission, password found in a leak).',
      `${OKTA_USER} with status \`RECOVERY\`, \`email_sent\`, and \`reset_password_url\` (only with \`send_email: false\`; it is a credential — it is stored with the run, so prefer the email)`,
      '\n**Context (optional):** `{"send_email": false}` returns a one-time reset link instead of emailing the user (default: email).\n',
    ),
    code: `${header('okta', 'reset an Okta user\'s password')}  const input = (ctx.input ?? {}) as { send_email?: unknown };
  const sendEmail = input.send_email !== false;
  try {
    const reset = await ctx.step("reset Okta password", () => client.resetPassword(account, { send_email: sendEmail }));
    ctx.log.info("Okta password reset started", { id: reset.user.id, login: reset.user.login, email_sent: sendEmail });
    const message = sendEmail ? \`Okta emailed \${reset.user.login} a password reset link\` : \`Created a one-time password reset link for \${reset.user.login}\`;
    return ctx.ok(message, { user: reset.user, email_sent: sendEmail, reset_password_url: reset.reset_password_url });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Okta')}`,
  },
  {
    key: 'okta.expire_password',
    integration: 'okta',
    name: 'Okta: expire user password',
    tags: ['builtin', 'okta', 'identity'],
    documentation: docs(
      'okta',
      'Expires an Okta user\'s password: the next time they sign in they must choose a new one. Their current sessions are kept.',
      'the password should be rotated but the user must keep working (weaker than a reset: whoever knows the old password can still set the new one).',
      `${OKTA_USER} with status \`PASSWORD_EXPIRED\``,
    ),
    code: `${header('okta', 'expire an Okta user\'s password')}  try {
    const user = await ctx.step("expire Okta password", () => client.expirePassword(account));
    ctx.log.info("Okta password expired", { id: user.id, login: user.login });
    return ctx.ok(\`Expired the Okta password of \${user.login}\`, { user });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Okta')}`,
  },
  {
    key: 'entra.revoke_sessions',
    integration: 'entra',
    name: 'Entra ID: revoke sign-in sessions',
    tags: ['builtin', 'entra', 'identity'],
    documentation: docs(
      'entra',
      "Revokes a Microsoft Entra ID user's sign-in sessions: all refresh tokens and session cookies become invalid, so apps must sign the user in again (access tokens already issued live until they expire, typically up to an hour).",
      'a session or token of the account may be stolen (token theft, impossible travel, suspicious OAuth consent). The account stays enabled.',
      ENTRA_USER,
    ),
    code: `${header('entra', 'revoke an Entra ID user\'s sign-in sessions')}  try {
    const user = await ctx.step("revoke Entra sign-in sessions", () => client.revokeSessions(account));
    ctx.log.info("Entra sign-in sessions revoked", { id: user.id, upn: user.user_principal_name });
    return ctx.ok(\`Revoked the sign-in sessions of \${user.user_principal_name}\`, { user });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Entra ID')}`,
  },
  {
    key: 'entra.disable_account',
    integration: 'entra',
    name: 'Entra ID: disable account',
    tags: ['builtin', 'entra', 'identity'],
    documentation: docs(
      'entra',
      'Disables a Microsoft Entra ID account (accountEnabled = false) and revokes its sign-in sessions, so it can neither sign in nor keep using refresh tokens.',
      'the account is believed compromised or is acting maliciously and must be stopped now. Reverse it with "Entra ID: enable account".',
      `${ENTRA_USER} with \`account_enabled: false\`, and \`sessions_revoked\``,
    ),
    code: `${header('entra', 'disable an Entra ID account')}  try {
    const user = await ctx.step("disable Entra account", () => client.disableAccount(account));
    ctx.log.info("Entra account disabled", { id: user.id, upn: user.user_principal_name });
    await ctx.step("revoke Entra sign-in sessions", () => client.revokeSessions(user.id));
    return ctx.ok(\`Disabled \${user.user_principal_name} and revoked its sessions\`, { user, sessions_revoked: true });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Entra ID')}`,
  },
  {
    key: 'entra.enable_account',
    integration: 'entra',
    name: 'Entra ID: enable account',
    tags: ['builtin', 'entra', 'identity'],
    documentation: docs(
      'entra',
      'Enables a disabled Microsoft Entra ID account (accountEnabled = true): the user can sign in again.',
      'an investigation cleared the account after it was disabled (the reverse of "Entra ID: disable account").',
      `${ENTRA_USER} with \`account_enabled: true\``,
    ),
    code: `${header('entra', 'enable an Entra ID account')}  try {
    const user = await ctx.step("enable Entra account", () => client.enableAccount(account));
    ctx.log.info("Entra account enabled", { id: user.id, upn: user.user_principal_name });
    return ctx.ok(\`Enabled \${user.user_principal_name}\`, { user });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Entra ID')}`,
  },
  {
    key: 'entra.force_mfa_reregistration',
    integration: 'entra',
    name: 'Entra ID: force MFA re-registration',
    tags: ['builtin', 'entra', 'identity'],
    documentation: docs(
      'entra',
      "Deletes every MFA method a Microsoft Entra ID user has registered (authenticator app, phone, FIDO2 key, OATH token, email, Temporary Access Pass, Windows Hello) and revokes their sign-in sessions, so they must register MFA again at the next sign-in. The password is kept.",
      'an attacker may have registered their own MFA method (MFA fatigue, adversary-in-the-middle phishing). Pair it with a password reset when the password is compromised too.',
      `${ENTRA_USER}, \`removed\` and \`kept\` (methods as {type, id}; kept ones with a reason), and \`sessions_revoked\``,
    ),
    code: `${header('entra', 'force an Entra ID user to register MFA again')}  try {
    const reset = await ctx.step("delete authentication methods", () => client.forceMfaReregistration(account));
    ctx.log.info("Entra authentication methods deleted", { id: reset.user.id, removed: reset.removed.length, kept: reset.kept.length });
    await ctx.step("revoke Entra sign-in sessions", () => client.revokeSessions(reset.user.id));
    return ctx.ok(\`Removed \${reset.removed.length} MFA method(s) of \${reset.user.user_principal_name}; they must register MFA again\`, {
      user: reset.user,
      removed: reset.removed,
      kept: reset.kept,
      sessions_revoked: true,
    });
  } catch (e) {
    return failure(ctx, e, account);
  }
}
${failureHelper('Entra ID')}`,
  },
];
