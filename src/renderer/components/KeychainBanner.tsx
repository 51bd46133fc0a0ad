// The OS keychain cannot be used (found at start, or by a later call): said once at the top of
// Secrets and Settings, with the engine's own why and fix, instead of a raw error under a form
// that cannot work. The fields that need the keychain are disabled or left out meanwhile.
import type { KeychainStatus } from '../api/types.ts';

export function KeychainBanner({ status }: { status: KeychainStatus | null | undefined }) {
  if (status?.state !== 'unavailable') return null;
  return (
    <section className="keychain-banner" role="alert" aria-labelledby="keychain-banner-title">
      <h2 id="keychain-banner-title">The OS keychain is unavailable</h2>
      <p>
        Vigil keeps secret values, tokens and API keys there, so they can be neither stored nor read now; runs of workflows
        that declare secrets will fail. Why: {status.why}
      </p>
      <p>
        <strong>To fix it:</strong> {status.fix} Then restart Vigil.
      </p>
    </section>
  );
}
