// Signal names and signal sets as strace prints them: `SIGCHLD`, `[INT QUIT]`,
// `~[RTMIN RT_1]` when more than half the set is full.
const names = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];
const NSIG = 64;

/** `SIGCHLD`, `SIGRTMIN`, `SIGRT_3`, or the number. */
export function signalName(sig: number): string {
  if (sig > 0 && sig < names.length) return names[sig]!;
  if (sig === 32) return 'SIGRTMIN';
  if (sig > 32 && sig <= NSIG) return `SIGRT_${sig - 32}`;
  return String(sig);
}

export function signalNumber(name: string): number | undefined {
  const up = name.toUpperCase();
  const full = up.startsWith('SIG') ? up : `SIG${up}`;
  const i = names.indexOf(full);
  if (i > 0) return i;
  if (full === 'SIGRTMIN') return 32;
  const rt = /^SIGRT_(\d+)$/.exec(full);
  return rt ? 32 + Number(rt[1]) : undefined;
}

/** A kernel sigset (bit n-1 for signal n). */
export function formatSigset(mask: bigint): string {
  const members: number[] = [];
  for (let s = 1; s <= NSIG; s++) if ((mask >> BigInt(s - 1)) & 1n) members.push(s);
  const short = (s: number): string => signalName(s).replace(/^SIG/, '');
  if (members.length > NSIG / 2) {
    const absent: string[] = [];
    for (let s = 1; s <= NSIG; s++) if (!((mask >> BigInt(s - 1)) & 1n)) absent.push(short(s));
    return `~[${absent.join(' ')}]`;
  }
  return `[${members.map(short).join(' ')}]`;
}
