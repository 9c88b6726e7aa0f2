/* special_calls.c - system calls the gate handles itself.
 *
 * Some calls cannot simply be passed on: rt_sigreturn must run on the
 * client's stack with the gate frame popped; a fork child must learn its new
 * pid; exec replaces the image (plugins see the end of it); executable file
 * mappings must be rewritten as they appear; /proc/self/exe must name the
 * client, not trapline; %gs belongs to the gate. */
#include "gate.h"
#include "../base/sys.h"
#include "../base/mem.h"
#include "signals.h"
#include "site_map.h"

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_SETTLS 0x80000
#define CLONE_THREAD 0x10000
#define PROT_EXEC 4
#define MAP_TYPE 0x0f
#define MAP_PRIVATE 2

enum {
    SP_NONE, SP_SIGRETURN, SP_EXIT, SP_EXIT_GROUP, SP_FORK, SP_EXEC,
    SP_ARCH_PRCTL, SP_MMAP, SP_MPROTECT, SP_PATH, SP_ANSWERED, SP_SIGACTION,
    SP_SIGPROCMASK, SP_SIGALTSTACK, SP_SIGPENDING, SP_TEMPORARY_MASK, SP_THREAD, SP_REFUSE,
};

#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20
#define MAP_FIXED_NOREPLACE_ 0x100000

/* The stubs and the thread areas: the client must not unmap or replace
 * them (it never mapped them; a client that asks is mistaken about its
 * own memory). */
static int trapline_memory(uint64_t addr, uint64_t len)
{
    return len && (tl_site_map_overlaps_stubs(addr, len) || tl_threads_overlap(addr, len));
}

/* madvise advice that discards memory contents. */
static int is_destructive_advice(uint64_t advice)
{
    return advice == 4 /* DONTNEED */ || advice == 8 /* FREE */ || advice == 9 /* REMOVE */ ||
           advice == 10 /* DONTFORK */ || advice == 18 /* WIPEONFORK */;
}

static void set_bit(uint64_t *m, unsigned nr) { m[nr >> 6] |= 1ull << (nr & 63); }

void tl_special_init(struct tl_dispatch *d)
{
    static const unsigned short nrs[] = {
        TL_NR_rt_sigreturn, TL_NR_exit, TL_NR_exit_group, TL_NR_clone, TL_NR_clone3,
        TL_NR_fork, TL_NR_vfork, TL_NR_execve, TL_NR_execveat, TL_NR_arch_prctl,
        TL_NR_mmap, TL_NR_mprotect, TL_NR_readlink, TL_NR_readlinkat, TL_NR_open,
        TL_NR_openat, TL_NR_stat, TL_NR_lstat, TL_NR_newfstatat, TL_NR_statx,
        TL_NR_access, TL_NR_faccessat, TL_NR_faccessat2, TL_NR_rt_sigaction,
        TL_NR_rt_sigprocmask, TL_NR_sigaltstack, TL_NR_rt_sigpending, TL_NR_rt_sigsuspend,
        TL_NR_ppoll, TL_NR_pselect6, TL_NR_epoll_pwait, TL_NR_epoll_pwait2, TL_NR_munmap,
        TL_NR_mremap, TL_NR_madvise,
    };
    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++)
        set_bit(d->internal, nrs[i]);
}

/* Decides whether f needs the gate's own handling; may edit f. */
int tl_special_before(struct tl_frame *f, struct tl_special *sp)
{
    sp->kind = SP_NONE;
    sp->new_sp = 0;
    sp->tls = 0;
    sp->clone_flags = 0;
    switch (f->rax) {
    case TL_NR_rt_sigreturn:
        sp->kind = SP_SIGRETURN;
        return 1;
    case TL_NR_rt_sigaction:
        sp->kind = SP_SIGACTION;
        return 1;
    case TL_NR_rt_sigprocmask:
        sp->kind = SP_SIGPROCMASK;
        return 1;
    case TL_NR_sigaltstack:
        sp->kind = SP_SIGALTSTACK;
        return 1;
    case TL_NR_rt_sigpending:
        sp->kind = SP_SIGPENDING;
        return 1;
    case TL_NR_rt_sigsuspend:
    case TL_NR_ppoll:
    case TL_NR_pselect6:
    case TL_NR_epoll_pwait:
    case TL_NR_epoll_pwait2:
        sp->kind = SP_TEMPORARY_MASK;
        return 1;
    case TL_NR_exit:
        sp->kind = SP_EXIT;
        return 1;
    case TL_NR_exit_group:
        sp->kind = SP_EXIT_GROUP;
        return 1;
    case TL_NR_vfork:
        /* A real vfork: the child runs on the parent's stack in shared
         * memory, with a thread block of its own. */
        sp->kind = SP_THREAD;
        sp->new_sp = 0;
        sp->clone_flags = CLONE_VM | CLONE_VFORK;
        return 1;
    case TL_NR_fork:
        sp->kind = SP_FORK;
        return 1;
    case TL_NR_clone:
        sp->kind = (f->rdi & (CLONE_VM | CLONE_THREAD)) ? SP_THREAD : SP_FORK;
        sp->new_sp = f->rsi;
        sp->clone_flags = f->rdi;
        sp->tls = f->r8;
        return 1;
    case TL_NR_clone3: {
        uint64_t ca[8];
        if (f->rsi < 64 || tl_copy_from_client(ca, (const void *)f->rdi, sizeof ca))
            return 0; /* the kernel answers EINVAL/EFAULT itself */
        sp->kind = (ca[0] & (CLONE_VM | CLONE_THREAD)) ? SP_THREAD : SP_FORK;
        sp->new_sp = ca[5] ? ca[5] + ca[6] : 0;
        sp->clone_flags = ca[0];
        sp->tls = ca[7];
        return 1;
    }
    case TL_NR_execve:
    case TL_NR_execveat:
        sp->kind = SP_EXEC;
        return 1;
    case TL_NR_arch_prctl:
        if (f->rdi == TL_ARCH_SET_GS)
            tl_gate_die("the client sets %gs, which trapline owns",
                        "programs that use %gs are not supported", 70);
        sp->kind = SP_ARCH_PRCTL;
        return f->rdi == TL_ARCH_SET_FS;
    case TL_NR_mmap:
        if ((f->r10 & (MAP_FIXED_ | MAP_FIXED_NOREPLACE_)) && trapline_memory(f->rdi, f->rsi)) {
            sp->kind = SP_REFUSE; /* would replace trapline's own memory */
            f->rax = (uint64_t)-12; /* ENOMEM */
            return 1;
        }
        if (!(f->rdx & PROT_EXEC) || (long)f->r8 < 0 || (f->r10 & (MAP_TYPE | MAP_ANONYMOUS_)) != MAP_PRIVATE)
            return 0; /* anonymous code has no file to plan from: the backstop catches its calls */
        sp->kind = SP_MMAP;
        return 1;
    case TL_NR_munmap:
    case TL_NR_mremap:
    case TL_NR_madvise:
        if ((f->rax != TL_NR_madvise || is_destructive_advice(f->rdx)) && trapline_memory(f->rdi, f->rsi)) {
            sp->kind = SP_REFUSE;
            f->rax = (uint64_t)-22; /* EINVAL: not the client's memory */
            return 1;
        }
        return 0;
    case TL_NR_mprotect:
        if (!(f->rdx & PROT_EXEC))
            return 0;
        sp->kind = SP_MPROTECT;
        return 1;
    default: {
        int idx = tl_proc_self_check(f);
        if (idx == -1)
            return 0;
        if (idx == -2) {
            sp->kind = SP_ANSWERED;
            return 1;
        }
        /* The client's own pointer comes back after the call with all its
         * arguments (tl_gate_dispatch restores them). */
        sp->kind = SP_PATH;
        *(idx == 0 ? &f->rdi : &f->rsi) = (uint64_t)tl_gate.exe_path;
        return 1;
    }
    }
}

struct rewrite_args {
    uint64_t addr, len, offset;
    int fd, prot;
};

static void host_rewrite(void *p)
{
    struct rewrite_args *a = p;
    tl_gate.host.rewrite_mapping(a->addr, a->len, a->fd, a->offset, a->prot);
}

static void fork_child(struct tl_thread_block *tb)
{
    tl_signals_fork_child(tb);
    tb->pid = (int32_t)tl_getpid();
    tb->tid = (int32_t)tl_gettid();
    tb->process->pid = tb->pid;
    tb->process->exited = 0;
    tb->process->live_threads = 1; /* only the forking thread survives */
    tl_threads_fork_child(tb);
    tl_host_fork_child(tb);
    tl_hooks_fork_child(tb);
}

static void host_exec(void *p)
{
    tl_gate.host.exec(p);
}

static int exec_call(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct tl_exec_request rq = { (long)f->rax, { (long)f->rdi, (long)f->rsi, (long)f->rdx,
                                  (long)f->r10, (long)f->r8 }, 0, 0, tl_signals_client_mask(tb),
                                  0, 0, 0, 0 };
    tl_gate_call_host(host_exec, &rq);
    if (rq.native == TL_EXEC_VIA_TRAPLINE) {
        if (rq.result == 0) {
            /* The image ends here: plugins see it, then trapline-exec runs
             * the target under a new launch record. */
            tl_gate_process_exit(0, 0);
            tl_hooks_exec(tb, rq.exec_target);
            rq.result = tl_sys3(TL_NR_execve, (long)rq.exec_path, (long)rq.exec_argv, (long)rq.exec_env);
            tb->process->exited = 0;
        }
        f->rax = (uint64_t)rq.result;
        return 1;
    }
    /* The image ends here if the native exec succeeds, and the program
     * inherits the client's mask exactly, trapline's few signals included. */
    uint64_t mask = rq.client_mask, real;
    if (rq.native == TL_EXEC_NATIVE_RUNS) {
        tl_gate_process_exit(0, 0);
        tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&mask, (long)&real, 8);
    }
    int made = tl_gate_real_call_hooked(tb, f);
    if (rq.native == TL_EXEC_NATIVE_RUNS)
        tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&real, 0, 8);
    tb->process->exited = 0;
    return made;
}

int tl_special_call(struct tl_thread_block *tb, struct tl_frame *f, struct tl_special *sp)
{
    switch (sp->kind) {
    case SP_SIGRETURN:
        tl_signals_sigreturn(tb, f);
        tb->inside = 0;
        tb->state = TL_STATE_CLIENT;
        tb->may_deliver = 0;
        tl_gate_sigreturn(f);
    case SP_EXIT:
        tl_threads_exit(tb, f); /* does not return */
    case SP_EXIT_GROUP:
        tl_signals_block_all();
        tl_gate_process_exit((int)(f->rdi & 0xff), 0);
        /* A CLONE_VM child process's companion is a thread of its parent. */
        if (tb->process == &((struct tl_thread_area *)tb->area)->own_process)
            tl_host_thread_exit(tb);
        tb->state = TL_STATE_EXITING;
        tl_gate_real_call_nocheck(f);
        return 1;
    case SP_THREAD:
        return tl_threads_clone(tb, f, sp->clone_flags, sp->tls);
    case SP_FORK: {
        /* No host code runs anywhere while the address space is copied. */
        tl_host_barrier_lock();
        int made = tl_gate_real_call_hooked(tb, f);
        /* Each side now copies every page it writes: the gate's state and
         * the signal state (the child resets it, the parent's SIGCHLD
         * comes) in two calls rather than two faults. */
        tl_populate_write(&tl_gate, 4096);
        tl_thread_area_prefault(tb->area, 1);
        tl_host_barrier_unlock();
        if (!made)
            return 0;
        if (f->rax == 0) {
            if (sp->clone_flags & CLONE_SETTLS)
                tb->client_fs = sp->tls;
            fork_child(tb);
            if (sp->new_sp)
                f->rsp = sp->new_sp;
        } else if ((long)f->rax > 0) {
            tl_hooks_fork_parent(tb, (int32_t)f->rax);
        }
        return 1;
    }
    case SP_EXEC:
        return exec_call(tb, f);
    case SP_ARCH_PRCTL:
        tl_gate_real_call_nocheck(f);
        if (f->rax == 0)
            tb->client_fs = f->rsi;
        return 1;
    case SP_MMAP:
    case SP_MPROTECT: {
        tl_gate_real_call_nocheck(f);
        if (tl_is_err(f->rax))
            return 1;
        struct rewrite_args a;
        a.addr = sp->kind == SP_MMAP ? f->rax : f->rdi;
        a.len = f->rsi;
        a.fd = sp->kind == SP_MMAP ? (int)f->r8 : -1;
        a.offset = sp->kind == SP_MMAP ? f->r9 : 0;
        a.prot = sp->kind == SP_MMAP ? (int)f->rdx : -1;
        tl_gate_call_host(host_rewrite, &a);
        return 1;
    }
    case SP_PATH:
        return tl_gate_real_call_hooked(tb, f);
    case SP_ANSWERED:
    case SP_REFUSE:
        return 1;
    case SP_SIGACTION:
        tl_signals_sigaction(tb, f);
        return 1;
    case SP_SIGPROCMASK:
        tl_signals_sigprocmask(tb, f);
        return 1;
    case SP_SIGALTSTACK:
        tl_signals_sigaltstack(tb, f);
        return 1;
    case SP_SIGPENDING:
        tl_signals_sigpending(tb, f);
        return 1;
    case SP_TEMPORARY_MASK:
        return tl_signals_temporary_mask_call(tb, f);
    default:
        return tl_gate_real_call_hooked(tb, f);
    }
}
