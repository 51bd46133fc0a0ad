// The shell's pieces against the real engine, API and sandbox process (only Electron is faked): an
// agent's request reaches the tray and an OS notification, is approved from the tray menu, and runs;
// the console's session key and the app:// proxy work against the real API, which still refuses
// the app:// origin when it comes to it directly.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { closeSharedSandbox, eventually, startTestServer, TRIVIAL_WORKFLOW } = await import('../helpers/server.ts');
const { desktopResponder, shellEngine } = await import('../../src/main/shell/engine-port.ts');
const { DesktopNotifications } = await import('../../src/main/shell/notifications.ts');
const { TrayController } = await import('../../src/main/shell/tray.ts');
const { SessionKey, sessionKeyStore } = await import('../../src/main/shell/session-key.ts');
const { APP_ORIGIN, createAppRequestHandler } = await import('../../src/main/shell/app-protocol.ts');

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

let t: TestServer;
let notifications: InstanceType<typeof DesktopNotifications>;
let tray: InstanceType<typeof TrayController>;
const opened: unknown[] = [];

beforeAll(async () => {
  fake.resetFakes();
  let decide: (uuid: string, decision: 'approve' | 'reject') => void = () => undefined;
  notifications = new DesktopNotifications({
    openConsole: (target) => opened.push(target),
    decide: (uuid, decision) => decide(uuid, decision),
    platform: 'darwin',
  });
  t = await startTestServer({ desktopNotifier: notifications });
  const engine = shellEngine(t.server.engine);
  decide = (uuid, decision) => void engine.decide(uuid, decision, 'Vigil notification');
  notifications.start(engine);
  tray = new TrayController({
    engine,
    image: (count) => `image-${count}` as never,
    startAtLogin: () => false,
    keychainProblem: () => null,
    platform: 'linux',
    actions: {
      decide: (uuid, decision) => void engine.decide(uuid, decision, 'Vigil tray'),
      openConsole: (target) => opened.push(target),
      setPaused: (paused) => void engine.setExecutionPaused(paused),
      setStartAtLogin: () => undefined,
      quit: () => undefined,
    },
  });
  await tray.start();
}, 60_000);

afterAll(async () => {
  tray?.stop();
  notifications?.stop();
  await t?.close();
  await closeSharedSandbox();
});

beforeEach(() => {
  opened.length = 0;
});

async function agentWorkflow(fields: Record<string, unknown> = {}) {
  const created = await t.request('POST', '/v1/workflows', {
    body: { name: 'Block IP at the edge', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'agent_only', risk_level: 'medium', ...fields },
  });
  expect(created.status).toBe(201);
  return created.body.data.uuid as string;
}

async function agentExecute(workflow: string, value: string) {
  return t.request('POST', `/v1/workflows/${workflow}/execute`, {
    key: t.keys.agent,
    body: { indicator_type: 'ip', indicator_value: value, reason: 'Brute force from this address', confidence: 0.9 },
  });
}

const menu = () => fake.Tray.instances[0]!.contextMenus.at(-1)!;

describe('an agent request, end to end through the shell', () => {
  it('shows in the tray and as a notification, is approved from the tray, and runs', async () => {
    const workflow = await agentWorkflow({ approval_timeout_seconds: 720 });
    const executed = await agentExecute(workflow, '203.0.113.50');
    expect(executed.status).toBe(202);
    const approval = executed.body.data.approval_request_uuid as string;

    await eventually(async () => menu().getMenuItemById(`approve:${approval}`), 'the approval in the tray menu');
    expect(menu().getMenuItemById(`approval:${approval}`).label).toBe('Block IP at the edge · 203.0.113.50 · expires in 12 min');
    expect(fake.Tray.instances[0]!.images.at(-1)).toBe('image-1');

    const notification = await eventually(
      async () => fake.Notification.instances.find((n) => n.options.title === 'Approval needed: Block IP at the edge'),
      'the approval notification',
    );
    expect(notification.options.actions).toHaveLength(2);

    const approve = menu().getMenuItemById(`approve:${approval}`);
    approve.click(approve, undefined, {});

    const decided = await eventually(async () => {
      const response = await t.request('GET', `/v1/workflow-approvals/${approval}`);
      return response.body.data.run ? response.body.data : null;
    }, 'the approval to be decided with a run');
    expect(decided.status).toBe('approved');
    expect(decided.responder).toBe(desktopResponder('Vigil tray'));
    const run = await eventually(async () => {
      const response = await t.request('GET', `/v1/workflow-runs/${decided.run.uuid}`);
      return response.body.data.status === 'success' ? response.body.data : null;
    }, 'the run to succeed');
    expect(run.result.message).toBe('done');

    // Decided, it leaves the menu and its notification is taken down.
    await eventually(async () => menu().getMenuItemById(`approve:${approval}`) === null, 'the menu without the approval');
    expect(notification.closed).toBe(true);
  }, 60_000);

  it('a notification button decides too', async () => {
    const workflow = await agentWorkflow({ name: 'Disable account' });
    const executed = await agentExecute(workflow, '198.51.100.7');
    const approval = executed.body.data.approval_request_uuid as string;
    const notification = await eventually(
      async () => fake.Notification.instances.find((n) => n.options.title === 'Approval needed: Disable account'),
      'the approval notification',
    );
    notification.emit('action', { actionIndex: 1, selectionIndex: -1 }, 1, -1);
    const decided = await eventually(async () => {
      const response = await t.request('GET', `/v1/workflow-approvals/${approval}`);
      return response.body.data.status === 'rejected' ? response.body.data : null;
    }, 'the rejection');
    expect(decided.responder).toBe(desktopResponder('Vigil notification'));
    expect(decided.decision_reason).toBe('Rejected from the Vigil notification');
  }, 60_000);

  it('a high-risk request offers no Approve in the tray; its item opens the console', async () => {
    const workflow = await agentWorkflow({ name: 'Wipe laptop', risk_level: 'critical' });
    const executed = await agentExecute(workflow, '192.0.2.1');
    const approval = executed.body.data.approval_request_uuid as string;
    const item = await eventually(async () => menu().getMenuItemById(`approval:${approval}`), 'the approval in the tray menu');
    expect(menu().getMenuItemById(`approve:${approval}`)).toBeNull();
    item.click(item, undefined, {});
    expect(opened).toEqual([{ view: 'approval', uuid: approval }]);
    const notification = fake.Notification.instances.find((n) => n.options.title === 'Approval needed: Wipe laptop');
    expect(notification?.options.actions).toEqual([]);
  }, 60_000);

  it('"Pause agent executions" in the tray makes execute answer 503 EXECUTION_PAUSED', async () => {
    const workflow = await agentWorkflow({ name: 'Paused check', approval_mode: 'never' });
    const pause = menu().getMenuItemById('pause');
    pause.click({ ...pause, checked: true }, undefined, {});
    const refused = await agentExecute(workflow, '203.0.113.77');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('EXECUTION_PAUSED');
    await eventually(async () => menu().getMenuItemById('pause').checked === true, 'the checked pause item');
    const resume = menu().getMenuItemById('pause');
    resume.click({ ...resume, checked: false }, undefined, {});
    expect((await agentExecute(workflow, '203.0.113.78')).status).toBe(202);
  }, 60_000);
});

describe('the console session against the real API', () => {
  it('the session key works through the app:// proxy; the API still refuses the app:// origin directly', async () => {
    const session = new SessionKey(sessionKeyStore(t.server.engine));
    const token = session.token();
    const handler = createAppRequestHandler({ rendererDir: '/nonexistent', apiUrl: () => t.url, csp: "default-src 'none'" });
    const proxied = await handler(
      Object.assign(
        new Request(`${APP_ORIGIN}/v1/settings`, { headers: { authorization: `Bearer ${token}`, origin: APP_ORIGIN } }),
        { initiatorOrigin: APP_ORIGIN },
      ),
    );
    expect(proxied.status).toBe(200);
    expect(((await proxied.json()) as any).data.execution_paused).toBe(false);

    const direct = await fetch(`${t.url}/v1/settings`, { headers: { authorization: `Bearer ${token}`, origin: APP_ORIGIN } });
    expect(direct.status).toBe(403);

    session.revoke();
    const afterQuit = await handler(new Request(`${APP_ORIGIN}/v1/settings`, { headers: { authorization: `Bearer ${token}` } }));
    expect(afterQuit.status).toBe(401);
  });

  it('events stream through the proxy as they happen', async () => {
    const session = new SessionKey(sessionKeyStore(t.server.engine));
    const handler = createAppRequestHandler({ rendererDir: '/nonexistent', apiUrl: () => t.url, csp: "default-src 'none'" });
    const controller = new AbortController();
    const response = await handler(
      new Request(`${APP_ORIGIN}/v1/events`, { headers: { authorization: `Bearer ${session.token()}` }, signal: controller.signal }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const workflow = await agentWorkflow({ name: 'Streamed' });
    await agentExecute(workflow, '203.0.113.99');
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: approval.created')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    expect(text).toContain('event: approval.created');
    controller.abort();
    await reader.cancel().catch(() => undefined);
    session.revoke();
  }, 30_000);
});
