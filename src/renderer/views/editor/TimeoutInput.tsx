// The run's timeout in whole seconds, within the engine's limit. An HTTP-endpoint workflow shows it
// in its form as well as in Settings: the endpoint's timeout and the workflow's are one setting.
import { MAX_ENDPOINT_TIMEOUT_SECONDS } from '../../../shared/endpoint.ts';
import type { FieldControlProps } from '../../components/ui.tsx';

export function TimeoutInput({ field, value, onChange, disabled }: { field: FieldControlProps; value: number; onChange: (seconds: number) => void; disabled?: boolean }) {
  return (
    <input
      {...field}
      type="number"
      min={1}
      max={MAX_ENDPOINT_TIMEOUT_SECONDS}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(Math.round(Number(e.target.value)))}
    />
  );
}
