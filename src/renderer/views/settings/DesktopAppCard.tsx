// The desktop app's own preference (start at login), kept by the shell rather than the engine.
import { ErrorText } from '../../components/ui.tsx';
import { useSettings } from '../../stores/settings.ts';

export function DesktopAppCard() {
  const shell = useSettings((s) => s.shell);
  const error = useSettings((s) => s.loadErrors.shell);
  return (
    <div className="card">
      <h2>Desktop app</h2>
      <ErrorText>{error}</ErrorText>
      {shell && (
        <label className="toggle">
          <input type="checkbox" checked={shell.startAtLogin} onChange={(e) => void useSettings.getState().updateShell({ startAtLogin: e.target.checked })} />
          <span>Start Vigil in the tray when I log in</span>
        </label>
      )}
    </div>
  );
}
