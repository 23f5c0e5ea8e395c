// The `psirt` commands, built around a runtime (runtime.ts): the same program
// parses a command line in the `psirt` process and, for commands a running
// server must carry out, inside that server (remote.ts).
import { Command } from 'commander';
import { auditCommands } from './commands/audit.ts';
import { craCommands } from './commands/cra.ts';
import { cveCommands } from './commands/cve.ts';
import { dbCommands } from './commands/db.ts';
import { intakeCommands } from './commands/intake.ts';
import { inventoryCommands } from './commands/inventory.ts';
import { keyCommands } from './commands/keys.ts';
import { slackCommands } from './commands/slack.ts';
import { tokenCommands } from './commands/tokens.ts';
import type { CliRuntime } from './runtime.ts';

export interface ProgramOptions {
  /** The `psirt` process itself: also the commands that never run remotely (start, bot, db diff). */
  local?: (program: Command) => void;
  version: string;
}

export function buildProgram(rt: CliRuntime, options: ProgramOptions): Command {
  const program = new Command()
    .name('psirt')
    .description('psirt — product-security incident response platform')
    .version(options.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  options.local?.(program);
  dbCommands(program, rt, { local: Boolean(options.local) });
  tokenCommands(program, rt);
  keyCommands(program, rt);
  intakeCommands(program, rt);
  inventoryCommands(program, rt);
  slackCommands(program, rt);
  auditCommands(program, rt);
  cveCommands(program, rt);
  craCommands(program, rt);
  return program;
}
