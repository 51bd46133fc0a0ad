// Window security (issue 7): where the console may navigate, which links leave the app, and which
// permissions it gets (none); what it may load is src/shared/console-security.ts's policy. Pure
// checks live here beside the Electron wiring so the rules are tested on their own.
import { shell, type Session, type WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-protocol.ts';

/** The console's own URLs: app://vigil/... */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // Node's URL gives custom schemes an opaque origin ("null"), so compare scheme and host.
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Longest link handed to the OS; longer ones are refused rather than cut. */
export const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL when it may be opened in the user's browser: `https:` only (no `file:`, `smb:`, custom
 * handlers or `javascript:` that the OS would run), no embedded credentials, no control characters,
 * and of a sane length. Null otherwise.
 */
export function checkExternalUrl(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EXTERNAL_URL_LENGTH) return null;
  // Control characters and whitespace: an OS handler may read them as argument separators.
  if (/[\u0000-\u001f\u007f\s]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname === '') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url;
}

/**
 * The one place Vigil hands a URL to the OS. The check runs here, at the sink, whatever the caller
 * checked before: a link reaches the user's browser only as a clean https: URL.
 */
export async function openLinkInBrowser(value: unknown): Promise<void> {
  const url = checkExternalUrl(value);
  if (!url) throw new Error('Only https: links (without credentials) can be opened outside Vigil.');
  await shell.openExternal(url.href);
}

export interface HardenOptions {
  /** Opens a link the user followed in their browser (see openLinkInBrowser). */
  openLink(url: string): void;
  log(message: string): void;
}

/**
 * Applied to every web contents the app creates. Navigation away from the console and every
 * window.open are denied; an https: link the user clicked goes to the browser instead.
 */
export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  const leave = (url: string) => {
    const external = checkExternalUrl(url);
    if (external) options.openLink(external.href);
    else options.log(`Blocked navigation of the console to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    leave(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    options.log(`Blocked a redirect of the console to ${event.url.slice(0, 200)}`);
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.log('Blocked a <webview> in the console');
  });
}

/** Permissions the console may use: writing to the clipboard (Monaco's copy), nothing else. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** Every permission request and check is denied unless listed above; no device is ever granted. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? requestingOrigin),
  );
  session.setDevicePermissionHandler(() => false);
}
