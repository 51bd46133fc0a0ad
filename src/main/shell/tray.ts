// The tray: pending approvals at a glance and one-click decisions, while the window is closed.
import { Menu, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { ConsoleTarget } from '../../shared/bridge.ts';
import {
  approvalLabel,
  clip,
  needsConsoleReview,
  type ApprovalSummary,
  type Decision,
  type PauseState,
  type ShellEngine,
} from './engine-port.ts';

/** Approvals listed in the menu; the rest are summed up in one "N more…" item. */
export const TRAY_MENU_APPROVALS = 8;
/** Bursts of events (an agent filing twenty requests) rebuild the menu once per window. */
export const TRAY_REFRESH_THROTTLE_MS = 300;
/** The "expires in" texts age; the menu is rebuilt at least this often. */
export const TRAY_CLOCK_REFRESH_MS = 30_000;

export interface TrayMenuState {
  pending: ApprovalSummary[];
  /** Pending approvals in all, also those not listed. */
  total: number;
  paused: boolean;
  /** Why the pause cannot be changed from here (a team server key without the admin scope), or null. */
  pauseLocked: string | null;
  /** Why the engine (a team server) cannot be reached, or null; the approvals shown are then the last known. */
  connectionProblem: string | null;
  startAtLogin: boolean;
  /** Why the OS keychain cannot be used, when it cannot; shown so an empty secret never surprises. */
  keychainProblem: string | null;
  now: number;
  platform: NodeJS.Platform;
}

export interface TrayActions {
  decide(uuid: string, decision: Decision): void;
  openConsole(target?: ConsoleTarget): void;
  setPaused(paused: boolean): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

/**
 * Windows and Linux read `&` in a menu label as a mnemonic marker, so an indicator such as a URL
 * with a query string would lose characters; doubled, it shows as itself. macOS shows labels as is.
 */
function menuText(text: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? text : text.replace(/&/g, '&&');
}

/** The tray menu for a state; pure, so it is tested without a tray. */
export function buildTrayMenuTemplate(state: TrayMenuState, actions: TrayActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  if (state.connectionProblem) {
    items.push({
      id: 'connection',
      label: menuText(`⚠ Team server: ${clip(state.connectionProblem, 90)}`, state.platform),
      enabled: false,
      toolTip: state.connectionProblem,
    });
    items.push({ type: 'separator' });
  }
  if (state.keychainProblem) {
    items.push({ label: `⚠ Keychain unavailable: secrets cannot be read`, enabled: false, toolTip: state.keychainProblem });
    items.push({ type: 'separator' });
  }
  if (state.total === 0) {
    items.push({ label: 'No pending approvals', enabled: false });
  } else {
    items.push({ label: `Pending approvals (${state.total})`, enabled: false });
    for (const approval of state.pending.slice(0, TRAY_MENU_APPROVALS)) {
      const label = menuText(approvalLabel(approval, state.now), state.platform);
      if (needsConsoleReview(approval)) {
        // A high or critical request is decided where its whole input and reason can be read.
        items.push({
          id: `approval:${approval.uuid}`,
          label: `${label} · ${approval.risk_level} risk, review in console`,
          click: () => actions.openConsole({ view: 'approval', uuid: approval.uuid }),
        });
        continue;
      }
      items.push({
        id: `approval:${approval.uuid}`,
        label,
        submenu: [
          { id: `approve:${approval.uuid}`, label: 'Approve', click: () => actions.decide(approval.uuid, 'approve') },
          { id: `reject:${approval.uuid}`, label: 'Reject', click: () => actions.decide(approval.uuid, 'reject') },
          { type: 'separator' },
          {
            id: `open:${approval.uuid}`,
            label: 'Open in console',
            click: () => actions.openConsole({ view: 'approval', uuid: approval.uuid }),
          },
        ],
      });
    }
    const listed = Math.min(state.pending.length, TRAY_MENU_APPROVALS);
    if (state.total > listed) {
      items.push({
        id: 'more',
        label: `${state.total - listed} more…`,
        click: () => actions.openConsole({ view: 'approvals' }),
      });
    }
  }
  items.push(
    { type: 'separator' },
    { id: 'open', label: 'Open Vigil', click: () => actions.openConsole() },
    {
      id: 'pause',
      // Disabled items show no tooltip on Linux and Windows, so the reason is in the label.
      label: state.pauseLocked ? `Pause agent executions (${state.pauseLocked})` : 'Pause agent executions',
      type: 'checkbox',
      checked: state.paused,
      enabled: state.pauseLocked === null,
      click: (item) => actions.setPaused(item.checked),
    },
    {
      id: 'start-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: state.startAtLogin,
      click: (item) => actions.setStartAtLogin(item.checked),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Vigil', click: () => actions.quit() },
  );
  return items;
}

export function trayTooltip(total: number, paused: boolean, connectionProblem: string | null = null): string {
  if (connectionProblem) return 'Vigil: the team server cannot be reached';
  const approvals = total === 0 ? 'no pending approvals' : total === 1 ? '1 pending approval' : `${total} pending approvals`;
  return `Vigil: ${approvals}${paused ? ', agent executions paused' : ''}`;
}

export interface TrayControllerOptions {
  engine: ShellEngine;
  actions: TrayActions;
  /** The tray image for a pending count (a badge on Linux and Windows, the plain template on macOS). */
  image(count: number): NativeImage;
  startAtLogin(): boolean;
  keychainProblem(): string | null;
  platform?: NodeJS.Platform;
  now?: () => number;
}

/**
 * Owns the Tray: rebuilds its menu, image, title and tooltip from the engine's state, throttled,
 * whenever an approval or setting changes or the connection to a team server does, and on a clock
 * for the "expires in" texts. Reading the state is async (a team server answers over the network);
 * only the newest read is shown.
 */
export class TrayController {
  private readonly options: TrayControllerOptions;
  private readonly platform: NodeJS.Platform;
  private readonly now: () => number;
  private tray: Tray | null = null;
  private unsubscribe: Array<() => void> = [];
  private pendingTimer: NodeJS.Timeout | null = null;
  private clockTimer: NodeJS.Timeout | null = null;
  private lastRefresh = 0;
  private lastCount = -1;
  private currentMenu: Menu | null = null;
  /** Bumped per read, so a slow answer never replaces a newer one. */
  private generation = 0;
  /** What the last successful read showed: kept on screen while the engine cannot be reached. */
  private known: { pending: ApprovalSummary[]; total: number; pause: PauseState } = {
    pending: [],
    total: 0,
    pause: { paused: false, locked: null },
  };
  private connectionProblem: string | null = null;

  constructor(options: TrayControllerOptions) {
    this.options = options;
    this.platform = options.platform ?? process.platform;
    this.now = options.now ?? Date.now;
  }

  /** Resolves once the first menu is shown. */
  start(): Promise<void> {
    const { engine } = this.options;
    this.tray = new Tray(this.options.image(0));
    // Windows and macOS deliver clicks on the icon itself; Linux (AppIndicator) only opens the menu.
    if (this.platform === 'win32') this.tray.on('click', () => this.options.actions.openConsole());
    this.unsubscribe.push(
      engine.onEvent((event) => {
        if (event.type.startsWith('approval.')) this.scheduleRefresh();
      }),
      engine.onSettingsChange(() => this.scheduleRefresh()),
      engine.onConnectionChange((problem) => {
        this.connectionProblem = problem;
        this.scheduleRefresh();
      }),
    );
    this.clockTimer = setInterval(() => void this.refreshNow(), TRAY_CLOCK_REFRESH_MS);
    this.clockTimer.unref();
    return this.refreshNow();
  }

  /** Rebuilds soon: at once when the last rebuild is older than the throttle window, else at its end. */
  scheduleRefresh(): void {
    if (!this.tray || this.pendingTimer) return;
    const wait = Math.max(0, this.lastRefresh + TRAY_REFRESH_THROTTLE_MS - this.now());
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = null;
      void this.refreshNow();
    }, wait);
  }

  async refreshNow(): Promise<void> {
    if (!this.tray || this.tray.isDestroyed()) return;
    const { engine, actions } = this.options;
    const generation = ++this.generation;
    this.lastRefresh = this.now();
    let readProblem: string | null = null;
    try {
      const [{ items, total }, pause] = await Promise.all([engine.pendingApprovals(TRAY_MENU_APPROVALS), engine.pauseState()]);
      this.known = { pending: items, total, pause };
    } catch (error) {
      readProblem = (error as Error).message;
    }
    const tray = this.tray;
    if (generation !== this.generation || !tray || tray.isDestroyed()) return;
    const { pending, total, pause } = this.known;
    const connectionProblem = this.connectionProblem ?? readProblem;
    const template = buildTrayMenuTemplate(
      {
        pending,
        total,
        paused: pause.paused,
        pauseLocked: connectionProblem ? 'the team server cannot be reached' : pause.locked,
        connectionProblem,
        startAtLogin: this.options.startAtLogin(),
        keychainProblem: this.options.keychainProblem(),
        now: this.now(),
        platform: this.platform,
      },
      actions,
    );
    // A new menu on every change, set again each time: on Linux an AppIndicator menu shows changes
    // only after setContextMenu, and doing it everywhere keeps one code path.
    this.currentMenu = Menu.buildFromTemplate(template);
    tray.setContextMenu(this.currentMenu);
    tray.setToolTip(trayTooltip(total, pause.paused, connectionProblem));
    if (total !== this.lastCount) {
      this.lastCount = total;
      if (this.platform === 'darwin') tray.setTitle(total > 0 ? String(total) : '');
      else tray.setImage(this.options.image(total));
    }
  }

  /** The menu now in the tray. */
  get menu(): Menu | null {
    return this.currentMenu;
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.pendingTimer = null;
    this.clockTimer = null;
    if (this.tray && !this.tray.isDestroyed()) this.tray.destroy();
    this.tray = null;
  }
}
