import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** One line for `vigil --help`. */
  summary: string;
  /** The full text for `vigil <name> --help`. */
  help: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

export class UsageError extends Error {}

/** Strict option parsing: unknown flags and missing values are usage errors (exit 2). */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs a command body, turning usage errors into exit code 2 with the command's help. */
export async function withUsage(io: CommandIO, help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${help}`);
      return 2;
    }
    throw error;
  }
}
