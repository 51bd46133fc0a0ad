import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { DesktopNotifications, MAX_LIVE_NOTIFICATIONS, NotificationsUnsupportedError } = await import('../../src/main/shell/notifications.ts');
const { approval, FakeShellEngine, NOW } = await import('./fake-engine.ts');

function setup(platform: NodeJS.Platform) {
  const engine = new FakeShellEngine();
  const opened: unknown[] = [];
  const decided: Array<[string, string]> = [];
  const notifier = new DesktopNotifications({
    openConsole: (target) => opened.push(target),
    decide: (uuid, decision) => decided.push([uuid, decision]),
    icon: '/app/resources/icon.png',
    platform,
    now: () => NOW,
  });
  notifier.start(engine);
  return { engine, notifier, opened, decided };
}

const last = () => fake.Notification.instances.at(-1)!;
const run = (fields: { uuid: string; status: string; error: string | null }) => ({ workflow_name: 'Block IP', ...fields });

describe('desktop notifications', () => {
  beforeEach(() => fake.resetFakes());

  it('a new approval shows who asks for what, with Approve/Reject buttons on macOS and Windows', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      fake.resetFakes();
      const { notifier, decided } = setup(platform);
      const item = approval({ workflow_name: 'Revoke Okta sessions', indicator: 'alice@example.com', reason: 'Impossible travel' });
      notifier.approvalCreated(item, 'http://127.0.0.1:1/v1/approvals/x/decide?token=t');
      const shown = last();
      expect(shown.shown).toBe(true);
      expect(shown.options.title).toBe('Approval needed: Revoke Okta sessions');
      expect(shown.options.body).toContain('ip alice@example.com · requested by agent · expires in 12 min');
      expect(shown.options.body).toContain('Impossible travel');
      // The browser link is for Slack and Teams; the desktop has the console.
      expect(shown.options.body).not.toContain('token');
      expect(shown.options.icon).toBe('/app/resources/icon.png');
      expect(shown.options.actions).toEqual([
        { type: 'button', text: 'Approve' },
        { type: 'button', text: 'Reject' },
      ]);
      shown.emit('action', { actionIndex: 1, selectionIndex: -1 }, 1, -1);
      expect(decided).toEqual([[item.uuid, 'reject']]);
      expect(shown.closed).toBe(true);
    }
  });

  it('the first button approves', () => {
    const { notifier, decided } = setup('darwin');
    const item = approval();
    notifier.approvalCreated(item, null);
    last().emit('action', { actionIndex: 0, selectionIndex: -1 }, 0, -1);
    expect(decided).toEqual([[item.uuid, 'approve']]);
  });

  it('on Linux there are no buttons: a click opens the approval in the console', () => {
    const { notifier, opened, decided } = setup('linux');
    const item = approval();
    notifier.approvalCreated(item, null);
    const shown = last();
    expect(shown.options.actions).toEqual([]);
    shown.emit('click', fake.fakeEvent());
    expect(opened).toEqual([{ view: 'approval', uuid: item.uuid }]);
    expect(decided).toEqual([]);
    expect(shown.closed).toBe(true);
  });

  it.each(['high', 'critical'])('a %s-risk approval never gets decide buttons, even on macOS', (risk) => {
    const { notifier } = setup('darwin');
    notifier.approvalCreated(approval({ risk_level: risk }), null);
    expect(last().options.actions).toEqual([]);
    expect(last().options.urgency).toBe('critical');
    expect(last().options.body).toContain(`${risk} risk: review it in the console`);
  });

  it('closes an approval notification once it is decided elsewhere', () => {
    const { engine, notifier } = setup('darwin');
    const item = approval();
    notifier.approvalCreated(item, null);
    expect(notifier.liveCount).toBe(1);
    engine.emit('approval.decided', { approval_uuid: item.uuid, status: 'approved' });
    expect(last().closed).toBe(true);
    expect(notifier.liveCount).toBe(0);
  });

  it('an expired approval replaces its request and says so; a click opens it', () => {
    const { notifier, opened } = setup('linux');
    const item = approval({ workflow_name: 'Isolate host' });
    notifier.approvalCreated(item, null);
    const request = last();
    notifier.approvalExpired({ ...item, status: 'expired' });
    expect(request.closed).toBe(true);
    expect(last().options.title).toBe('Approval expired: Isolate host');
    expect(last().options.body).toContain('nobody decided in time');
    last().emit('click', fake.fakeEvent());
    expect(opened).toEqual([{ view: 'approval', uuid: item.uuid }]);
  });

  it('a failed or timed-out run is reported with its error; a click opens the run', () => {
    const { notifier, opened } = setup('linux');
    notifier.runFailed(run({ uuid: 'run-1', status: 'failed', error: 'firewall answered 500' }));
    expect(last().options).toMatchObject({ title: 'Run failed: Block IP', body: 'firewall answered 500' });
    last().emit('click', fake.fakeEvent());
    notifier.runFailed(run({ uuid: 'run-2', status: 'timed_out', error: null }));
    expect(last().options).toMatchObject({ title: 'Run timed out: Block IP', body: 'The workflow reported a failure.' });
    expect(opened).toEqual([{ view: 'run', uuid: 'run-1' }]);
  });

  it('following a team server, new and expired requests come from its events', async () => {
    const { engine, notifier, decided } = setup('darwin');
    const logged: string[] = [];
    notifier.announceFrom(engine, (message) => logged.push(message));
    const item = approval({ workflow_name: 'Isolate host' });
    engine.approvals.push(item);
    engine.emit('approval.created', { approval_uuid: item.uuid });
    await vi.waitFor(() => expect(last()?.options.title).toBe('Approval needed: Isolate host'));
    last().emit('action', { actionIndex: 0, selectionIndex: -1 }, 0, -1);
    expect(decided).toEqual([[item.uuid, 'approve']]);

    const other = approval({ workflow_name: 'Block IP' });
    engine.approvals.push({ ...other, status: 'expired' });
    engine.emit('approval.expired', { approval_uuid: other.uuid });
    await vi.waitFor(() => expect(last().options.title).toBe('Approval expired: Block IP'));

    engine.emit('approval.created', { approval_uuid: 'gone' });
    await vi.waitFor(() => expect(logged).toEqual(['Could not show the approval request gone: No approval request with id gone.']));
    notifier.stop();
    expect(engine.listenerCount).toBe(0);
  });

  it('an approval no longer pending by the time it is delivered (a retry) is not shown', () => {
    const { notifier } = setup('linux');
    notifier.approvalCreated(approval({ status: 'approved' }), null);
    expect(fake.Notification.instances).toHaveLength(0);
  });

  it('fails the delivery, so the engine records it, where the OS has no notifications', () => {
    fake.Notification.supported = false;
    const { notifier } = setup('linux');
    expect(() => notifier.approvalCreated(approval(), null)).toThrow(NotificationsUnsupportedError);
    expect(() => notifier.runFailed(run({ uuid: 'r', status: 'failed', error: 'x' }))).toThrow(/no notification service/);
    expect(fake.Notification.instances).toHaveLength(0);
  });

  it(`keeps at most ${MAX_LIVE_NOTIFICATIONS} notifications referenced, closing the oldest`, () => {
    const { engine, notifier } = setup('linux');
    for (let i = 0; i < MAX_LIVE_NOTIFICATIONS + 5; i++) notifier.approvalCreated(approval(), null);
    expect(notifier.liveCount).toBe(MAX_LIVE_NOTIFICATIONS);
    expect(fake.Notification.instances.slice(0, 5).every((n) => n.closed)).toBe(true);
    notifier.stop();
    expect(notifier.liveCount).toBe(0);
    expect(fake.Notification.instances.every((n) => n.closed)).toBe(true);
    expect(engine.listenerCount).toBe(0);
  });
});
