import { createSandboxHost } from '../sandbox/index.ts';
import { createKeychainStore, createLoginToken, defaultDataDir, loginUrl, startServer } from '../engine/index.ts';
import { join } from 'node:path';
import { parseOptions, UsageError, withUsage, type Command } from './command.ts';

const help = `Usage: vigil serve [--host 127.0.0.1] [--port N|0] [--data-dir DIR]

Runs Vigil headless: the engine, the REST API and the sandbox, on loopback.
When ready it prints "Vigil listening on <url>", then a one-time login link for the console
(<url>/#login=<token>), and writes <data-dir>/server.json. When the OS keychain cannot be used it
says why and how to fix it (on stderr).
Ctrl-C (SIGINT) or SIGTERM drains running workflows and exits 0.

Options:
  --host HOST       loopback address to bind (127.0.0.1, localhost or ::1; default 127.0.0.1)
  --port N          port; 0 picks a free one (default 0)
  --data-dir DIR    where the database lives (default $VIGIL_DATA_DIR, else the per-user data folder)`;

export const command: Command = {
  summary: 'Run the engine and API headless (the console in a browser)',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values } = parseOptions(args, {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
      });
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not ${values.port}`);
      const dataDir = values['data-dir'] ?? defaultDataDir(io.env);
      const executor = createSandboxHost();
      // On the other core while this process opens the database and loads the API: the first run
      // then finds the sandbox ready (design-decisions.md § Start-up).
      executor.start();
      let server;
      try {
        server = await startServer({
          dataDir,
          host: values.host,
          port,
          executor,
          secrets: createKeychainStore(),
          credentials: createKeychainStore({ service: 'vigil.credentials' }),
          log: { info: io.out, error: io.err },
          // The console bundle built from src/renderer (npm run serve builds it when missing).
          rendererDir: join(import.meta.dirname, '..', '..', '..', 'out', 'renderer'),
        });
      } catch (error) {
        await executor.close();
        io.err(`vigil serve: ${(error as Error).message}`);
        return 1;
      }
      // Listening before the address is announced: whoever reads it may ask for a stop at once, and
      // Node's default would end the process without draining runs or removing server.json.
      const stopRequested = new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.out(`Vigil listening on ${server.url}`);
      io.out(`Console (one-time login link): ${loginUrl(server.url, createLoginToken(server.engine))}`);
      io.out(`Data folder: ${dataDir}`);
      const keychain = await server.engine.keychain.check();
      if (keychain.state === 'unavailable') {
        io.err(
          [
            `Warning: the OS keychain is unavailable: ${keychain.why}`,
            '  Secret values, and the Slack, Teams, LLM and integration credentials, can be neither stored nor read;',
            '  runs of workflows that declare secrets will fail. The console says so on Secrets and Settings.',
            `  To fix it: ${keychain.fix}`,
          ].join('\n'),
        );
      }
      await stopRequested;
      io.out('Vigil: stopping (finishing runs in flight)…');
      await server.close();
      await executor.close();
      return 0;
    }),
};
