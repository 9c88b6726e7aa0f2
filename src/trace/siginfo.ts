// A signal's siginfo_t (x86-64, 128 bytes) as strace prints it in
// `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---`.
import { signalName } from './signals.js';

const SI_CODES: Record<number, string> = {
  0: 'SI_USER', 0x80: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER', [-3]: 'SI_MESGQ',
  [-4]: 'SI_ASYNCIO', [-5]: 'SI_SIGIO', [-6]: 'SI_TKILL', [-7]: 'SI_DETHREAD', [-60]: 'SI_ASYNCNL',
};
const SIGNAL_CODES: Record<string, string[]> = {
  SIGCHLD: ['', 'CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'],
  SIGSEGV: ['', 'SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR'],
  SIGBUS: ['', 'BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR', 'BUS_MCEERR_AR', 'BUS_MCEERR_AO'],
  SIGILL: ['', 'ILL_ILLOPC', 'ILL_ILLOPN', 'ILL_ILLADR', 'ILL_ILLTRP', 'ILL_PRVOPC', 'ILL_PRVREG', 'ILL_COPROC', 'ILL_BADSTK'],
  SIGFPE: ['', 'FPE_INTDIV', 'FPE_INTOVF', 'FPE_FLTDIV', 'FPE_FLTOVF', 'FPE_FLTUND', 'FPE_FLTRES', 'FPE_FLTINV', 'FPE_FLTSUB'],
  SIGTRAP: ['', 'TRAP_BRKPT', 'TRAP_TRACE', 'TRAP_BRANCH', 'TRAP_HWBKPT'],
  SIGPOLL: ['', 'POLL_IN', 'POLL_OUT', 'POLL_MSG', 'POLL_ERR', 'POLL_PRI', 'POLL_HUP'],
  SIGSYS: ['', 'SYS_SECCOMP', 'SYS_USER_DISPATCH'],
};
const FAULTS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP']);

const hex = (v: bigint): string => (v === 0n ? 'NULL' : `0x${v.toString(16)}`);

function codeName(sig: string, code: number): string {
  if (code > 0 && code < 0x80) {
    const name = SIGNAL_CODES[sig]?.[code];
    if (name) return name;
  }
  return SI_CODES[code] ?? String(code);
}

/** `{si_signo=..., si_code=..., ...}` */
export function formatSiginfo(info: Buffer): string {
  if (info.length < 48) return '{...}';
  const signo = info.readInt32LE(0);
  const code = info.readInt32LE(8);
  const sig = signalName(signo);
  const fields = [`si_signo=${sig}`, `si_code=${codeName(sig, code)}`];
  const sigval = (): string => `si_value={int=${info.readInt32LE(24)}, ptr=${hex(info.readBigUInt64LE(24))}}`;
  if (code <= 0 || code === 0x80) {
    // Sent by a process or the kernel: who sent it.
    if (code === -2) {
      fields.push(`si_timerid=${info.readInt32LE(16)}`, `si_overrun=${info.readInt32LE(20)}`, sigval());
    } else if (code !== 0x80) {
      fields.push(`si_pid=${info.readInt32LE(16)}`, `si_uid=${info.readUInt32LE(20)}`);
      if (code === -1) fields.push(sigval());
    }
  } else if (sig === 'SIGCHLD') {
    const status = info.readInt32LE(24);
    const killed = code === 2 || code === 3;
    fields.push(
      `si_pid=${info.readInt32LE(16)}`,
      `si_uid=${info.readUInt32LE(20)}`,
      `si_status=${killed ? signalName(status) : status}`,
      `si_utime=${info.readBigInt64LE(32)}`,
      `si_stime=${info.readBigInt64LE(40)}`,
    );
  } else if (FAULTS.has(sig)) {
    fields.push(`si_addr=${hex(info.readBigUInt64LE(16))}`);
  } else if (sig === 'SIGPOLL') {
    fields.push(`si_band=${info.readBigInt64LE(16)}`, `si_fd=${info.readInt32LE(24)}`);
  }
  return `{${fields.join(', ')}}`;
}
