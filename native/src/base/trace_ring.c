/* trace_ring.c - the slow paths of the ring protocol (trace_ring.h): both
 * sides of it live here, so the rules each side relies on sit together. */
#include "trace_ring.h"
#include "sys.h"
#include "hot_text.h"

#define NR_futex 202
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define WAIT_NS 100000000L         /* a waiting producer re-checks the drain */
#define CLAIM_PATIENCE 50          /* x WAIT_NS: then the thread goes untraced */

struct timespec_ {
    long sec, nsec;
};

static void futex_wait(volatile uint32_t *word, uint32_t expect, long ns)
{
    struct timespec_ t = { ns / 1000000000L, ns % 1000000000L };
    tl_sys4(NR_futex, (long)word, FUTEX_WAIT, expect, (long)&t);
}

static void futex_wake(volatile uint32_t *word)
{
    tl_sys3(NR_futex, (long)word, FUTEX_WAKE, 0x7fffffff);
}

void tl_ring_layout(struct tl_ring_shm *s, uint32_t ring_count, uint32_t ring_size, uint32_t tid_limit)
{
    uint64_t at = (sizeof *s + 4095) & ~4095ull;
    s->ring_count = ring_count;
    s->ring_size = ring_size;
    s->ring_stride = TL_RING_HEADER + ring_size;
    s->tid_limit = tid_limit;
    s->slots_offset = at;
    at = (at + ring_count * sizeof(struct tl_ring_slot) + 4095) & ~4095ull;
    s->tidmap_offset = at;
    at = (at + tid_limit * sizeof(uint32_t) + 4095) & ~4095ull;
    s->rings_offset = at;
    s->total_size = at + (uint64_t)ring_count * s->ring_stride;
}

/* Wakes the drain whether or not it sleeps: a waiting producer needs it. */
static void kick_drain(struct tl_ring_shm *s)
{
    __atomic_store_n(&s->drain_sleeping, 0, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->wake_seq, 1, __ATOMIC_SEQ_CST);
    futex_wake(&s->wake_seq);
}

void tl_ring_wake_drain(struct tl_ring_shm *s)
{
    if (__atomic_exchange_n(&s->drain_sleeping, 0, __ATOMIC_SEQ_CST))
        kick_drain(s);
}

TL_WARM void tl_ring_commit_wake(struct tl_ring_shm *s, struct tl_ring *r, int urgent)
{
    uint64_t tail = r->tail;
    r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    if (urgent && !(tail - r->head_seen > s->ring_size / 2)) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        uint64_t now = ((uint64_t)hi << 32) | lo;
        if (now - r->last_wake < s->wake_gap)
            return;
        r->last_wake = now;
    } else if (!(tail - r->head_seen > s->ring_size / 2)) {
        return;
    }
    /* Pairs with the drain's fence between announcing its sleep and its
     * last look at the rings. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (s->drain_sleeping)
        tl_ring_wake_drain(s);
}

static int take_free_ring(struct tl_ring_shm *s)
{
    struct tl_ring_slot *slots = tl_ring_slots(s);
    for (uint32_t i = 0; i < s->ring_count; i++) {
        uint32_t free_ = TL_RING_FREE;
        if (slots[i].state == TL_RING_FREE &&
            __atomic_compare_exchange_n(&slots[i].state, &free_, TL_RING_CLAIMING, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return (int)i;
    }
    return -1;
}

struct tl_ring *tl_ring_claim(struct tl_ring_shm *s, int32_t pid, int32_t tid)
{
    if ((uint32_t)tid >= s->tid_limit)
        return 0;
    int i;
    for (int tries = 0; (i = take_free_ring(s)) < 0; tries++) {
        /* All rings hold unread records or belong to live threads: the
         * drain frees some as it reads. */
        if (tl_ring_drain_gone(s) || tries == CLAIM_PATIENCE)
            return 0;
        uint32_t seq = s->free_seq;
        __atomic_add_fetch(&s->ring_waiters, 1, __ATOMIC_SEQ_CST);
        kick_drain(s);
        futex_wait(&s->free_seq, seq, WAIT_NS);
        __atomic_sub_fetch(&s->ring_waiters, 1, __ATOMIC_SEQ_CST);
    }
    struct tl_ring_slot *slot = &tl_ring_slots(s)[i];
    struct tl_ring *r = tl_ring_at(s, (uint32_t)i);
    /* A freed ring is empty: head == tail, both kept running. */
    r->head_seen = r->head;
    r->size = s->ring_size;
    r->waiting = 0;
    r->depth = 0;
    r->in_exec = 0;
    r->owner = tid;
    slot->pid = pid;
    slot->tid = tid;
    tl_ring_tidmap(s)[tid] = (uint32_t)i + 1;
    uint32_t hw = s->high_water;
    while (hw < (uint32_t)i + 1 &&
           !__atomic_compare_exchange_n(&s->high_water, &hw, (uint32_t)i + 1, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
        ;
    __atomic_store_n(&slot->state, TL_RING_LIVE, __ATOMIC_RELEASE);
    return r;
}

static uint32_t index_of(struct tl_ring_shm *s, struct tl_ring *r)
{
    return (uint32_t)(((char *)r - ((char *)s + s->rings_offset)) / s->ring_stride);
}

void tl_ring_close(struct tl_ring_shm *s, struct tl_ring *r, int32_t tid)
{
    uint32_t i = index_of(s, r);
    uint32_t mine = i + 1;
    r->owner = 0;
    __atomic_compare_exchange_n(&tl_ring_tidmap(s)[tid], &mine, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    __atomic_store_n(&tl_ring_slots(s)[i].state, TL_RING_CLOSED, __ATOMIC_RELEASE);
}

/* Sleeps until the drain moves head past `head`; 0 if the drain is gone. */
static int wait_for_space(struct tl_ring_shm *s, struct tl_ring *r, uint64_t head)
{
    if (tl_ring_drain_gone(s))
        return 0;
    r->waiting = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ((uint32_t)r->head == (uint32_t)head) {
        kick_drain(s);
        futex_wait((volatile uint32_t *)&r->head, (uint32_t)head, WAIT_NS);
    }
    r->waiting = 0;
    return !tl_ring_drain_gone(s);
}

TL_WARM unsigned char *tl_ring_reserve_slow(struct tl_ring_shm *s, struct tl_ring *r, uint32_t bound)
{
    uint32_t size = s->ring_size, mask = size - 1;
    for (;;) {
        uint64_t tail = r->tail;
        uint32_t off = (uint32_t)tail & mask;
        uint32_t pad = off + bound > size ? size - off : 0;
        uint64_t head = r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        if (tail + pad + bound - head <= size) {
            if (pad) {
                /* Records never wrap: skip to the start. */
                struct tl_trace_head *h = (struct tl_trace_head *)(tl_ring_data(r) + off);
                h->size = pad;
                h->type = TL_RING_PAD;
                __atomic_store_n(&r->tail, tail + pad, __ATOMIC_RELEASE);
            }
            return tl_ring_data(r) + ((uint32_t)(tail + pad) & mask);
        }
        if (!wait_for_space(s, r, head))
            return 0;
    }
}

void tl_ring_free(struct tl_ring_shm *s, uint32_t index)
{
    struct tl_ring_slot *slot = &tl_ring_slots(s)[index];
    slot->pid = 0;
    slot->tid = 0;
    __atomic_store_n(&slot->state, TL_RING_FREE, __ATOMIC_RELEASE);
    if (s->ring_waiters) {
        __atomic_add_fetch(&s->free_seq, 1, __ATOMIC_SEQ_CST);
        futex_wake(&s->free_seq);
    }
}

const struct tl_trace_head *tl_ring_next(struct tl_ring_shm *s, struct tl_ring *r, uint64_t tail, int *corrupt)
{
    uint32_t mask = s->ring_size - 1;
    while (r->head < tail) {
        uint32_t off = (uint32_t)r->head & mask;
        const struct tl_trace_head *h = (const struct tl_trace_head *)(tl_ring_data(r) + off);
        uint32_t size = h->size;
        /* The client can write this memory: never trust a size. */
        if (size < 8 || (size & 7) || off + size > s->ring_size || size > tail - r->head ||
            (h->type != TL_RING_PAD && size < sizeof *h)) {
            *corrupt = 1;
            __atomic_store_n(&r->head, tail, __ATOMIC_RELEASE);
            return 0;
        }
        if (h->type != TL_RING_PAD)
            return h;
        __atomic_store_n(&r->head, r->head + size, __ATOMIC_RELEASE);
    }
    return 0;
}

void tl_ring_wake_producer(struct tl_ring *r)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (r->waiting)
        futex_wake((volatile uint32_t *)&r->head);
}
