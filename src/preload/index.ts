// The preload (DESIGN.md §1): runs sandboxed, before the console, and hands it `window.vigil`, the
// VigilBridge of src/shared/bridge.ts. Each method sends one fixed channel with plain data;
// ipcRenderer itself never reaches the page, so the console cannot send anything else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_CHANNELS, type ConsoleTarget, type DesktopSettings, type VigilBridge, type VigilConnection } from '../shared/bridge.ts';

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
