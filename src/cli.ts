#!/usr/bin/env node
// trapline's Node CLI. The `trapline` command (native/build/trapline, a static
// launcher) handles `run` itself and hands every other command here; `run` is
// still accepted here (`node dist/src/cli.js run ...`) and delegated back.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { binPath } from './paths.js';
import { quickTraceArgs } from './trace/quick-args.js';

const USAGE_EXIT = 2;

/** Run the native launcher with inherited stdio and mirror how it ended. */
export function runNative(args: string[]): void {
  if (!existsSync(binPath)) {
    process.stderr.write(`trapline: native launcher missing: ${binPath} (run \`npm run build\`)\n`);
    process.exit(1);
  }
  const child = spawn(binPath, args, { stdio: 'inherit' });
  // The child shares our terminal: let it alone decide what SIGINT/SIGQUIT do.
  const ignore = (): void => {};
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, ignore);
  child.on('error', (err) => {
    process.stderr.write(`trapline: cannot start ${binPath}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, ignore);
      // Die by the same signal so our parent sees what a native run shows.
      try {
        process.kill(process.pid, signal);
      } catch {
        /* fall through */
      }
      const num = osConstants.signals[signal] ?? 0;
      process.exit(128 + num);
    }
    process.exit(code ?? 1);
  });
}

async function main(argv: string[]): Promise<void> {
  // trace's usual command lines skip commander: the traced program starts sooner.
  const quick = argv[0] === 'trace' ? quickTraceArgs(argv.slice(1)) : undefined;
  if (quick) {
    const { traceCommand } = await import('./trace/command.js');
    await traceCommand(quick.prog, quick.flags);
    return;
  }
  const { Command, CommanderError } = await import('commander');
  const { addTraceCommands } = await import('./trace/command-line.js');
  const program = new Command();
  program
    .name('trapline')
    .usage('<command> [options]')
    .description('Route every syscall and vDSO call of an unmodified x86-64 program through plugins.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    // Options after a command belong to it, and after PROG to PROG.
    .enablePositionalOptions();

  program
    .command('run')
    .description('run PROG under trapline with the given plugins (default: passthrough)')
    .usage('[--plugin SPEC]... [--isolation=raw|isolated] [--no-follow] [--] PROG [ARGS...]')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]', 'launcher options, then PROG and its arguments')
    .addHelpText(
      'after',
      `
SPEC is NAME or PATH.so, optionally followed by :key=value pairs separated by ':'
(values may contain commas). Built-in plugins: passthrough (default), count
(count:out=FILE appends one JSON line per program image), libc-demo (isolated:
only=NAME,...:out=FILE). --isolation=raw|isolated picks the kind for plugins
that support both. Set TRAPLINE_DEBUG=1 to print one line per rewritten object.`,
    )
    .action(() => {
      // Hand over everything after "run" verbatim: the launcher parses it.
      const i = argv.indexOf('run');
      runNative(['run', ...argv.slice(i + 1)]);
    });

  addTraceCommands(program);

  if (argv.length === 0) {
    program.outputHelp({ error: true });
    process.exit(USAGE_EXIT);
  }

  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0);
      process.exit(USAGE_EXIT);
    }
    throw err;
  }
}

// The launcher hid NODE_EXTRA_CA_CERTS from this Node (it costs start-up
// time and we make no TLS connection): the programs we start get it back.
const stashedCaCerts = process.env.TRAPLINE_NODE_EXTRA_CA_CERTS;
if (stashedCaCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = stashedCaCerts;
  delete process.env.TRAPLINE_NODE_EXTRA_CA_CERTS;
}
// It tuned this Node's malloc where the user had not (GLIBC_TUNABLES): not
// the programs'.
if (process.env.TRAPLINE_NODE_TUNABLES !== undefined) {
  delete process.env.GLIBC_TUNABLES;
  delete process.env.TRAPLINE_NODE_TUNABLES;
}

void main(process.argv.slice(2));
