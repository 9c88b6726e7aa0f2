/* host_heap.c - where the host's heap lives, and when it is made.
 *
 * mimalloc is the host's malloc (it never calls brk: the program break is
 * the client's). Most execs never allocate on the host's side (a cached
 * image is mapped, a raw plugin needs no heap), and loading mimalloc as the
 * program starts (a library to map and relocate, its set-up, the arena
 * below) cost about 0.3 ms of every exec. So the host defines the malloc
 * family itself (an executable's definitions come first in symbol lookup:
 * libc, ld.so, plugins and libstdc++ all call these) and loads mimalloc at
 * the first call. The dlopen that loads it allocates too: those blocks come
 * from a static bootstrap area and are never freed.
 *
 * Left alone, Debian's mimalloc 2.0.9 places its segments at 2-4 TiB
 * through address hints, inside the shadow memory of AddressSanitizer and
 * ThreadSanitizer, so sanitizer-built clients abort. Before the first host
 * allocation, this hands mimalloc one arena reserved at a kernel-chosen
 * address (NORESERVE: only touched pages cost memory) and forbids it to ask
 * the OS for more. Each allocating thread takes a 32 MiB segment, so the
 * size bounds the host's threads (docs/limitations.md). Configured, not
 * patched. */
#include "host_heap.h"
#include "host_keep.h"
#include "../base/hot_text.h"
#include <dlfcn.h>
#include <errno.h>
#include <mimalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOST_ARENA_SIZE (64ull << 30)
#define SEGMENT_ALIGN (64ull << 20) /* mimalloc arenas start segment-aligned */
#define MIMALLOC_LIBRARY "libmimalloc.so.2"

/* mimalloc's entry points, found by name once it is loaded. */
static struct {
    __typeof__(mi_malloc) *malloc;
    __typeof__(mi_calloc) *calloc;
    __typeof__(mi_realloc) *realloc;
    __typeof__(mi_reallocarray) *reallocarray;
    __typeof__(mi_free) *free;
    __typeof__(mi_memalign) *memalign;
    __typeof__(mi_aligned_alloc) *aligned_alloc;
    __typeof__(mi_posix_memalign) *posix_memalign;
    __typeof__(mi_valloc) *valloc;
    __typeof__(mi_pvalloc) *pvalloc;
    __typeof__(mi_malloc_usable_size) *usable_size;
    __typeof__(mi_manage_os_memory) *manage_os_memory;
    __typeof__(mi_option_enable) *option_enable;
    __typeof__(mi_thread_init) *thread_init;
} mi;

enum { HEAP_NONE, HEAP_LOADING, HEAP_READY };
static int heap_state;
static pid_t loading_tid;

/* ---- the bootstrap area: what dlopen allocates while mimalloc loads ---- */

#define BOOT_HEAD 16
static _Alignas(4096) unsigned char boot_area[64 << 10];
static size_t boot_used;

static int in_boot(const void *p)
{
    return (const unsigned char *)p >= boot_area && (const unsigned char *)p < boot_area + sizeof boot_area;
}

/* size bytes aligned to align (a power of two), zeroed: the area is never
 * reused. The block's size is kept in the 16 bytes before it. */
static void *boot_alloc(size_t size, size_t align)
{
    if (align < BOOT_HEAD)
        align = BOOT_HEAD;
    size_t at = (boot_used + BOOT_HEAD + align - 1) & ~(align - 1);
    if (size > sizeof boot_area || at > sizeof boot_area - size) {
        static const char msg[] = "trapline: the host heap's bootstrap area is full\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    boot_used = at + size;
    *(size_t *)(boot_area + at - BOOT_HEAD) = size;
    return boot_area + at;
}

static size_t boot_size(const void *p)
{
    return *(const size_t *)((const unsigned char *)p - BOOT_HEAD);
}

/* ---- loading mimalloc ---- */

/* One arena for every host allocation, before the first one. */
static void give_arena(void)
{
    uint64_t size = HOST_ARENA_SIZE + SEGMENT_ALIGN;
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return; /* mimalloc falls back to its own OS allocations */
    uint64_t start = ((uint64_t)map + SEGMENT_ALIGN - 1) & ~(SEGMENT_ALIGN - 1);
    if (start > (uint64_t)map)
        munmap(map, start - (uint64_t)map);
    uint64_t end = start + HOST_ARENA_SIZE;
    if ((uint64_t)map + size > end)
        munmap((void *)end, (uint64_t)map + size - end);
    if (mi.manage_os_memory((void *)start, HOST_ARENA_SIZE, true, false, true, -1))
        mi.option_enable(mi_option_limit_os_alloc);
    else
        munmap((void *)start, HOST_ARENA_SIZE);
}

static __attribute__((noreturn)) void cannot_load(const char *why)
{
    char line[512];
    int n = snprintf(line, sizeof line, "trapline: cannot load the host heap (%s): %s\n", MIMALLOC_LIBRARY, why);
    (void)!write(2, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    abort();
}

#define FIND(field, name)                                          \
    do {                                                           \
        if (!(mi.field = (__typeof__(mi.field))dlsym(h, name)))    \
            cannot_load("no " name);                               \
    } while (0)

/* The kernel puts a new mapping right below the lowest one, and the lowest
 * is often the object the rewriter is patching, whose stubs go right below
 * it (src/rewrite/rewrite.c). mimalloc's mappings (the library, the arena,
 * this thread's data) go below a gap held meanwhile. Not a multiple of
 * 2 MiB: the kernel would align it so, away from the lowest mapping. */
#define KEEP_CLEAR ((16ul << 20) - 4096)

static __attribute__((noinline)) void load_mimalloc(void)
{
    void *clear = mmap(NULL, KEEP_CLEAR, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *h = dlopen(MIMALLOC_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        cannot_load(dlerror());
    FIND(malloc, "mi_malloc");
    FIND(calloc, "mi_calloc");
    FIND(realloc, "mi_realloc");
    FIND(reallocarray, "mi_reallocarray");
    FIND(free, "mi_free");
    FIND(memalign, "mi_memalign");
    FIND(aligned_alloc, "mi_aligned_alloc");
    FIND(posix_memalign, "mi_posix_memalign");
    FIND(valloc, "mi_valloc");
    FIND(pvalloc, "mi_pvalloc");
    FIND(usable_size, "mi_malloc_usable_size");
    FIND(manage_os_memory, "mi_manage_os_memory");
    FIND(option_enable, "mi_option_enable");
    FIND(thread_init, "mi_thread_init");
    give_arena();
    mi.thread_init();
    if (clear != MAP_FAILED)
        munmap(clear, KEEP_CLEAR);
}

/* Whether mimalloc serves this call: 1 once it is loaded (loading it if
 * nobody has), 0 for the allocations of the thread loading it. */
static __attribute__((noinline)) int heap_slow(void)
{
    pid_t self = (pid_t)syscall(SYS_gettid);
    int state = __atomic_load_n(&heap_state, __ATOMIC_ACQUIRE);
    if (state == HEAP_LOADING && __atomic_load_n(&loading_tid, __ATOMIC_RELAXED) == self)
        return 0;
    int none = HEAP_NONE;
    if (__atomic_compare_exchange_n(&heap_state, &none, HEAP_LOADING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&loading_tid, self, __ATOMIC_RELAXED);
        load_mimalloc();
        __atomic_store_n(&heap_state, HEAP_READY, __ATOMIC_RELEASE);
        syscall(SYS_futex, &heap_state, 129 /* FUTEX_WAKE_PRIVATE */, INT32_MAX);
        return 1;
    }
    while ((state = __atomic_load_n(&heap_state, __ATOMIC_ACQUIRE)) != HEAP_READY)
        syscall(SYS_futex, &heap_state, 128 /* FUTEX_WAIT_PRIVATE */, state, NULL);
    return 1;
}

static inline int heap(void)
{
    return __builtin_expect(__atomic_load_n(&heap_state, __ATOMIC_ACQUIRE) == HEAP_READY, 1) || heap_slow();
}

void tl_host_heap_load(void)
{
    (void)heap();
}

/* ---- the malloc family (exported: native/Makefile) ---- */

#define EXPORTED __attribute__((visibility("default")))

EXPORTED void *malloc(size_t size)
{
    return heap() ? mi.malloc(size) : boot_alloc(size, 16);
}

EXPORTED void *calloc(size_t n, size_t size)
{
    if (heap())
        return mi.calloc(n, size);
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return boot_alloc(n * size, 16); /* already zero */
}

EXPORTED void free(void *p)
{
    /* Before mimalloc is loaded no block outside the area is ours. */
    if (p && !in_boot(p) && __atomic_load_n(&heap_state, __ATOMIC_ACQUIRE) == HEAP_READY)
        mi.free(p);
}

EXPORTED void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (!in_boot(p))
        return heap() ? mi.realloc(p, size) : NULL;
    void *q = malloc(size);
    if (q)
        memcpy(q, p, boot_size(p) < size ? boot_size(p) : size);
    return q;
}

EXPORTED void *reallocarray(void *p, size_t n, size_t size)
{
    if (p && !in_boot(p))
        return heap() ? mi.reallocarray(p, n, size) : NULL;
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

/* An alignment the bootstrap area can give (a power of two). */
static int boot_align_ok(size_t align)
{
    if (align && !(align & (align - 1)) && align <= 4096)
        return 1;
    errno = EINVAL;
    return 0;
}

EXPORTED void *memalign(size_t align, size_t size)
{
    if (heap())
        return mi.memalign(align, size);
    return boot_align_ok(align) ? boot_alloc(size, align) : NULL;
}

EXPORTED void *aligned_alloc(size_t align, size_t size)
{
    if (heap())
        return mi.aligned_alloc(align, size);
    return boot_align_ok(align) ? boot_alloc(size, align) : NULL;
}

EXPORTED int posix_memalign(void **out, size_t align, size_t size)
{
    if (heap())
        return mi.posix_memalign(out, align, size);
    if (align % sizeof(void *) || !boot_align_ok(align))
        return EINVAL;
    *out = boot_alloc(size, align);
    return 0;
}

EXPORTED void *valloc(size_t size)
{
    return heap() ? mi.valloc(size) : boot_alloc(size, 4096);
}

EXPORTED void *pvalloc(size_t size)
{
    return heap() ? mi.pvalloc(size) : boot_alloc((size + 4095) & ~(size_t)4095, 4096);
}

EXPORTED size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    if (in_boot(p))
        return boot_size(p);
    return heap() ? mi.usable_size(p) : 0;
}

/* Start-up allocations (host_keep.h): host code runs one thread at a time
 * while the image starts, and later calls are rare (an exec's shebang). */
TL_STARTUP_BSS static _Alignas(16) unsigned char keep_area[16384];
TL_STARTUP_DATA static size_t keep_used;

void *tl_keep(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    size_t at = __atomic_fetch_add(&keep_used, size, __ATOMIC_RELAXED);
    if (size <= sizeof keep_area && at <= sizeof keep_area - size)
        return keep_area + at; /* static: already zero */
    return calloc(1, size);
}

char *tl_keep_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tl_keep(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
