// An editable list of short values (secret names, hosts, tags): chips with a remove button and a
// text box where Enter or a comma adds what was typed.
import { useId, useState } from 'react';

export function TokenList({
  label,
  values,
  onChange,
  placeholder,
  validate,
  disabled,
  error,
  hint,
  mono,
}: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  /** Returns a message when a value may not be added. */
  validate?: (value: string) => string | null;
  disabled?: boolean;
  error?: string | null;
  hint?: string;
  mono?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const add = (raw: string) => {
    const parts = raw
      .split(/[,\n]/)
      .map((part) => part.trim())
      .filter(Boolean);
    const next = [...values];
    for (const part of parts) {
      const message = validate?.(part) ?? null;
      if (message) {
        setProblem(`${part}: ${message}`);
        return false;
      }
      if (!next.includes(part)) next.push(part);
    }
    setProblem(null);
    if (next.length !== values.length) onChange(next);
    return true;
  };

  const shown = problem ?? error ?? null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className={`tokens ${disabled ? 'disabled' : ''}`}>
        {values.map((value) => (
          <span key={value} className={`token ${mono ? 'mono' : ''}`}>
            {value}
            {!disabled && (
              <button type="button" aria-label={`Remove ${value}`} onClick={() => onChange(values.filter((v) => v !== value))}>
                ×
              </button>
            )}
          </span>
        ))}
        {!disabled && (
          <input
            id={id}
            value={text}
            placeholder={values.length === 0 ? placeholder : undefined}
            aria-invalid={Boolean(shown)}
            aria-describedby={shown ? `${id}-error` : hint ? `${id}-hint` : undefined}
            onChange={(e) => {
              if (/[,\n]/.test(e.target.value)) {
                if (add(e.target.value)) setText('');
              } else {
                setText(e.target.value);
              }
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && text.trim()) {
                e.preventDefault();
                if (add(text)) setText('');
              } else if (e.key === 'Backspace' && !text && values.length > 0) {
                onChange(values.slice(0, -1));
              }
            }}
            onBlur={() => {
              if (text.trim() && add(text)) setText('');
            }}
          />
        )}
      </div>
      {hint && !shown && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {shown && (
        <p className="error-text" id={`${id}-error`}>
          {shown}
        </p>
      )}
    </div>
  );
}
