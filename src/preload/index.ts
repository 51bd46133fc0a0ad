// The preload (DESIGN.md §1): runs sandboxed, before the console, and hands it `window.vigil`, the
// VigilBridge of src/shared/bridge.ts. Each method sends one fixed channel with plain data;
// ipcRenderer itself never reaches the page, so the console cannot send anything else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  BRIDGE_CHANNELS,
  type ConsoleTarget,
  type DesktopSettings,
  type ServerChange,
  type ServerCheck,
  type ServerRequest,
  type ServerSettings,
  type VigilBridge,
  type VigilConnection,
} from '../shared/bridge.ts';

/** Only the two fields, as strings: nothing else the page passes reaches the shell. */
const serverRequest = (request: ServerRequest) => ({
  url: String(request?.url ?? ''),
  ...(request?.key === undefined ? {} : { key: String(request.key) }),
});

const bridge: VigilBridge = {
  connection: () => ipcRenderer.invoke(BRIDGE_CHANNELS.connection) as Promise<VigilConnection>,
  openExternal: async (url: string) => {
    await ipcRenderer.invoke(BRIDGE_CHANNELS.openExternal, String(url));
  },
  showItemInFolder: async (path: string) => {
    await ipcRenderer.invoke(BRIDGE_CHANNELS.showItemInFolder, String(path));
  },
  desktopSettings: () => ipcRenderer.invoke(BRIDGE_CHANNELS.desktopSettings) as Promise<DesktopSettings>,
  updateDesktopSettings: (changes: Partial<DesktopSettings>) =>
    // A copy of plain values only: whatever object the page passes, no getter or prototype crosses.
    ipcRenderer.invoke(BRIDGE_CHANNELS.updateDesktopSettings, JSON.parse(JSON.stringify(changes ?? {}))) as Promise<DesktopSettings>,
  serverSettings: () => ipcRenderer.invoke(BRIDGE_CHANNELS.serverSettings) as Promise<ServerSettings>,
  checkServer: (request: ServerRequest) => ipcRenderer.invoke(BRIDGE_CHANNELS.checkServer, serverRequest(request)) as Promise<ServerCheck>,
  useTeamServer: (request: ServerRequest) => ipcRenderer.invoke(BRIDGE_CHANNELS.useTeamServer, serverRequest(request)) as Promise<ServerChange>,
  useLocalEngine: () => ipcRenderer.invoke(BRIDGE_CHANNELS.useLocalEngine) as Promise<ServerChange>,
  forgetServerKey: () => ipcRenderer.invoke(BRIDGE_CHANNELS.forgetServerKey) as Promise<ServerChange>,
  restart: async () => {
    await ipcRenderer.invoke(BRIDGE_CHANNELS.restart);
  },
  onNavigate(listener: (target: ConsoleTarget) => void) {
    const forward = (_event: IpcRendererEvent, target: ConsoleTarget) => listener(target);
    ipcRenderer.on(BRIDGE_CHANNELS.navigate, forward);
    // A target requested while the console was loading waits in the main process until now.
    void ipcRenderer.invoke(BRIDGE_CHANNELS.navigationReady).then((waiting: ConsoleTarget | null) => {
      if (waiting) listener(waiting);
    });
    return () => {
      ipcRenderer.removeListener(BRIDGE_CHANNELS.navigate, forward);
    };
  },
};

contextBridge.exposeInMainWorld('vigil', bridge);
