// Desktop notifications: each toggle saves at once (there is nothing to type).
import type { NotifierView } from '../../api/types.ts';
import { ErrorText } from '../../components/ui.tsx';
import { useSettings } from '../../stores/settings.ts';

export function DesktopNotifications({ desktop }: { desktop: NotifierView['desktop'] }) {
  const state = useSettings((s) => s.sections.desktop);
  const save = (change: Partial<NotifierView['desktop']>) => void useSettings.getState().saveNotifiers('desktop', { desktop: change });
  return (
    <>
      <h3>Desktop</h3>
      <label className="toggle">
        <input type="checkbox" checked={desktop.enabled} onChange={(e) => save({ enabled: e.target.checked })} />
        <span>
          Notify me of new approval requests
          {desktop.adapter === 'log' && <span className="hint block">Headless (vigil serve): notifications go to the log; the desktop app shows them.</span>}
        </span>
      </label>
      <label className="toggle">
        <input type="checkbox" checked={desktop.run_failed} onChange={(e) => save({ run_failed: e.target.checked })} />
        <span>Also when a run fails or times out</span>
      </label>
      <ErrorText>{state.error}</ErrorText>
    </>
  );
}
