// The one field for a credential Vigil keeps in the OS keychain (notifier tokens, the LLM API key,
// integration secrets). The console is only told whether a value is stored, never the value, so
// the field says which, and offers to replace or remove it; nothing typed is ever shown back.
// While the keychain is unavailable the field is disabled and says why: the rest of its form
// still saves.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { KEEP, type SecretChange } from '../../lib/secret-change.ts';
import { useKeychainUnavailable } from '../../stores/settings.ts';

/** "API key" → "api-key-status": a stable handle on the status word for tests. */
const statusTestId = (label: string) => `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-status`;

export function SecretInput({
  label,
  stored,
  change,
  onChange,
  removable = true,
  placeholder,
  hint,
  error,
}: {
  label: string;
  /** Whether a value is stored; null: not known (the keychain could not be read, or the form changed what it belongs to). */
  stored: boolean | null;
  change: SecretChange;
  onChange: (change: SecretChange) => void;
  /** False where the credential goes only with what it belongs to (an integration is removed as a whole). */
  removable?: boolean;
  placeholder?: string;
  /** What the credential is for, or where to get one. */
  hint?: ReactNode;
  error?: string;
}) {
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const unavailable = useKeychainUnavailable();
  const replacing = change.mode === 'replace';
  // A stored value is not typed over by accident: Replace opens the box.
  const typing = replacing || (stored !== true && change.mode === 'keep');
  const offersStored = stored === true && !unavailable;

  useEffect(() => {
    if (replacing && stored) inputRef.current?.focus();
  }, [replacing, stored]);

  const status = unavailable
    ? 'keychain unavailable'
    : change.mode === 'remove'
      ? 'set · to be removed'
      : stored === null
        ? 'unknown until saved'
        : stored
          ? 'set'
          : 'not set';
  const said = unavailable
    ? 'Kept in the OS keychain, which is unavailable (see above). The other settings save as usual.'
    : change.mode === 'remove'
      ? 'Will be removed from the keychain when you save.'
      : replacing && stored
        ? 'The stored value is replaced when you save.'
        : stored
          ? 'Stored in the OS keychain. Never shown: the console only learns whether a value is stored in the keychain.'
          : `${stored === null ? '' : 'Not set. '}Stored in the OS keychain when you save; never shown again.`;

  return (
    <div className="field">
      <span className="label-text" id={`${id}-label`}>
        {label}{' '}
        <span className={`secret-status ${stored && change.mode !== 'remove' && !unavailable ? 'ok-text' : 'muted'}`} data-testid={statusTestId(label)}>
          {status}
        </span>
      </span>
      {/* Several credentials share a form: each button is described by the field it acts on. */}
      <span className="secret-input">
        {(typing || unavailable) && (
          <input
            ref={inputRef}
            id={id}
            type="password"
            autoComplete="off"
            aria-label={label}
            aria-invalid={Boolean(error)}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            value={replacing ? change.value : ''}
            placeholder={unavailable ? 'keychain unavailable' : placeholder}
            disabled={unavailable}
            onChange={(e) => onChange({ mode: 'replace', value: e.target.value })}
          />
        )}
        {offersStored && change.mode === 'keep' && (
          <>
            <button type="button" aria-describedby={`${id}-label`} onClick={() => onChange({ mode: 'replace', value: '' })}>
              Replace
            </button>
            {removable && (
              <button type="button" className="quiet danger-text" aria-describedby={`${id}-label`} onClick={() => onChange({ mode: 'remove' })}>
                Remove
              </button>
            )}
          </>
        )}
        {offersStored && change.mode !== 'keep' && (
          <button type="button" className="quiet" aria-describedby={`${id}-label`} onClick={() => onChange(KEEP)}>
            Keep the stored value
          </button>
        )}
      </span>
      <p className="hint" id={`${id}-hint`}>
        {said}
        {hint && !unavailable ? <> {hint}</> : null}
      </p>
      {error && (
        <p className="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
