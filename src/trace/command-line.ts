// The command lines of `trapline trace`, `record` and `show` on commander:
// strace's options (-f -e -o -c -C -y -T -t -s -v -X), usage errors in
// strace's shape. (quick-args.ts reads trace's usual command lines sooner.)
import { Command, Option } from 'commander';
import { recordCommand, showCommand, traceCommand, type RecordFlags, type ViewFlags } from './command.js';

const count = (_: string | boolean, prev: number | undefined): number => (prev ?? 0) + 1;
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The options `trace` and `show` share (strace's spellings). */
function addViewOptions(cmd: Command): Command {
  return cmd
    .option('-f', 'follow forks and threads', count)
    .option('-e <expr>', 'trace=SET: which calls (names, !, %file %process %network %signal %memory %desc)', collect)
    .option('-o <file>', 'write the trace to FILE instead of stderr')
    .option('-c', 'count time, calls and errors per syscall; print a summary')
    .option('-C', 'like -c, and print the calls too')
    .option('-y', 'print paths with file descriptors')
    .option('-T', 'print the time spent in each call')
    .option('-t', 'print wall-clock time (-tt with microseconds, -ttt seconds since the epoch)', count)
    .option('-s <n>', 'print at most N bytes of a string (default 32)')
    .option('-v', 'print structs unabbreviated')
    .addOption(new Option('-X <format>', 'how constants print').choices(['raw', 'abbrev']))
    .option('--json', 'one JSON object per call')
    .option('--vdso', 'show vDSO calls (clock_gettime, ...)');
}

/** `trace` with its options, running `action` (tests pass their own). */
export function defineTrace(program: Command, action: (argv: string[], f: ViewFlags) => void | Promise<void>): Command {
  return addViewOptions(
    program
      .command('trace')
      .configureHelp({ sortOptions: false })
      .description('trace PROG like strace, on trapline\'s engine')
      .usage('[-fcCyTvt] [-e trace=SET] [-o FILE] [-s N] [-X raw|abbrev] [--json] [--vdso] [--] PROG [ARGS...]'),
  )
    .option('-p <pid>', 'not supported: trapline starts the programs it traces')
    .argument('[prog...]', 'the program and its arguments')
    .passThroughOptions()
    .action(action);
}

const TRACE_COMMANDS = new Set(['trace', 'record', 'show']);

/** Usage errors of trace, record and show as strace words them: one line
 *  and a hint, no help page. Commander shares one output configuration
 *  among commands, so the command in use is remembered by a hook. */
function straceLikeErrors(program: Command): void {
  let current = '';
  program.hook('preSubcommand', (_, sub) => {
    current = sub.name();
  });
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => {
      if (!TRACE_COMMANDS.has(current)) return write(s);
      write(`trapline ${current}: ${s.replace(/^error: /, '')}Try 'trapline ${current} -h' for more information.\n`);
    },
  });
  for (const c of program.commands) if (TRACE_COMMANDS.has(c.name())) c.showHelpAfterError(false);
}

export function addTraceCommands(program: Command): void {
  defineTrace(program, traceCommand);

  program
    .command('record')
    .description('run PROG under trapline and write its binary trace to a file for `show`')
    .usage('-o RUN.tltrace [-s N] [--vdso] [--] PROG [ARGS...]')
    .option('-o <file>', 'the trace file to write')
    .option('-s <n>', 'capture at most N bytes of each buffer (default 32)')
    .option('--vdso', 'capture vDSO calls too')
    .argument('[prog...]', 'the program and its arguments')
    .passThroughOptions()
    .action((argv: string[], f: RecordFlags) => recordCommand(argv, f));

  addViewOptions(
    program
      .command('show')
      .description('print a recorded trace as `trace` would have')
      .usage('[options] RUN.tltrace'),
  )
    .argument('<file>', 'a trace written by `trapline record`')
    .action((file: string, f: ViewFlags) => showCommand(file, f));
  straceLikeErrors(program);
}
