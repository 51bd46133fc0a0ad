// The integrations room of the sandbox process: the host side of ctx.integrations. The supervisor
// opens each run with the integrations the engine resolved for it (credentials included); guest
// calls arrive as { integration, method, args } and are answered with plain JSON. Every request a
// client makes goes through the run's broker under an egress policy naming only the integration's
// configured hosts (so a loopback test server works without opening loopback to the workflow).
import { compilePolicy, type EgressPolicy } from '../egress/policy.ts';
import type { Broker } from '../process/broker.ts';
import { EntraClient, TokenCache } from './entra.ts';
import { IntegrationCallError, IntegrationHttp } from './http.ts';
import { OktaClient } from './okta.ts';
import type { GuestIntegrationCall, IntegrationResult, RunIntegrations } from './types.ts';

export type { EntraConfig, GuestIntegrationCall, IntegrationFailure, IntegrationName, IntegrationResult, OktaConfig, RunIntegrations } from './types.ts';
export { INTEGRATION_NAMES } from './types.ts';

interface RunState {
  config: RunIntegrations;
  oktaPolicy: EgressPolicy | null;
  entraPolicy: EgressPolicy | null;
  /** Test runs get their own cache: a mocked token must never reach a live run. */
  tokens: TokenCache;
}

/** Which clients a run's guest gets (the guest learns nothing else about the configuration). */
export function availableIntegrations(config: RunIntegrations | undefined | null): { okta: boolean; entra: boolean } {
  return { okta: Boolean(config?.okta), entra: Boolean(config?.entra) };
}

export class IntegrationHub {
  private readonly broker: Broker;
  private readonly liveTokens = new TokenCache();
  private readonly runs = new Map<number, RunState>();

  constructor(broker: Broker) {
    this.broker = broker;
  }

  /** Throws when a configured URL is unusable (the run is then refused with the message). */
  open(seq: number, config: RunIntegrations | undefined | null, testMode: boolean): void {
    const okta = config?.okta ?? null;
    const entra = config?.entra ?? null;
    if (!okta && !entra) return;
    this.runs.set(seq, {
      config: { okta, entra },
      oktaPolicy: okta ? compilePolicy([hostOf(okta.org_url, 'Okta org URL')]) : null,
      entraPolicy: entra ? compilePolicy([hostOf(entra.authority_url, 'Entra authority URL'), hostOf(entra.graph_url, 'Microsoft Graph URL')]) : null,
      tokens: testMode ? new TokenCache() : this.liveTokens,
    });
  }

  close(seq: number): void {
    this.runs.delete(seq);
  }

  /** Never rejects. */
  async call(seq: number, call: GuestIntegrationCall): Promise<IntegrationResult> {
    const state = this.runs.get(seq);
    const name = call?.integration;
    const method = typeof call?.method === 'string' ? call.method : '';
    const args = Array.isArray(call?.args) ? call.args : [];
    let http: IntegrationHttp | null = null;
    try {
      if (name === 'okta' && state?.config.okta && state.oktaPolicy) {
        http = new IntegrationHttp(this.broker, seq, state.oktaPolicy, 'Okta');
        return { ok: true, value: await new OktaClient(state.config.okta, http).call(method, args), summaries: http.summaries };
      }
      if (name === 'entra' && state?.config.entra && state.entraPolicy) {
        http = new IntegrationHttp(this.broker, seq, state.entraPolicy, 'Entra');
        return { ok: true, value: await new EntraClient(state.config.entra, http, state.tokens).call(method, args), summaries: http.summaries };
      }
      return {
        ok: false,
        error: { message: `the ${String(name).slice(0, 20)} integration is not configured`, code: 'NOT_CONFIGURED', status: null, vendor_code: null },
        summaries: [],
      };
    } catch (error) {
      const summaries = http?.summaries ?? [];
      if (error instanceof IntegrationCallError) return { ok: false, error: error.failure, summaries, ...(error.fatal ? { fatal: error.fatal } : {}) };
      return { ok: false, error: { message: `${String(name)}: internal error in the sandbox`, code: 'INTERNAL_ERROR', status: null, vendor_code: null }, summaries };
    }
  }
}

/** "host:port" of a configured base URL, as an allowed_hosts entry. */
function hostOf(base: string, what: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`the ${what} "${base.slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the ${what} must be an http(s) URL`);
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}
