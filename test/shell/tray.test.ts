import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { buildTrayMenuTemplate, trayTooltip, TrayController, TRAY_CLOCK_REFRESH_MS, TRAY_MENU_APPROVALS, TRAY_REFRESH_THROTTLE_MS } =
  await import('../../src/main/shell/tray.ts');
const { formatExpiresIn, approvalLabel } = await import('../../src/main/shell/engine-port.ts');
const { approval, FakeShellEngine, NOW } = await import('./fake-engine.ts');

type Actions = Parameters<typeof buildTrayMenuTemplate>[1];

function recordingActions() {
  const calls: Array<[string, ...unknown[]]> = [];
  const actions: Actions = {
    decide: (uuid, decision) => calls.push(['decide', uuid, decision]),
    openConsole: (target) => calls.push(['openConsole', target]),
    setPaused: (paused) => calls.push(['setPaused', paused]),
    setStartAtLogin: (enabled) => calls.push(['setStartAtLogin', enabled]),
    quit: () => calls.push(['quit']),
  };
  return { calls, actions };
}

function state(overrides: Partial<Parameters<typeof buildTrayMenuTemplate>[0]> = {}) {
  return {
    pending: [],
    total: 0,
    paused: false,
    pauseLocked: null,
    connectionProblem: null,
    startAtLogin: false,
    keychainProblem: null,
    now: NOW,
    platform: 'linux' as NodeJS.Platform,
    ...overrides,
  };
}

const click = (item: any) => item.click(item, undefined, {});

describe('formatExpiresIn', () => {
  it.each([
    [30_000, 'expires in 30 s'],
    [12 * 60_000, 'expires in 12 min'],
    [60 * 60_000, 'expires in 1 h'],
    [125 * 60_000, 'expires in 2 h 5 min'],
    [72 * 3600_000, 'expires in 3 days'],
    [0, 'expiring now'],
    [-5000, 'expiring now'],
  ])('%i ms ahead reads "%s"', (ahead, text) => {
    expect(formatExpiresIn(new Date(NOW + ahead).toISOString(), NOW)).toBe(text);
  });

  it('labels an approval "Workflow · indicator · expires in N min"', () => {
    const item = approval({ workflow_name: 'Disable Okta user', indicator: 'alice@example.com' });
    expect(approvalLabel(item, NOW)).toBe('Disable Okta user · alice@example.com · expires in 12 min');
  });
});

describe('tray menu template', () => {
  it('says there is nothing pending, then offers Open Vigil, Pause, Start at login and Quit', () => {
    const { actions } = recordingActions();
    const template = buildTrayMenuTemplate(state(), actions);
    expect(template[0]).toMatchObject({ label: 'No pending approvals', enabled: false });
    const labels = template.filter((item) => item.type !== 'separator').map((item) => item.label);
    expect(labels).toEqual(['No pending approvals', 'Open Vigil', 'Pause agent executions', 'Start at login', 'Quit Vigil']);
  });

  it('lists each pending approval with Approve, Reject and Open in console', () => {
    const { calls, actions } = recordingActions();
    const items = [approval({ workflow_name: 'Block IP', indicator: '198.51.100.7' }), approval()];
    const template = buildTrayMenuTemplate(state({ pending: items, total: 2 }), actions);
    expect(template[0]).toMatchObject({ label: 'Pending approvals (2)', enabled: false });
    const first = template[1]!;
    expect(first.label).toBe('Block IP · 198.51.100.7 · expires in 12 min');
    const submenu = first.submenu as any[];
    expect(submenu.filter((item) => item.type !== 'separator').map((item) => item.label)).toEqual(['Approve', 'Reject', 'Open in console']);
    click(submenu[0]);
    click(submenu[1]);
    click(submenu[3]);
    expect(calls).toEqual([
      ['decide', items[0]!.uuid, 'approve'],
      ['decide', items[0]!.uuid, 'reject'],
      ['openConsole', { view: 'approval', uuid: items[0]!.uuid }],
    ]);
    expect(template.some((item) => String(item.label).endsWith('more…'))).toBe(false);
  });

  it(`lists at most ${TRAY_MENU_APPROVALS} and sums up the rest as "N more…", which opens the approvals list`, () => {
    const { calls, actions } = recordingActions();
    const items = Array.from({ length: TRAY_MENU_APPROVALS }, () => approval());
    const template = buildTrayMenuTemplate(state({ pending: items, total: 13 }), actions);
    const approvalItems = template.filter((item) => String(item.id ?? '').startsWith('approval:'));
    expect(approvalItems).toHaveLength(TRAY_MENU_APPROVALS);
    const more = template.find((item) => item.id === 'more')!;
    expect(more.label).toBe('5 more…');
    click(more);
    expect(calls).toEqual([['openConsole', { view: 'approvals' }]]);
  });

  it('lists only the first eight even when handed more', () => {
    const { actions } = recordingActions();
    const items = Array.from({ length: 10 }, () => approval());
    const template = buildTrayMenuTemplate(state({ pending: items, total: 10 }), actions);
    expect(template.filter((item) => String(item.id ?? '').startsWith('approval:'))).toHaveLength(8);
    expect(template.find((item) => item.id === 'more')!.label).toBe('2 more…');
  });

  it.each(['high', 'critical'])('a %s-risk approval opens the console instead of offering Approve/Reject', (risk) => {
    const { calls, actions } = recordingActions();
    const item = approval({ risk_level: risk, workflow_name: 'Wipe laptop' });
    const template = buildTrayMenuTemplate(state({ pending: [item], total: 1 }), actions);
    const entry = template.find((candidate) => candidate.id === `approval:${item.uuid}`)!;
    expect(entry.submenu).toBeUndefined();
    expect(entry.label).toContain(`${risk} risk, review in console`);
    expect(JSON.stringify(template)).not.toContain('"Approve"');
    click(entry);
    expect(calls).toEqual([['openConsole', { view: 'approval', uuid: item.uuid }]]);
  });

  it('shows and toggles "Pause agent executions" and "Start at login"', () => {
    const { calls, actions } = recordingActions();
    const template = buildTrayMenuTemplate(state({ paused: true, startAtLogin: false }), actions);
    const pause = template.find((item) => item.id === 'pause')!;
    const login = template.find((item) => item.id === 'start-at-login')!;
    expect(pause).toMatchObject({ type: 'checkbox', checked: true });
    expect(login).toMatchObject({ type: 'checkbox', checked: false });
    // Electron flips `checked` before calling click on a checkbox item.
    click({ ...pause, checked: false });
    click({ ...login, checked: true });
    click(template.find((item) => item.id === 'open')!);
    click(template.find((item) => item.id === 'quit')!);
    expect(calls).toEqual([['setPaused', false], ['setStartAtLogin', true], ['openConsole', undefined], ['quit']]);
  });

  it('doubles & in labels on Linux and Windows (mnemonics) but not on macOS', () => {
    const { actions } = recordingActions();
    const item = approval({ workflow_name: 'Block URL', indicator: 'https://x.example/?a=1&b=2' });
    const linux = buildTrayMenuTemplate(state({ pending: [item], total: 1 }), actions);
    const mac = buildTrayMenuTemplate(state({ pending: [item], total: 1, platform: 'darwin' }), actions);
    expect(linux[1]!.label).toContain('a=1&&b=2');
    expect(mac[1]!.label).toContain('a=1&b=2');
  });

  it('warns at the top when the keychain cannot be used', () => {
    const { actions } = recordingActions();
    const template = buildTrayMenuTemplate(state({ keychainProblem: 'The keyring is locked.' }), actions);
    expect(template[0]).toMatchObject({ enabled: false, toolTip: 'The keyring is locked.' });
    expect(template[0]!.label).toContain('Keychain unavailable');
  });

  it('a pause this desktop may not change is disabled, and its label says why', () => {
    const { actions } = recordingActions();
    const template = buildTrayMenuTemplate(state({ pauseLocked: 'your key "alice" lacks the admin scope' }), actions);
    expect(template.find((item) => item.id === 'pause')).toMatchObject({
      enabled: false,
      label: 'Pause agent executions (your key "alice" lacks the admin scope)',
    });
  });

  it('says at the top when the team server cannot be reached', () => {
    const { actions } = recordingActions();
    const template = buildTrayMenuTemplate(state({ connectionProblem: 'Could not reach https://vigil.example.com: connection refused.' }), actions);
    expect(template[0]).toMatchObject({
      id: 'connection',
      enabled: false,
      label: '⚠ Team server: Could not reach https://vigil.example.com: connection refused.',
      toolTip: 'Could not reach https://vigil.example.com: connection refused.',
    });
  });

  it('tooltips count the approvals and mention a pause', () => {
    expect(trayTooltip(0, false)).toBe('Vigil: no pending approvals');
    expect(trayTooltip(1, false)).toBe('Vigil: 1 pending approval');
    expect(trayTooltip(4, true)).toBe('Vigil: 4 pending approvals, agent executions paused');
    expect(trayTooltip(4, false, 'Could not reach it')).toBe('Vigil: the team server cannot be reached');
  });
});

describe('TrayController', () => {
  let engine: InstanceType<typeof FakeShellEngine>;
  let now: number;

  beforeEach(() => {
    fake.resetFakes();
    vi.useFakeTimers();
    engine = new FakeShellEngine();
    now = NOW;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function controller(platform: NodeJS.Platform = 'linux') {
    const { calls, actions } = recordingActions();
    const tray = new TrayController({
      engine,
      actions,
      image: (count) => `image-${count}` as never,
      startAtLogin: () => false,
      keychainProblem: () => null,
      platform,
      now: () => now,
    });
    return { tray, calls };
  }

  it('builds the menu at start and shows the count as a badge image (Linux/Windows)', async () => {
    engine.approvals.push(approval(), approval());
    const { tray } = controller('linux');
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    expect(icon.contextMenus).toHaveLength(1);
    expect(icon.images).toEqual(['image-2']);
    expect(icon.tooltip).toBe('Vigil: 2 pending approvals');
    expect(icon.title).toBe('');
  });

  it('shows the count as the title on macOS', async () => {
    engine.approvals.push(approval(), approval(), approval());
    const { tray } = controller('darwin');
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    expect(icon.title).toBe('3');
    expect(icon.images).toEqual([]);
  });

  it('rebuilds once per throttle window on a burst of approval events, and re-applies the context menu', async () => {
    const { tray } = controller();
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    const before = engine.pendingCalls;
    for (let i = 0; i < 20; i++) {
      engine.approvals.push(approval());
      engine.emit('approval.created', { approval_uuid: engine.approvals.at(-1)!.uuid });
    }
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    expect(engine.pendingCalls - before).toBe(1);
    expect(icon.contextMenus).toHaveLength(2);
    expect(icon.images.at(-1)).toBe('image-20');
    const menu = icon.contextMenus.at(-1)!;
    expect(menu.getMenuItemById('more').label).toBe('12 more…');
  });

  it('ignores run events, follows settings changes, and refreshes on its clock', async () => {
    const { tray } = controller();
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    engine.emit('run.finished', { run_uuid: 'x', status: 'success' });
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    expect(icon.contextMenus).toHaveLength(1);
    now += TRAY_REFRESH_THROTTLE_MS;
    engine.setExecutionPaused(true);
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    expect(icon.contextMenus).toHaveLength(2);
    expect(icon.contextMenus.at(-1)!.getMenuItemById('pause').checked).toBe(true);
    expect(icon.tooltip).toContain('paused');
    await vi.advanceTimersByTimeAsync(TRAY_CLOCK_REFRESH_MS);
    expect(icon.contextMenus).toHaveLength(3);
  });

  it('approving from the rebuilt menu reaches the actions; a decided approval leaves the menu', async () => {
    const item = approval();
    engine.approvals.push(item);
    const { tray, calls } = controller();
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    click(icon.contextMenus.at(-1)!.getMenuItemById(`approve:${item.uuid}`));
    expect(calls).toEqual([['decide', item.uuid, 'approve']]);
    item.status = 'approved';
    engine.emit('approval.decided', { approval_uuid: item.uuid });
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    expect(icon.contextMenus.at(-1)!.getMenuItemById(`approve:${item.uuid}`)).toBeNull();
    expect(icon.images.at(-1)).toBe('image-0');
  });

  it('a lost connection keeps the last known approvals, says why, and locks the pause until it is back', async () => {
    const item = approval();
    engine.approvals.push(item);
    const { tray } = controller();
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    engine.failure = 'Could not reach https://vigil.example.com: connection refused.';
    engine.connection(engine.failure);
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    const offline = icon.contextMenus.at(-1)!;
    expect(offline.getMenuItemById('connection').label).toContain('connection refused');
    expect(offline.getMenuItemById(`approve:${item.uuid}`)).not.toBeNull();
    expect(offline.getMenuItemById('pause')).toMatchObject({ enabled: false, label: 'Pause agent executions (the team server cannot be reached)' });
    expect(icon.tooltip).toBe('Vigil: the team server cannot be reached');
    engine.failure = null;
    now += TRAY_REFRESH_THROTTLE_MS;
    engine.connection(null);
    await vi.advanceTimersByTimeAsync(TRAY_REFRESH_THROTTLE_MS);
    const online = icon.contextMenus.at(-1)!;
    expect(online.getMenuItemById('connection')).toBeNull();
    expect(online.getMenuItemById('pause').enabled).toBe(true);
  });

  it('a read that fails without a connection change is shown as the problem too', async () => {
    engine.failure = 'The team server refused the key (401): The API key is revoked.';
    const { tray } = controller();
    await tray.start();
    expect(fake.Tray.instances[0]!.contextMenus.at(-1)!.getMenuItemById('connection').toolTip).toBe(engine.failure);
  });

  it('a slow read never replaces a newer one', async () => {
    const { tray } = controller();
    await tray.start();
    const icon = fake.Tray.instances[0]!;
    let release: () => void = () => undefined;
    const slow = engine.pendingApprovals.bind(engine);
    engine.pendingApprovals = async (limit) => {
      await new Promise<void>((resolve) => (release = resolve));
      return slow(limit);
    };
    const first = tray.refreshNow();
    engine.pendingApprovals = slow;
    engine.approvals.push(approval());
    await tray.refreshNow();
    expect(icon.images.at(-1)).toBe('image-1');
    engine.approvals.length = 0;
    release();
    await first;
    expect(icon.images.at(-1)).toBe('image-1');
  });

  it('opens the console on a click of the icon on Windows', async () => {
    const { tray, calls } = controller('win32');
    await tray.start();
    fake.Tray.instances[0]!.emit('click');
    expect(calls).toEqual([['openConsole', undefined]]);
  });

  it('stop() unsubscribes, stops its timers and destroys the icon', async () => {
    const { tray } = controller();
    await tray.start();
    expect(engine.listenerCount).toBe(3);
    tray.stop();
    expect(engine.listenerCount).toBe(0);
    expect(fake.Tray.instances[0]!.destroyed).toBe(true);
    const built = fake.Menu.built;
    await vi.advanceTimersByTimeAsync(TRAY_CLOCK_REFRESH_MS * 2);
    expect(fake.Menu.built).toBe(built);
  });
});
