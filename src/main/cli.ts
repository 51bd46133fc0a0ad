// The `vigil` command: a thin dispatcher. Each subcommand lives in src/main/cli/<name>.ts and is
// loaded only when asked for, so `vigil lint` does not pay for the server's start-up.
import type { Command, CommandIO } from './cli/command.ts';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  serve: () => import('./cli/serve.ts'),
  keys: () => import('./cli/keys.ts'),
  lint: () => import('./cli/lint.ts'),
  test: () => import('./cli/test.ts'),
  mcp: () => import('./cli/mcp.ts'),
  notifiers: () => import('./cli/notifiers.ts'),
  generate: () => import('./cli/generate.ts'),
  export: () => import('./cli/export.ts'),
  import: () => import('./cli/import.ts'),
  'master-key': () => import('./cli/master-key.ts'),
};

const processIO: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  cwd: process.cwd(),
};

async function usage(io: CommandIO): Promise<string> {
  const lines = ['Usage: vigil <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(11)} ${command.summary}`);
  }
  lines.push('', 'Run `vigil <command> --help` for the options of one command.');
  void io;
  return lines.join('\n');
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(await usage(io));
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    io.err(`vigil: unknown command "${name}"\n\n${await usage(io)}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // Expected failures (a database from a newer Vigil, an unreadable file) read as one line.
    io.err(`vigil ${name}: ${(error as Error).message}`);
    return 1;
  }
}
