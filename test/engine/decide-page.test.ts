// The browser decide page: the happy path in real Chromium (open the link, click Approve, see the
// confirmation), every other state over plain HTTP, and the page's security headers.
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PALETTE, RISK_TONES } from '../../src/shared/palette.ts';
import { closeSharedSandbox, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let browser: Browser;
/** Decide tokens as the engine hands them to notifiers (they exist nowhere else). */
const tokens = new Map<string, string>();
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

beforeAll(async () => {
  t = await startTestServer({ clock });
  t.server.engine.approvals.onCreated((approval, token) => tokens.set(approval.uuid, token));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await closeSharedSandbox();
});

const NAME = `Contain "host" & 'user' <b>bold</b>`;
// An account name is free text (the other indicator types are checked), so hostile markup can arrive in one.
const INDICATOR = '<script>alert(1)</script>';
const REASON = `<img src=x onerror="alert(2)"> it's "urgent"`;
/** The agent's context, with markup that would end the page's <pre> if it were not escaped. */
const CONTEXT = { ticket: 'INC-4711', note: '</pre><script>alert(3)</script>' };

async function pendingApproval(fields: Record<string, unknown> = {}): Promise<{ uuid: string; token: string; link: string }> {
  const wf = await t.request('POST', '/v1/workflows', {
    body: { name: NAME, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'always', risk_level: 'critical', ...fields },
  });
  expect(wf.status).toBe(201);
  const res = await t.request('POST', `/v1/workflows/${wf.body.data.uuid}/execute`, {
    key: t.keys.agent,
    body: { indicator_type: 'account', indicator_value: INDICATOR, reason: REASON, confidence: 0.73, context: CONTEXT },
  });
  const uuid = res.body.data.approval_request_uuid;
  const token = tokens.get(uuid)!;
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { uuid, token, link: `${t.url}/v1/approvals/${uuid}/decide?token=${token}` };
}

const page = (uuid: string, token: string) => fetch(`${t.url}/v1/approvals/${uuid}/decide?token=${encodeURIComponent(token)}`);
const decide = (uuid: string, fields: Record<string, string>) =>
  fetch(`${t.url}/v1/approvals/${uuid}/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

function expectPageHeaders(response: Response): void {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const csp = response.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/script-src/);
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

async function approvalOf(uuid: string) {
  return (await t.request('GET', `/v1/workflow-approvals/${uuid}`)).body.data;
}

describe('in Chromium', () => {
  it('opens the link, shows the request, approves with one click and confirms', async () => {
    const { uuid, link } = await pendingApproval();
    const context = await browser.newContext();
    const tab = await context.newPage();
    const dialogs: string[] = [];
    tab.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    try {
      const response = await tab.goto(link);
      expect(response!.status()).toBe(200);
      await expect(tab.title()).resolves.toContain('Approve');
      const details = await tab.locator('dl').innerText();
      expect(details).toContain(NAME);
      expect(details).toContain(INDICATOR);
      expect(details).toContain(REASON);
      expect(details).toContain('73%');
      expect(details).toContain('critical');
      expect(details).toContain('agent (agent key)');
      await tab.locator('textarea[name=reason]').fill('checked with the owner');
      await tab.getByRole('button', { name: 'Approve' }).click();
      await tab.locator('h1', { hasText: 'Approved' }).waitFor();
      const confirmation = await tab.locator('p').innerText();
      expect(confirmation).toContain('is queued to run');
      // Neither the escaped values nor the page itself ran any script.
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
    const approval = await approvalOf(uuid);
    expect(approval).toMatchObject({ status: 'approved', responder: 'browser link', decision_reason: 'checked with the owner' });
    expect(approval.run).toMatchObject({ uuid: expect.any(String) });
  });
});

/** The page's colours are the console's: a computed colour as CSS gives it ("rgb(r, g, b)"). */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('looks like the console', () => {
  it("uses the console's colours, light and dark, and shows the agent's context escaped and folded", async () => {
    const { link } = await pendingApproval();
    for (const scheme of ['light', 'dark'] as const) {
      const colours = PALETTE[scheme];
      const context = await browser.newContext({ colorScheme: scheme });
      const tab = await context.newPage();
      const dialogs: string[] = [];
      tab.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      try {
        await tab.goto(link);
        // Runs in the page; this project's Node typings have no DOM, hence the window's shape here.
        type PageWindow = { getComputedStyle(element: unknown): { getPropertyValue(name: string): string } };
        const style = (selector: string, property: string) =>
          tab.locator(selector).evaluate((el, name) => (globalThis as unknown as PageWindow).getComputedStyle(el).getPropertyValue(name), property);
        expect(await style('body', 'background-color')).toBe(rgb(colours.bg));
        // Critical is the console's danger red (it was purple), in the badge and on the card's edge.
        expect(await style('.badge', 'color')).toBe(rgb(colours.danger));
        expect(await style('.badge', 'background-color')).toBe(rgb(colours['danger-soft']));
        expect(await style('main.card', 'border-left-color')).toBe(rgb(colours.danger));
        // Approve is the console's primary action (it was green); Reject its danger button.
        expect(await style('button.approve', 'background-color')).toBe(rgb(colours.accent));
        expect(await style('button.reject', 'background-color')).toBe(rgb(colours.danger));

        // The context, as the approvals view shows it: folded until asked for, escaped.
        const input = tab.getByLabel('Request input');
        await expect(input.isVisible()).resolves.toBe(false);
        await tab.getByText('Show input').click();
        await input.waitFor();
        const text = await input.innerText();
        expect(JSON.parse(text)).toMatchObject({ indicator: { type: 'account', value: INDICATOR }, context: CONTEXT });
        expect(dialogs).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it("holds the same values as the console's stylesheet", () => {
    const css = readFileSync(new URL('../../src/renderer/styles.css', import.meta.url), 'utf8');
    const light = css.slice(css.indexOf(':root {'), css.indexOf('}', css.indexOf(':root {')));
    const darkStart = css.indexOf(':root {', css.indexOf('@media (prefers-color-scheme: dark)'));
    const dark = css.slice(darkStart, css.indexOf('}', darkStart));
    for (const [block, colours] of [
      [light, PALETTE.light],
      [dark, PALETTE.dark],
    ] as const) {
      for (const [name, value] of Object.entries(colours)) expect(block, name).toContain(`--${name}: ${value};`);
    }
    // The risk colours are those of the console's approval cards and badges.
    for (const [risk, [text, background]] of Object.entries(RISK_TONES)) {
      expect(css).toMatch(new RegExp(`\\.approval\\[data-risk='${risk}'\\] \\{\\s*border-left-color: var\\(--${text}\\);`));
      const rule = new RegExp(`\\.badge\\[data-tone='${risk}'\\][^{]*\\{\\s*background: var\\(--${background}\\);\\s*color: var\\(--${text}\\);`);
      expect(css).toMatch(rule);
    }
  });
});

describe('over HTTP', () => {
  it('the detail page escapes every value and sends strict headers', async () => {
    const { uuid, token } = await pendingApproval();
    const response = await page(uuid, token);
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const html = await response.text();
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('Contain &#34;host&#34; &#38; &#39;user&#39; &#60;b&#62;bold&#60;/b&#62;');
    expect(html).toContain('&#60;img src=x onerror=&#34;alert(2)&#34;&#62;');
    // The context is on the page, escaped, inside a <details> (collapsed, as in the console).
    expect(html).toMatch(/<details>\s*<summary>Show input/);
    expect(html).toContain('&#34;note&#34;: &#34;&#60;/pre&#62;&#60;script&#62;alert(3)&#60;/script&#62;&#34;');
    expect(html).toContain('An agent asks to run this workflow.');
    expect(html).toContain('73%');
    expect(html).toMatch(/<input type="hidden" name="token" value="[A-Za-z0-9_-]{43}">/);
    const approval = await approvalOf(uuid);
    expect(html).toContain(approval.created_at);
    expect(html).toContain(approval.expires_at);
  });

  it('unknown request → 404 page', async () => {
    const response = await page('01890000-0000-7000-8000-000000000000', 'whatever');
    expect(response.status).toBe(404);
    expectPageHeaders(response);
    expect(await response.text()).toContain('Not found');
  });

  it('wrong or missing token → 403 page, on GET and POST, and nothing changes', async () => {
    const { uuid, token } = await pendingApproval();
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const response of [
      await page(uuid, wrong),
      await fetch(`${t.url}/v1/approvals/${uuid}/decide`),
      await decide(uuid, { token: wrong, decision: 'approve' }),
      await decide(uuid, { decision: 'approve' }),
    ]) {
      expect(response.status).toBe(403);
      expectPageHeaders(response);
      expect(await response.text()).toContain('Link not valid');
    }
    expect((await approvalOf(uuid)).status).toBe('pending');
  });

  it('a form without a decision → 400 page, and nothing changes', async () => {
    const { uuid, token } = await pendingApproval();
    const response = await decide(uuid, { token, decision: 'maybe' });
    expect(response.status).toBe(400);
    expect((await approvalOf(uuid)).status).toBe('pending');
  });

  it('rejecting confirms, keeps the reason, and the token cannot be used again', async () => {
    const { uuid, token } = await pendingApproval();
    const response = await decide(uuid, { token, decision: 'reject', reason: 'false positive' });
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const html = await response.text();
    expect(html).toContain('<h1>Rejected</h1>');
    expect(html).toContain('will not run');
    expect(await approvalOf(uuid)).toMatchObject({ status: 'rejected', decision_reason: 'false positive', run: null });

    // Reusing the link: GET and POST both say it was decided, and nothing changes.
    const again = await decide(uuid, { token, decision: 'approve' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already rejected by browser link');
    const reopened = await page(uuid, token);
    expect(reopened.status).toBe(409);
    expect(await reopened.text()).toContain('Already decided');
    expect((await approvalOf(uuid)).status).toBe('rejected');
  });

  it('a request decided elsewhere shows as already decided', async () => {
    const { uuid, token } = await pendingApproval();
    const res = await t.request('POST', `/v1/workflow-approvals/${uuid}/approve`, { key: t.keys.human, body: {} });
    expect(res.status).toBe(200);
    const response = await page(uuid, token);
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('Already decided');
    expect(html).toContain('already approved by analyst');
    const post = await decide(uuid, { token, decision: 'reject' });
    expect(post.status).toBe(409);
    expect((await approvalOf(uuid)).status).toBe('approved');
  });

  it('an expired request says so and cannot be decided', async () => {
    const { uuid, token } = await pendingApproval({ approval_timeout_seconds: 60 });
    clock.offsetMs = 61_000;
    try {
      const response = await page(uuid, token);
      expect(response.status).toBe(409);
      expectPageHeaders(response);
      expect(await response.text()).toContain('This request has expired');
      const post = await decide(uuid, { token, decision: 'approve' });
      expect(post.status).toBe(409);
      expect(await post.text()).toContain('expired');
    } finally {
      clock.offsetMs = 0;
    }
    expect(await approvalOf(uuid)).toMatchObject({ status: 'expired', run: null });
  });

  it('parallel posts of the same link: one decision, the rest are told', async () => {
    const { uuid, token } = await pendingApproval();
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => decide(uuid, { token, decision: i % 2 === 0 ? 'approve' : 'reject' })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200 || status === 409)).toHaveLength(6);
    const approval = await approvalOf(uuid);
    const runs = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${approval.workflow_uuid}`);
    expect(runs.body.meta.total).toBe(approval.status === 'approved' ? 1 : 0);
  });
});
