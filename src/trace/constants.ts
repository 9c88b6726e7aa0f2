// Names of the numbers syscalls take, x86-64 Linux values, in the order
// strace prints them.
import { table } from './flags.js';

export const AT_FDCWD = -100n;

export const openAccessModes = table([['O_RDONLY', 0], ['O_WRONLY', 1], ['O_RDWR', 2]]);
export const openFlags = table([
  ['O_CREAT', 0o100], ['O_EXCL', 0o200], ['O_NOCTTY', 0o400], ['O_TRUNC', 0o1000], ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000], ['O_SYNC', 0o4010000], ['O_DSYNC', 0o10000], ['O_ASYNC', 0o20000], ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000], ['O_NOFOLLOW', 0o400000], ['O_NOATIME', 0o1000000], ['O_CLOEXEC', 0o2000000],
  ['O_PATH', 0o10000000], ['O_TMPFILE', 0o20200000], ['O_DIRECTORY', 0o200000],
]);
export const O_CREAT = 0o100n;
export const O_TMPFILE = 0o20200000n;

export const accessModes = table([['R_OK', 4], ['W_OK', 2], ['X_OK', 1]]);
export const atFlags = table([
  ['AT_SYMLINK_NOFOLLOW', 0x100], ['AT_REMOVEDIR', 0x200], ['AT_SYMLINK_FOLLOW', 0x400], ['AT_NO_AUTOMOUNT', 0x800],
  ['AT_EMPTY_PATH', 0x1000], ['AT_STATX_FORCE_SYNC', 0x2000], ['AT_STATX_DONT_SYNC', 0x4000], ['AT_RECURSIVE', 0x8000],
]);
/** statx: the sync type is a value in AT_STATX_SYNC_TYPE, printed first. */
export const statxSyncTypes = table([['AT_STATX_SYNC_AS_STAT', 0], ['AT_STATX_FORCE_SYNC', 0x2000], ['AT_STATX_DONT_SYNC', 0x4000]]);
export const faccessatFlags = table([['AT_SYMLINK_NOFOLLOW', 0x100], ['AT_EACCESS', 0x200], ['AT_EMPTY_PATH', 0x1000]]);
export const statxAttributes = table([
  ['STATX_ATTR_COMPRESSED', 0x4], ['STATX_ATTR_IMMUTABLE', 0x10], ['STATX_ATTR_APPEND', 0x20], ['STATX_ATTR_NODUMP', 0x40],
  ['STATX_ATTR_ENCRYPTED', 0x800], ['STATX_ATTR_AUTOMOUNT', 0x1000], ['STATX_ATTR_MOUNT_ROOT', 0x2000],
  ['STATX_ATTR_VERITY', 0x100000], ['STATX_ATTR_DAX', 0x200000],
]);
export const mmapProt = table([
  ['PROT_READ', 1], ['PROT_WRITE', 2], ['PROT_EXEC', 4], ['PROT_SEM', 8], ['PROT_GROWSDOWN', 0x01000000],
  ['PROT_GROWSUP', 0x02000000],
]);
export const mmapTypes = table([['MAP_SHARED', 1], ['MAP_PRIVATE', 2], ['MAP_SHARED_VALIDATE', 3]]);
export const mmapFlags = table([
  ['MAP_FIXED', 0x10], ['MAP_ANONYMOUS', 0x20], ['MAP_32BIT', 0x40], ['MAP_GROWSDOWN', 0x100], ['MAP_DENYWRITE', 0x800],
  ['MAP_EXECUTABLE', 0x1000], ['MAP_LOCKED', 0x2000], ['MAP_NORESERVE', 0x4000], ['MAP_POPULATE', 0x8000],
  ['MAP_NONBLOCK', 0x10000], ['MAP_STACK', 0x20000], ['MAP_HUGETLB', 0x40000], ['MAP_SYNC', 0x80000],
  ['MAP_FIXED_NOREPLACE', 0x100000], ['MAP_UNINITIALIZED', 0x4000000],
]);
export const cloneFlags = table([
  ['CLONE_VM', 0x100], ['CLONE_FS', 0x200], ['CLONE_FILES', 0x400], ['CLONE_SIGHAND', 0x800], ['CLONE_PIDFD', 0x1000],
  ['CLONE_PTRACE', 0x2000], ['CLONE_VFORK', 0x4000], ['CLONE_PARENT', 0x8000], ['CLONE_THREAD', 0x10000],
  ['CLONE_NEWNS', 0x20000], ['CLONE_SYSVSEM', 0x40000], ['CLONE_SETTLS', 0x80000], ['CLONE_PARENT_SETTID', 0x100000],
  ['CLONE_CHILD_CLEARTID', 0x200000], ['CLONE_DETACHED', 0x400000], ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000], ['CLONE_NEWCGROUP', 0x2000000], ['CLONE_NEWUTS', 0x4000000],
  ['CLONE_NEWIPC', 0x8000000], ['CLONE_NEWUSER', 0x10000000], ['CLONE_NEWPID', 0x20000000], ['CLONE_NEWNET', 0x40000000],
  ['CLONE_IO', 0x80000000], ['CLONE_CLEAR_SIGHAND', 0x100000000], ['CLONE_INTO_CGROUP', 0x200000000],
]);
export const sigprocmaskHow = table([['SIG_BLOCK', 0], ['SIG_UNBLOCK', 1], ['SIG_SETMASK', 2]]);
export const saFlags = table([
  ['SA_RESTORER', 0x04000000], ['SA_ONSTACK', 0x08000000], ['SA_RESTART', 0x10000000], ['SA_INTERRUPT', 0x20000000],
  ['SA_NODEFER', 0x40000000], ['SA_RESETHAND', 0x80000000], ['SA_SIGINFO', 4], ['SA_NOCLDSTOP', 1], ['SA_NOCLDWAIT', 2],
]);
export const fcntlCmds = table([
  ['F_DUPFD', 0], ['F_GETFD', 1], ['F_SETFD', 2], ['F_GETFL', 3], ['F_SETFL', 4], ['F_GETLK', 5], ['F_SETLK', 6],
  ['F_SETLKW', 7], ['F_SETOWN', 8], ['F_GETOWN', 9], ['F_SETSIG', 10], ['F_GETSIG', 11], ['F_SETOWN_EX', 15],
  ['F_GETOWN_EX', 16], ['F_OFD_GETLK', 36], ['F_OFD_SETLK', 37], ['F_OFD_SETLKW', 38], ['F_SETLEASE', 1024],
  ['F_GETLEASE', 1025], ['F_NOTIFY', 1026], ['F_DUPFD_CLOEXEC', 1030], ['F_SETPIPE_SZ', 1031], ['F_GETPIPE_SZ', 1032],
  ['F_ADD_SEALS', 1033], ['F_GET_SEALS', 1034],
]);
export const fdFlags = table([['FD_CLOEXEC', 1]]);
export const ioctlCmds = table([
  ['TCGETS', 0x5401], ['TCSETS', 0x5402], ['TCSETSW', 0x5403], ['TCSETSF', 0x5404], ['TCSBRK', 0x5409], ['TCXONC', 0x540a],
  ['TCFLSH', 0x540b], ['TIOCSCTTY', 0x540e], ['TIOCGPGRP', 0x540f], ['TIOCSPGRP', 0x5410], ['TIOCGWINSZ', 0x5413],
  ['TIOCSWINSZ', 0x5414], ['FIONREAD', 0x541b], ['FIONBIO', 0x5421], ['TIOCNOTTY', 0x5422], ['TIOCGSID', 0x5429],
  ['FIONCLEX', 0x5450], ['FIOCLEX', 0x5451], ['FIOASYNC', 0x5452], ['TIOCGPTN', 0x80045430], ['TIOCSPTLCK', 0x40045431],
]);
export const whence = table([['SEEK_SET', 0], ['SEEK_CUR', 1], ['SEEK_END', 2], ['SEEK_DATA', 3], ['SEEK_HOLE', 4]]);
export const madviseAdvice = table([
  ['MADV_NORMAL', 0], ['MADV_RANDOM', 1], ['MADV_SEQUENTIAL', 2], ['MADV_WILLNEED', 3], ['MADV_DONTNEED', 4],
  ['MADV_FREE', 8], ['MADV_REMOVE', 9], ['MADV_DONTFORK', 10], ['MADV_DOFORK', 11], ['MADV_MERGEABLE', 12],
  ['MADV_UNMERGEABLE', 13], ['MADV_HUGEPAGE', 14], ['MADV_NOHUGEPAGE', 15], ['MADV_DONTDUMP', 16], ['MADV_DODUMP', 17],
  ['MADV_WIPEONFORK', 18], ['MADV_KEEPONFORK', 19], ['MADV_COLD', 20], ['MADV_PAGEOUT', 21], ['MADV_POPULATE_READ', 22],
  ['MADV_POPULATE_WRITE', 23], ['MADV_DONTNEED_LOCKED', 24], ['MADV_HWPOISON', 100], ['MADV_SOFT_OFFLINE', 101],
]);
export const fadviseAdvice = table([
  ['POSIX_FADV_NORMAL', 0], ['POSIX_FADV_RANDOM', 1], ['POSIX_FADV_SEQUENTIAL', 2], ['POSIX_FADV_WILLNEED', 3],
  ['POSIX_FADV_DONTNEED', 4], ['POSIX_FADV_NOREUSE', 5],
]);
export const addressFamilies = table([
  ['AF_UNSPEC', 0], ['AF_UNIX', 1], ['AF_INET', 2], ['AF_AX25', 3], ['AF_IPX', 4], ['AF_APPLETALK', 5], ['AF_NETROM', 6],
  ['AF_BRIDGE', 7], ['AF_ATMPVC', 8], ['AF_X25', 9], ['AF_INET6', 10], ['AF_ROSE', 11], ['AF_DECnet', 12],
  ['AF_NETBEUI', 13], ['AF_SECURITY', 14], ['AF_KEY', 15], ['AF_NETLINK', 16], ['AF_PACKET', 17], ['AF_BLUETOOTH', 31],
  ['AF_ALG', 38], ['AF_VSOCK', 40], ['AF_XDP', 44],
]);
export const socketTypes = table([
  ['SOCK_STREAM', 1], ['SOCK_DGRAM', 2], ['SOCK_RAW', 3], ['SOCK_RDM', 4], ['SOCK_SEQPACKET', 5], ['SOCK_DCCP', 6],
  ['SOCK_PACKET', 10],
]);
export const socketTypeFlags = table([['SOCK_CLOEXEC', 0o2000000], ['SOCK_NONBLOCK', 0o4000]]);
export const ipProtocols = table([['IPPROTO_IP', 0], ['IPPROTO_ICMP', 1], ['IPPROTO_TCP', 6], ['IPPROTO_UDP', 17], ['IPPROTO_IPV6', 41], ['IPPROTO_ICMPV6', 58], ['IPPROTO_SCTP', 132], ['IPPROTO_RAW', 255]]);
export const netlinkProtocols = table([['NETLINK_ROUTE', 0], ['NETLINK_AUDIT', 9], ['NETLINK_KOBJECT_UEVENT', 15], ['NETLINK_GENERIC', 16]]);
export const msgFlags = table([
  ['MSG_OOB', 1], ['MSG_PEEK', 2], ['MSG_DONTROUTE', 4], ['MSG_CTRUNC', 8], ['MSG_PROXY', 0x10], ['MSG_TRUNC', 0x20],
  ['MSG_DONTWAIT', 0x40], ['MSG_EOR', 0x80], ['MSG_WAITALL', 0x100], ['MSG_FIN', 0x200], ['MSG_SYN', 0x400],
  ['MSG_CONFIRM', 0x800], ['MSG_RST', 0x1000], ['MSG_ERRQUEUE', 0x2000], ['MSG_NOSIGNAL', 0x4000], ['MSG_MORE', 0x8000],
  ['MSG_WAITFORONE', 0x10000], ['MSG_BATCH', 0x40000], ['MSG_ZEROCOPY', 0x4000000], ['MSG_FASTOPEN', 0x20000000],
  ['MSG_CMSG_CLOEXEC', 0x40000000],
]);
export const shutdownHow = table([['SHUT_RD', 0], ['SHUT_WR', 1], ['SHUT_RDWR', 2]]);
export const sockoptLevels = table([['SOL_IP', 0], ['SOL_SOCKET', 1], ['SOL_TCP', 6], ['SOL_UDP', 17], ['SOL_IPV6', 41], ['SOL_NETLINK', 270]]);
export const socketOptions = table([
  ['SO_DEBUG', 1], ['SO_REUSEADDR', 2], ['SO_TYPE', 3], ['SO_ERROR', 4], ['SO_DONTROUTE', 5], ['SO_BROADCAST', 6],
  ['SO_SNDBUF', 7], ['SO_RCVBUF', 8], ['SO_KEEPALIVE', 9], ['SO_OOBINLINE', 10], ['SO_NO_CHECK', 11], ['SO_PRIORITY', 12],
  ['SO_LINGER', 13], ['SO_BSDCOMPAT', 14], ['SO_REUSEPORT', 15], ['SO_PASSCRED', 16], ['SO_PEERCRED', 17],
  ['SO_RCVLOWAT', 18], ['SO_SNDLOWAT', 19], ['SO_RCVTIMEO_OLD', 20], ['SO_SNDTIMEO_OLD', 21], ['SO_SNDBUFFORCE', 32],
  ['SO_RCVBUFFORCE', 33], ['SO_PROTOCOL', 38], ['SO_DOMAIN', 39],
]);
export const waitOptions = table([
  ['WNOHANG', 1], ['WSTOPPED', 2], ['WEXITED', 4], ['WCONTINUED', 8], ['WNOWAIT', 0x1000000], ['__WNOTHREAD', 0x20000000],
  ['__WALL', 0x40000000], ['__WCLONE', 0x80000000],
]);
export const rusageWho = table([['RUSAGE_SELF', 0], ['RUSAGE_CHILDREN', -1], ['RUSAGE_THREAD', 1]]);
export const rlimitResources = table([
  ['RLIMIT_CPU', 0], ['RLIMIT_FSIZE', 1], ['RLIMIT_DATA', 2], ['RLIMIT_STACK', 3], ['RLIMIT_CORE', 4], ['RLIMIT_RSS', 5],
  ['RLIMIT_NPROC', 6], ['RLIMIT_NOFILE', 7], ['RLIMIT_MEMLOCK', 8], ['RLIMIT_AS', 9], ['RLIMIT_LOCKS', 10],
  ['RLIMIT_SIGPENDING', 11], ['RLIMIT_MSGQUEUE', 12], ['RLIMIT_NICE', 13], ['RLIMIT_RTPRIO', 14], ['RLIMIT_RTTIME', 15],
]);
export const clockIds = table([
  ['CLOCK_REALTIME', 0], ['CLOCK_MONOTONIC', 1], ['CLOCK_PROCESS_CPUTIME_ID', 2], ['CLOCK_THREAD_CPUTIME_ID', 3],
  ['CLOCK_MONOTONIC_RAW', 4], ['CLOCK_REALTIME_COARSE', 5], ['CLOCK_MONOTONIC_COARSE', 6], ['CLOCK_BOOTTIME', 7],
  ['CLOCK_REALTIME_ALARM', 8], ['CLOCK_BOOTTIME_ALARM', 9], ['CLOCK_TAI', 11],
]);
export const timerFlags = table([['TIMER_ABSTIME', 1]]);
export const futexCmds = table([
  ['FUTEX_WAIT', 0], ['FUTEX_WAKE', 1], ['FUTEX_FD', 2], ['FUTEX_REQUEUE', 3], ['FUTEX_CMP_REQUEUE', 4],
  ['FUTEX_WAKE_OP', 5], ['FUTEX_LOCK_PI', 6], ['FUTEX_UNLOCK_PI', 7], ['FUTEX_TRYLOCK_PI', 8], ['FUTEX_WAIT_BITSET', 9],
  ['FUTEX_WAKE_BITSET', 10], ['FUTEX_WAIT_REQUEUE_PI', 11], ['FUTEX_CMP_REQUEUE_PI', 12], ['FUTEX_LOCK_PI2', 13],
]);
export const FUTEX_PRIVATE_FLAG = 128n;
export const FUTEX_CLOCK_REALTIME = 256n;
export const prctlOptions = table([
  ['PR_SET_PDEATHSIG', 1], ['PR_GET_PDEATHSIG', 2], ['PR_GET_DUMPABLE', 3], ['PR_SET_DUMPABLE', 4], ['PR_GET_UNALIGN', 5],
  ['PR_SET_UNALIGN', 6], ['PR_GET_KEEPCAPS', 7], ['PR_SET_KEEPCAPS', 8], ['PR_GET_FPEMU', 9], ['PR_SET_FPEMU', 10],
  ['PR_GET_FPEXC', 11], ['PR_SET_FPEXC', 12], ['PR_GET_TIMING', 13], ['PR_SET_TIMING', 14], ['PR_SET_NAME', 15],
  ['PR_GET_NAME', 16], ['PR_GET_ENDIAN', 19], ['PR_SET_ENDIAN', 20], ['PR_GET_SECCOMP', 21], ['PR_SET_SECCOMP', 22],
  ['PR_CAPBSET_READ', 23], ['PR_CAPBSET_DROP', 24], ['PR_GET_TSC', 25], ['PR_SET_TSC', 26], ['PR_GET_SECUREBITS', 27],
  ['PR_SET_SECUREBITS', 28], ['PR_SET_TIMERSLACK', 29], ['PR_GET_TIMERSLACK', 30], ['PR_TASK_PERF_EVENTS_DISABLE', 31],
  ['PR_TASK_PERF_EVENTS_ENABLE', 32], ['PR_MCE_KILL', 33], ['PR_MCE_KILL_GET', 34], ['PR_SET_MM', 35],
  ['PR_SET_CHILD_SUBREAPER', 36], ['PR_GET_CHILD_SUBREAPER', 37], ['PR_SET_NO_NEW_PRIVS', 38], ['PR_GET_NO_NEW_PRIVS', 39],
  ['PR_GET_TID_ADDRESS', 40], ['PR_SET_THP_DISABLE', 41], ['PR_GET_THP_DISABLE', 42], ['PR_CAP_AMBIENT', 47],
  ['PR_SVE_SET_VL', 50], ['PR_SVE_GET_VL', 51], ['PR_GET_SPECULATION_CTRL', 52], ['PR_SET_SPECULATION_CTRL', 53],
  ['PR_SET_VMA', 0x53564d41], ['PR_SET_PTRACER', 0x59616d61],
]);
export const archPrctlCodes = table([
  ['ARCH_SET_GS', 0x1001], ['ARCH_SET_FS', 0x1002], ['ARCH_GET_FS', 0x1003], ['ARCH_GET_GS', 0x1004],
  ['ARCH_GET_CPUID', 0x1011], ['ARCH_SET_CPUID', 0x1012], ['ARCH_GET_XCOMP_SUPP', 0x1021], ['ARCH_GET_XCOMP_PERM', 0x1022],
  ['ARCH_REQ_XCOMP_PERM', 0x1023], ['ARCH_GET_XCOMP_GUEST_PERM', 0x1024], ['ARCH_REQ_XCOMP_GUEST_PERM', 0x1025],
  ['ARCH_MAP_VDSO_X32', 0x2001], ['ARCH_MAP_VDSO_32', 0x2002], ['ARCH_MAP_VDSO_64', 0x2003],
]);
export const flockOps = table([['LOCK_SH', 1], ['LOCK_EX', 2], ['LOCK_NB', 4], ['LOCK_UN', 8], ['LOCK_MAND', 32]]);
export const epollCtlOps = table([['EPOLL_CTL_ADD', 1], ['EPOLL_CTL_DEL', 2], ['EPOLL_CTL_MOD', 3]]);
export const epollEvents = table([
  ['EPOLLIN', 1], ['EPOLLPRI', 2], ['EPOLLOUT', 4], ['EPOLLERR', 8], ['EPOLLHUP', 0x10], ['EPOLLNVAL', 0x20],
  ['EPOLLRDNORM', 0x40], ['EPOLLRDBAND', 0x80], ['EPOLLWRNORM', 0x100], ['EPOLLWRBAND', 0x200], ['EPOLLMSG', 0x400],
  ['EPOLLRDHUP', 0x2000], ['EPOLLEXCLUSIVE', 1 << 28], ['EPOLLWAKEUP', 1 << 29], ['EPOLLONESHOT', 1 << 30],
  ['EPOLLET', 0x80000000],
]);
export const pollEvents = table([
  ['POLLIN', 1], ['POLLPRI', 2], ['POLLOUT', 4], ['POLLERR', 8], ['POLLHUP', 0x10], ['POLLNVAL', 0x20],
  ['POLLRDNORM', 0x40], ['POLLRDBAND', 0x80], ['POLLWRNORM', 0x100], ['POLLWRBAND', 0x200], ['POLLMSG', 0x400],
  ['POLLRDHUP', 0x2000],
]);
export const epollCreateFlags = table([['EPOLL_CLOEXEC', 0o2000000]]);
export const eventfdFlags = table([['EFD_SEMAPHORE', 1], ['EFD_CLOEXEC', 0o2000000], ['EFD_NONBLOCK', 0o4000]]);
export const timerfdFlags = table([['TFD_CLOEXEC', 0o2000000], ['TFD_NONBLOCK', 0o4000]]);
export const signalfdFlags = table([['SFD_CLOEXEC', 0o2000000], ['SFD_NONBLOCK', 0o4000]]);
export const memfdFlags = table([['MFD_CLOEXEC', 1], ['MFD_ALLOW_SEALING', 2], ['MFD_HUGETLB', 4], ['MFD_NOEXEC_SEAL', 8], ['MFD_EXEC', 0x10]]);
export const getrandomFlags = table([['GRND_NONBLOCK', 1], ['GRND_RANDOM', 2], ['GRND_INSECURE', 4]]);
export const mremapFlags = table([['MREMAP_MAYMOVE', 1], ['MREMAP_FIXED', 2], ['MREMAP_DONTUNMAP', 4]]);
export const msyncFlags = table([['MS_ASYNC', 1], ['MS_INVALIDATE', 2], ['MS_SYNC', 4]]);
export const mlockallFlags = table([['MCL_CURRENT', 1], ['MCL_FUTURE', 2], ['MCL_ONFAULT', 4]]);
export const itimerWhich = table([['ITIMER_REAL', 0], ['ITIMER_VIRTUAL', 1], ['ITIMER_PROF', 2]]);
export const prioWhich = table([['PRIO_PROCESS', 0], ['PRIO_PGRP', 1], ['PRIO_USER', 2]]);
export const schedPolicies = table([
  ['SCHED_OTHER', 0], ['SCHED_FIFO', 1], ['SCHED_RR', 2], ['SCHED_BATCH', 3], ['SCHED_ISO', 4], ['SCHED_IDLE', 5],
  ['SCHED_DEADLINE', 6],
]);
export const renameFlags = table([['RENAME_NOREPLACE', 1], ['RENAME_EXCHANGE', 2], ['RENAME_WHITEOUT', 4]]);
export const closeRangeFlags = table([['CLOSE_RANGE_UNSHARE', 2], ['CLOSE_RANGE_CLOEXEC', 4]]);
export const statxMask = table([
  ['STATX_ALL', 0xfff], ['STATX_BASIC_STATS', 0x7ff], ['STATX_TYPE', 1], ['STATX_MODE', 2], ['STATX_NLINK', 4],
  ['STATX_UID', 8], ['STATX_GID', 0x10], ['STATX_ATIME', 0x20], ['STATX_MTIME', 0x40], ['STATX_CTIME', 0x80],
  ['STATX_INO', 0x100], ['STATX_SIZE', 0x200], ['STATX_BLOCKS', 0x400], ['STATX_BTIME', 0x800], ['STATX_MNT_ID', 0x1000],
  ['STATX_DIOALIGN', 0x2000],
]);
export const inotifyMask = table([
  ['IN_ACCESS', 1], ['IN_MODIFY', 2], ['IN_ATTRIB', 4], ['IN_CLOSE_WRITE', 8], ['IN_CLOSE_NOWRITE', 0x10],
  ['IN_OPEN', 0x20], ['IN_MOVED_FROM', 0x40], ['IN_MOVED_TO', 0x80], ['IN_CREATE', 0x100], ['IN_DELETE', 0x200],
  ['IN_DELETE_SELF', 0x400], ['IN_MOVE_SELF', 0x800], ['IN_UNMOUNT', 0x2000], ['IN_Q_OVERFLOW', 0x4000],
  ['IN_IGNORED', 0x8000], ['IN_ONLYDIR', 0x1000000], ['IN_DONT_FOLLOW', 0x2000000], ['IN_EXCL_UNLINK', 0x4000000],
  ['IN_MASK_CREATE', 0x10000000], ['IN_MASK_ADD', 0x20000000], ['IN_ISDIR', 0x40000000], ['IN_ONESHOT', 0x80000000],
]);
export const ptraceRequests = table([
  ['PTRACE_TRACEME', 0], ['PTRACE_PEEKTEXT', 1], ['PTRACE_PEEKDATA', 2], ['PTRACE_PEEKUSER', 3], ['PTRACE_POKETEXT', 4],
  ['PTRACE_POKEDATA', 5], ['PTRACE_POKEUSER', 6], ['PTRACE_CONT', 7], ['PTRACE_KILL', 8], ['PTRACE_SINGLESTEP', 9],
  ['PTRACE_GETREGS', 12], ['PTRACE_SETREGS', 13], ['PTRACE_GETFPREGS', 14], ['PTRACE_SETFPREGS', 15], ['PTRACE_ATTACH', 16],
  ['PTRACE_DETACH', 17], ['PTRACE_SYSCALL', 24], ['PTRACE_SETOPTIONS', 0x4200], ['PTRACE_GETEVENTMSG', 0x4201],
  ['PTRACE_GETSIGINFO', 0x4202], ['PTRACE_SETSIGINFO', 0x4203], ['PTRACE_GETREGSET', 0x4204], ['PTRACE_SETREGSET', 0x4205],
  ['PTRACE_SEIZE', 0x4206], ['PTRACE_INTERRUPT', 0x4207], ['PTRACE_LISTEN', 0x4208],
]);
export const waitidTypes = table([['P_ALL', 0], ['P_PID', 1], ['P_PGID', 2], ['P_PIDFD', 3]]);
export const fileTypes = table([
  ['S_IFSOCK', 0o140000], ['S_IFLNK', 0o120000], ['S_IFREG', 0o100000], ['S_IFBLK', 0o060000], ['S_IFDIR', 0o040000],
  ['S_IFCHR', 0o020000], ['S_IFIFO', 0o010000],
]);
/** struct termios, as strace 6 prints it. */
export const termiosIflags = table([
  ['IGNBRK', 0o1], ['BRKINT', 0o2], ['IGNPAR', 0o4], ['PARMRK', 0o10], ['INPCK', 0o20], ['ISTRIP', 0o40],
  ['INLCR', 0o100], ['IGNCR', 0o200], ['ICRNL', 0o400], ['IUCLC', 0o1000], ['IXON', 0o2000], ['IXANY', 0o4000],
  ['IXOFF', 0o10000], ['IMAXBEL', 0o20000], ['IUTF8', 0o40000],
]);
export const termiosOflags = table([
  ['OPOST', 0o1], ['OLCUC', 0o2], ['ONLCR', 0o4], ['OCRNL', 0o10], ['ONOCR', 0o20], ['ONLRET', 0o40], ['OFILL', 0o100],
  ['OFDEL', 0o200],
]);
/** c_oflag's delay fields: [mask, names by value]. */
export const termiosDelays: ReadonlyArray<readonly [bigint, ReadonlyArray<readonly [string, bigint]>]> = [
  [0o400n, [['NL0', 0n], ['NL1', 0o400n]]],
  [0o3000n, [['CR0', 0n], ['CR1', 0o1000n], ['CR2', 0o2000n], ['CR3', 0o3000n]]],
  [0o14000n, [['TAB0', 0n], ['TAB1', 0o4000n], ['TAB2', 0o10000n], ['TAB3', 0o14000n]]],
  [0o20000n, [['BS0', 0n], ['BS1', 0o20000n]]],
  [0o40000n, [['VT0', 0n], ['VT1', 0o40000n]]],
  [0o100000n, [['FF0', 0n], ['FF1', 0o100000n]]],
];
export const termiosCsizes = table([['CS5', 0], ['CS6', 0o20], ['CS7', 0o40], ['CS8', 0o60]]);
export const termiosCflags = table([
  ['CSTOPB', 0o100], ['CREAD', 0o200], ['PARENB', 0o400], ['PARODD', 0o1000], ['HUPCL', 0o2000], ['CLOCAL', 0o4000],
  ['CMSPAR', 0o10000000000], ['CRTSCTS', 0o20000000000],
]);
export const termiosLflags = table([
  ['ISIG', 0o1], ['ICANON', 0o2], ['XCASE', 0o4], ['ECHO', 0o10], ['ECHOE', 0o20], ['ECHOK', 0o40], ['ECHONL', 0o100],
  ['NOFLSH', 0o200], ['IEXTEN', 0o100000], ['ECHOCTL', 0o1000], ['ECHOPRT', 0o2000], ['ECHOKE', 0o4000],
  ['FLUSHO', 0o10000], ['PENDIN', 0o40000], ['TOSTOP', 0o400], ['EXTPROC', 0o200000],
]);
export const termiosControlChars = ['VINTR', 'VQUIT', 'VERASE', 'VKILL', 'VEOF', 'VTIME', 'VMIN', 'VSWTC', 'VSTART',
  'VSTOP', 'VSUSP', 'VEOL', 'VREPRINT', 'VDISCARD', 'VWERASE', 'VLNEXT', 'VEOL2'];
export const termiosSpeeds = table([
  ['B0', 0], ['B50', 1], ['B75', 2], ['B110', 3], ['B134', 4], ['B150', 5], ['B200', 6], ['B300', 7], ['B600', 8],
  ['B1200', 9], ['B1800', 10], ['B2400', 11], ['B4800', 12], ['B9600', 13], ['B19200', 14], ['B38400', 15],
  ['B57600', 0o10001], ['B115200', 0o10002], ['B230400', 0o10003], ['B460800', 0o10004],
]);
