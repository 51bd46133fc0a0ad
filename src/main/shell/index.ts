// The shell room's door (DESIGN.md §1): everything that touches 'electron'. The entry point
// (src/main/index.ts) imports from here.
export { registerAppScheme, startDesktop, type Desktop, type DesktopOptions } from './desktop.ts';
export { claimSingleInstance } from './lifecycle.ts';
export { startedHidden } from './desktop-settings.ts';
export { APP_ORIGIN } from './app-protocol.ts';
export { createUtilityProcessLauncher, SANDBOX_SERVICE_NAME } from './sandbox-launcher.ts';
