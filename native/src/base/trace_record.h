/* trace_record.h - the trace stream: what the `capture` plugin writes and
 * `trapline trace`, `record` and `show` read.
 *
 * This header and src/trace/stream.ts describe the same bytes; change both
 * together and bump TL_TRACE_VERSION. docs/trace-format.md is the prose
 * version for users who read .tltrace files themselves.
 *
 * A stream is one header followed by records. All integers are little-endian
 * (x86-64 native). Every record starts with `struct tl_trace_head`, is
 * `size` bytes long in total and `size` is a multiple of 8, so a reader that
 * does not know a type skips it.
 *
 * Times are CLOCK_MONOTONIC nanoseconds; the header gives the offset to
 * CLOCK_REALTIME so readers can print wall-clock times (-t, -tt, -ttt).
 *
 * Freestanding: the capture plugin (no libc) and the drain use it. */
#ifndef TRAPLINE_BASE_TRACE_RECORD_H
#define TRAPLINE_BASE_TRACE_RECORD_H

#include <stdint.h>

#define TL_TRACE_MAGIC "TLTRACE\0"  /* 8 bytes */
#define TL_TRACE_VERSION 1

/* The stream header (32 bytes). */
struct tl_trace_file_head {
    char magic[8];            /* TL_TRACE_MAGIC */
    uint32_t version;         /* TL_TRACE_VERSION */
    uint32_t head_size;       /* sizeof(struct tl_trace_file_head): skip the rest */
    int64_t realtime_offset;  /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns, at start */
    uint32_t string_limit;    /* -s: the most bytes of a buffer captured */
    uint32_t flags;           /* TL_TRACE_FILE_* */
};

#define TL_TRACE_FILE_VDSO 1u /* vDSO calls were captured */

/* Record types. */
enum tl_trace_type {
    /* A complete system call: entry and exit in one record (the usual case:
     * calls that cannot block are written once, at exit). */
    TL_TRACE_SYSCALL = 1,
    /* The entry of a call that may block, committed before the call is made
     * so a reader shows it live (`read(0, <unfinished ...>`). Its exit comes
     * later as TL_TRACE_SYSCALL_EXIT from the same tid. */
    TL_TRACE_SYSCALL_ENTER = 2,
    TL_TRACE_SYSCALL_EXIT = 3,
    /* A complete vDSO call (clock_gettime, ...). */
    TL_TRACE_VDSO = 4,
    /* A process image ended: exit_group, last thread's exit, or a signal. */
    TL_TRACE_PROCESS_EXIT = 5,
    /* A process image started: the first record of every image (after
     * `trapline run` and after each exec it follows). */
    TL_TRACE_IMAGE_START = 6,
    /* A signal about to run the client's handler (strace's `--- SIG ---`). */
    TL_TRACE_SIGNAL = 7,
};

/* Every record begins with this (24 bytes). */
struct tl_trace_head {
    uint32_t size;   /* whole record, header included; multiple of 8 */
    uint16_t type;   /* enum tl_trace_type */
    uint16_t flags;  /* per type; 0 unless stated */
    int32_t pid;
    int32_t tid;
    uint64_t time;   /* monotonic ns: entry time for calls, else event time */
};

/* TL_TRACE_SYSCALL: head, this body, then blobs. */
struct tl_trace_syscall {
    int64_t nr;
    int64_t args[6];
    int64_t result;     /* kernel result, -errno on failure */
    uint64_t exit_time; /* monotonic ns */
};

/* TL_TRACE_SYSCALL_ENTER: head, this body, then the entry-side blobs. */
struct tl_trace_syscall_enter {
    int64_t nr;
    int64_t args[6];
};

/* TL_TRACE_SYSCALL_EXIT: head (time = exit time), this body, then the
 * exit-side blobs. */
struct tl_trace_syscall_exit {
    int64_t nr;
    int64_t result;
};

/* TL_TRACE_VDSO: head, this body, then blobs (arg = vDSO argument index). */
struct tl_trace_vdso {
    int64_t fn;         /* enum trapline_vdso_fn */
    int64_t args[5];
    int64_t result;
    uint64_t exit_time;
};

/* TL_TRACE_PROCESS_EXIT. */
struct tl_trace_process_exit {
    int32_t status;     /* exit status (0-255) when signal is 0 */
    int32_t signal;     /* terminating signal, or 0 */
};

/* TL_TRACE_IMAGE_START: head, this body, then blobs: arg 0 = the program's
 * path, arg 1 = argv (TL_TRACE_BLOB_STRVEC). flags: TL_TRACE_IMAGE_INITIAL
 * when started by trapline itself rather than by a client exec. */
struct tl_trace_image_start {
    int32_t ppid;
    int32_t reserved;
};
#define TL_TRACE_IMAGE_INITIAL 1u

/* TL_TRACE_SIGNAL: head, this body, then one blob (arg 0): the siginfo_t
 * the handler gets (128 bytes). */
struct tl_trace_signal {
    int32_t signo;
    int32_t reserved;
};

/* Memory a pointer argument referred to, captured at entry or exit. Blobs
 * follow a call record's body in any order; each is 8-byte aligned. */
struct tl_trace_blob {
    uint8_t arg;        /* argument index 0-5 */
    uint8_t flags;      /* TL_TRACE_BLOB_* */
    uint16_t reserved;
    uint32_t len;       /* bytes that follow (then padding to 8) */
};

#define TL_TRACE_BLOB_EXIT 0x01      /* captured after the call (else before) */
#define TL_TRACE_BLOB_TRUNCATED 0x02 /* more bytes existed than were kept */
#define TL_TRACE_BLOB_FAULT 0x04     /* unreadable: len is 0 */
#define TL_TRACE_BLOB_STRVEC 0x08    /* NUL-terminated strings back to back
                                        (argv/envp); TRUNCATED if cut short */
#define TL_TRACE_BLOB_COUNT 0x10     /* an 8-byte count instead of contents
                                        (envp: number of variables) */
#define TL_TRACE_BLOB_IOVEC 0x20     /* struct tl_trace_iov elements, each
                                        followed by the bytes it points to
                                        (readv, writev); TRUNCATED if not
                                        every element is there */

/* One element of an IOVEC blob: the iovec, then `kept` bytes of what it
 * points to (padded to 8). */
struct tl_trace_iov {
    uint64_t base, len; /* the struct iovec */
    uint32_t kept;      /* bytes that follow */
    uint32_t flags;     /* TL_TRACE_IOV_FAULT */
};
#define TL_TRACE_IOV_FAULT 1 /* base was unreadable: kept is 0 */

#endif
