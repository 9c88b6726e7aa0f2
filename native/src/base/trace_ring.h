/* trace_ring.h - the memory the capture plugin and the drain share.
 *
 * The drain (`trapline capture`, src/launcher/drain.c) creates one memfd
 * and maps it MAP_SHARED; every traced process maps the same file (the
 * capture plugin opens /proc/DRAINPID/fd/N at init and closes the fd at
 * once, so the client's close()/dup2()/close_range() cannot break it). A
 * fork child inherits the mapping; an exec'd image maps it again.
 *
 *   [struct tl_ring_shm][slot table][tid map][ring 0][ring 1]...
 *
 * Each client thread owns one ring: a single-producer, single-consumer
 * byte ring of trace records (trace_record.h), so records of different
 * threads never interleave and no lock is taken. A thread finds its ring
 * through the tid map (tid -> ring index + 1): tids are unique across the
 * processes of one pid namespace, so one map serves every process (the
 * plugin keeps a private cache of it on its hot page; a ring's `owner`
 * tells a cached ring is still the thread's). The slot table holds each
 * ring's state and owner in a few pages, for claims and the drain's scans.
 *
 * A producer whose ring is full sleeps on the ring's head (a futex) and
 * checks drain_owner each time it wakes: the drain holds it on its robust
 * futex list, so however the drain dies, the kernel marks it. Producers
 * wake a sleeping drain (wake_seq) only for a half-full ring, a full one,
 * or an urgent record (a blocking call's entry, a process' end) at most
 * once a millisecond per ring; otherwise the drain polls.
 *
 * Records in a ring are trace records with two differences: times are raw
 * TSC ticks (the drain converts them, so the hot path never multiplies),
 * and type TL_RING_PAD fills the end of the ring when a record would not
 * fit before it (records never wrap). A record is published by the
 * release-store of `tail` that follows it: that store is the record's
 * commit, so a producer killed half-way leaves nothing the reader could
 * stall on or misread.
 *
 * Ring life: FREE -> CLAIMING -> LIVE (producer, CAS) -> CLOSED (producer,
 * at thread exit) -> FREE (drain, once emptied). A LIVE ring whose owner
 * died without closing it (exit_group, exec, a kill) is freed by the drain
 * when it sees the owner gone.
 *
 * Freestanding: the plugin (no libc) and the drain (no libc) use it. */
#ifndef TRAPLINE_BASE_TRACE_RING_H
#define TRAPLINE_BASE_TRACE_RING_H

#include <stdint.h>
#include "trace_record.h"

#define TL_RING_MAGIC "TLRINGS"   /* 8 bytes with its NUL */
#define TL_RING_VERSION 1
#define TL_RING_PAD 0             /* record type: skip to the ring's end */

enum tl_ring_state {
    TL_RING_FREE = 0,
    TL_RING_CLAIMING = 1,  /* a producer is setting it up */
    TL_RING_LIVE = 2,
    TL_RING_CLOSED = 3,    /* its thread exited: free once drained */
};

/* Set in drain_owner by the kernel when the drain dies (robust futex). */
#define TL_FUTEX_OWNER_DIED 0x40000000u

struct tl_ring_shm {
    char magic[8];
    uint32_t version;
    uint32_t string_limit;    /* -s, also in the stream header */
    uint64_t total_size;      /* bytes of the memfd */
    uint32_t ring_count;
    uint32_t ring_size;       /* data bytes per ring: a power of two */
    uint64_t ring_stride;     /* header + data */
    uint32_t tid_limit;       /* entries in the tid map: pid_max */
    uint32_t flags;           /* TL_TRACE_FILE_* */
    uint64_t slots_offset, tidmap_offset, rings_offset;
    int32_t drain_pid;
    uint32_t unused;
    uint64_t wake_gap;        /* TSC ticks between a ring's urgent wakes */
    /* The first image to start is the one the drain launched: it takes
     * this with a compare-and-swap and marks its IMAGE_START initial. */
    volatile int32_t initial_taken;

    /* Written by the drain. */
    /* The drain's tid, on its robust futex list: if it dies, the kernel
     * sets TL_FUTEX_OWNER_DIED here. Producers test it before waiting. */
    volatile uint32_t drain_owner __attribute__((aligned(64)));
    volatile uint32_t stopped;        /* the output is gone: stop capturing */
    volatile uint32_t drain_sleeping; /* producers wake it by wake_seq */
    volatile uint32_t wake_seq;       /* the futex the drain sleeps on */

    /* Written by producers. */
    volatile uint32_t high_water __attribute__((aligned(64))); /* rings ever claimed */
    volatile uint32_t ring_waiters;   /* threads waiting for a free ring */
    volatile uint32_t free_seq;       /* the futex they wait on (drain bumps it) */
};

struct tl_ring_slot {
    volatile uint32_t state;  /* enum tl_ring_state */
    volatile int32_t pid, tid;
    uint32_t unused;
};

/* Entry times of calls in progress on the ring's thread, keyed by the
 * address of the call's gate structure: nested calls (a signal handler's,
 * during a blocking call) sit lower on the private stack, and an entry at
 * or below a new call's address belongs to a frame that siglongjmp left. */
#define TL_RING_NEST 16
struct tl_ring_pending {
    uint64_t call;
    uint64_t tsc;
};

struct tl_ring {
    /* Written by the drain. Its low 32 bits are the futex a producer
     * waiting for space sleeps on. */
    volatile uint64_t head;
    uint8_t drain_line[56];

    /* Written by the producer (its thread only). */
    volatile uint64_t tail;
    volatile uint32_t waiting;  /* the producer sleeps on head */
    uint32_t depth;             /* entries in pending */
    uint64_t head_seen;         /* head when last read: spares the drain's line */
    uint32_t in_exec;           /* the nr of an execve whose ENTER is out */
    volatile int32_t owner;     /* the tid writing here; 0 once closed */
    uint32_t size;              /* ring_size, here so the hot path reads one page */
    uint32_t unused2;
    uint64_t vdso_tsc;          /* entry of the vDSO call in progress */
    uint64_t last_wake;         /* TSC of this ring's last urgent wake */
    struct tl_ring_pending pending[TL_RING_NEST];
};

#define TL_RING_HEADER 512
_Static_assert(sizeof(struct tl_ring) <= TL_RING_HEADER, "ring header");

static inline struct tl_ring_slot *tl_ring_slots(struct tl_ring_shm *s)
{
    return (struct tl_ring_slot *)((char *)s + s->slots_offset);
}

static inline volatile uint32_t *tl_ring_tidmap(struct tl_ring_shm *s)
{
    return (volatile uint32_t *)((char *)s + s->tidmap_offset);
}

static inline struct tl_ring *tl_ring_at(struct tl_ring_shm *s, uint32_t index)
{
    return (struct tl_ring *)((char *)s + s->rings_offset + index * s->ring_stride);
}

static inline unsigned char *tl_ring_data(struct tl_ring *r)
{
    return (unsigned char *)r + TL_RING_HEADER;
}

/* Size of the shared memory for these parameters, and where its parts go. */
void tl_ring_layout(struct tl_ring_shm *s, uint32_t ring_count, uint32_t ring_size, uint32_t tid_limit);

/* ---- producer side (the capture plugin) ---- */

/* The ring of thread `tid`, or 0 if it has none yet. */
static inline struct tl_ring *tl_ring_of(struct tl_ring_shm *s, int32_t tid)
{
    if ((uint32_t)tid >= s->tid_limit)
        return 0;
    uint32_t i = tl_ring_tidmap(s)[tid];
    if (!i)
        return 0;
    const struct tl_ring_slot *slot = &tl_ring_slots(s)[i - 1];
    /* A thread that died without closing its ring left its tid behind. */
    if (slot->state != TL_RING_LIVE || slot->tid != tid)
        return 0;
    return tl_ring_at(s, i - 1);
}

/* Claims a fresh ring for (pid, tid) and maps tid to it. Waits for the
 * drain to free one when all are taken. 0 if the drain is gone or no ring
 * came free in time. */
struct tl_ring *tl_ring_claim(struct tl_ring_shm *s, int32_t pid, int32_t tid);

/* Closes the thread's ring: the drain frees it once it has read it. */
void tl_ring_close(struct tl_ring_shm *s, struct tl_ring *r, int32_t tid);

/* Makes room for a record of at most `bound` bytes (a multiple of 8, at
 * most ring_size / 2) and returns where to write it; waits while the
 * ring is full. 0 if the drain is gone: the caller stops capturing. */
unsigned char *tl_ring_reserve_slow(struct tl_ring_shm *s, struct tl_ring *r, uint32_t bound);

static inline unsigned char *tl_ring_reserve(struct tl_ring_shm *s, struct tl_ring *r, uint32_t bound)
{
    uint64_t tail = r->tail;
    uint32_t size = r->size, off = (uint32_t)tail & (size - 1);
    /* Fast: fits before the end, and the head last seen leaves room. */
    if (off + bound <= size && tail + bound - r->head_seen <= size)
        return tl_ring_data(r) + off;
    return tl_ring_reserve_slow(s, r, bound);
}

/* Wakes the drain if it sleeps (a futex wake: a system call). */
void tl_ring_wake_drain(struct tl_ring_shm *s);

/* After a commit: wakes a sleeping drain for an urgent record (at most
 * once per wake_gap per ring: the drain polls anyway) or a half-full ring. */
void tl_ring_commit_wake(struct tl_ring_shm *s, struct tl_ring *r, int urgent);

/* Publishes the record just written (`size` bytes, a multiple of 8).
 * `urgent` records (a blocking call's entry, a process exit) wake a
 * sleeping drain; others only once the ring is half full. */
static inline void tl_ring_commit(struct tl_ring_shm *s, struct tl_ring *r, uint32_t size, int urgent)
{
    uint64_t tail = r->tail + size;
    __atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
    /* The drain read these lines a lap ago: ask for them now, so the next
     * records do not wait for them to come back from its core. */
    __asm__ volatile("prefetchw %0" ::"m"(tl_ring_data(r)[(tail + 128) & (r->size - 1)]));
    __asm__ volatile("prefetchw %0" ::"m"(tl_ring_data(r)[(tail + 192) & (r->size - 1)]));
    if (__builtin_expect(urgent || tail - r->head_seen > r->size / 2, 0))
        tl_ring_commit_wake(s, r, urgent);
}

/* True if the drain is gone (died or lost its output). */
static inline int tl_ring_drain_gone(const struct tl_ring_shm *s)
{
    return (s->drain_owner & TL_FUTEX_OWNER_DIED) || s->stopped;
}

/* ---- consumer side (the drain) ---- */

/* The oldest unread record of r before `tail` (a snapshot of r->tail),
 * padding skipped; 0 if none. A record that cannot be one (the client
 * scribbled on the ring) drops the ring's unread bytes and sets *corrupt. */
const struct tl_trace_head *tl_ring_next(struct tl_ring_shm *s, struct tl_ring *r, uint64_t tail, int *corrupt);

/* Marks the record at head as read. */
static inline void tl_ring_consume(struct tl_ring *r, uint32_t size)
{
    __atomic_store_n(&r->head, r->head + size, __ATOMIC_RELEASE);
}

/* After reading from r: wakes its producer if it waits for room. */
void tl_ring_wake_producer(struct tl_ring *r);

/* Frees a ring whose records have all been read, waking threads that wait
 * for one. */
void tl_ring_free(struct tl_ring_shm *s, uint32_t index);

#endif
