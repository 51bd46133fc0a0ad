// Secrets on a team server: set through one instance, read by runs on another (sealed in the
// shared database under the master key), and the master key rotated with the documented command
// on that database, which refuses while an instance holds the current key.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNewMasterKeyFile } from '../../src/main/engine/index.ts';
import { vigil, type ServeProcess } from '../helpers/cli.ts';
import { postgresSkipReason } from '../helpers/postgres.ts';
import { closeSharedSandbox, eventually } from '../helpers/server.ts';
import { startTeam, type Team } from '../helpers/team.ts';

let team: Team | null = null;
afterAll(async () => {
  await team?.close();
  await closeSharedSandbox();
});

const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
const CODE = 'export async function run(ctx) {\n  return ctx.ok("length " + (ctx.secrets.get("FW_TOKEN") ?? "").length);\n}\n';

describe.skipIf(postgresSkipReason)('secrets on a team server', () => {
  it('shares sealed secrets between instances, and rotates the master key once every instance has stopped', async () => {
    team = await startTeam(2);
    const [a, b] = team.instances as [ServeProcess, ServeProcess];
    expect((await team.request(a, 'PUT', '/v1/secrets/FW_TOKEN', { body: { value: 'sealed-fw-token' } })).status).toBeLessThan(300);
    const created = await team.request(a, 'POST', '/v1/workflows', { body: { name: 'uses the token', code: CODE, state: 'active', approval_mode: 'never', secrets: ['FW_TOKEN'] } });
    const workflow = created.body.data.uuid as string;
    const runOn = async (instance: ServeProcess) => {
      const run = (await team!.request(instance, 'POST', `/v1/workflows/${workflow}/execute`, { key: team!.keys.human, body })).body.data.run_uuid as string;
      return eventually(async () => {
        const data = (await team!.request(instance, 'GET', `/v1/workflow-runs/${run}`)).body.data;
        return data.status === 'queued' || data.status === 'running' ? null : data;
      }, 'the run to end');
    };
    expect((await runOn(b)).result.message).toBe(`length ${'sealed-fw-token'.length}`);

    const newKey = join(team.env.VIGIL_MASTER_KEY_FILE!, '..', 'master-2.key');
    writeNewMasterKeyFile(newKey);
    const env = { VIGIL_DATABASE_URL: team.database, VIGIL_MASTER_KEY_FILE: team.env.VIGIL_MASTER_KEY_FILE! };
    const refused = await vigil(['master-key', 'rotate', '--new-key-file', newKey], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/2 Vigil instances are running on postgres.* with the current key in memory; stop them all first/);

    for (const instance of team.instances) instance.child.kill('SIGTERM');
    await Promise.all(team.instances.map((instance) => instance.exited));
    team.instances.length = 0;
    const rotated = await vigil(['master-key', 'rotate', '--new-key-file', newKey], env);
    expect(rotated.stderr).toBe('');
    expect(rotated.stdout).toMatch(/^Moved 1 sealed secret from master key \S+ to \S+\./);

    team.env.VIGIL_MASTER_KEY_FILE = newKey;
    const restarted = await team.start();
    expect((await runOn(restarted)).result.message).toBe(`length ${'sealed-fw-token'.length}`);
  });
});
