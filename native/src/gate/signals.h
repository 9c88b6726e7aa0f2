/* signals.h - trapline owns every signal handler (DESIGN §3).
 *
 * The kernel-level handlers and alternate stack are trapline's. The client's
 * sigaction, sigprocmask and sigaltstack are virtual; a signal for the
 * client is delivered by building the frame the kernel would have built, on
 * the client's stack or its virtual alternate stack, and resuming in its
 * handler; when the thread is inside trapline the signal waits for the next
 * point where the client can see it. */
#ifndef TRAPLINE_GATE_SIGNALS_H
#define TRAPLINE_GATE_SIGNALS_H

#include "gate.h"

/* Process start: take over every handler, arm Syscall User Dispatch.
 * `blocked` is the client's mask as inherited (the launch record). */
void tl_signals_init(struct tl_thread_block *tb, uint64_t blocked, int debug);

/* Enters client code for the first time: the SUD selector starts trapping. */
void tl_signals_enter_client(struct tl_thread_block *tb);

/* A new thread, on its own block: its kernel altstack, SUD, its mask. */
void tl_signals_thread_start(struct tl_thread_block *tb);

/* After fork, in the child: SUD is not inherited, nothing is pending. */
void tl_signals_fork_child(struct tl_thread_block *tb);

/* A signal is held and the client could take it now. */
int tl_signals_deliverable(const struct tl_thread_block *tb);

/* Delivers the first deliverable held signal from the gate, as if the
 * client were at `view_rip` with frame f's registers (rax and rcx as
 * given): f is changed to exit into the client's handler. Returns 1 if it
 * did, 0 if nothing could be delivered. */
int tl_signals_deliver_from_gate(struct tl_thread_block *tb, struct tl_frame *f, uint64_t view_rip,
                                 uint64_t view_rax, uint64_t view_rcx);

/* Arms single-stepping so held signals are delivered as soon as the thread
 * is back in client code (the vDSO path's way out). */
void tl_signals_step_to_client(struct tl_thread_block *tb);

/* The client's signal calls, emulated; each handles the whole call. */
void tl_signals_sigaction(struct tl_thread_block *tb, struct tl_frame *f);
void tl_signals_sigprocmask(struct tl_thread_block *tb, struct tl_frame *f);
void tl_signals_sigaltstack(struct tl_thread_block *tb, struct tl_frame *f);
void tl_signals_sigpending(struct tl_thread_block *tb, struct tl_frame *f);
/* Calls that wait with a temporary mask: sigsuspend, ppoll, pselect6,
 * epoll_pwait(2). Returns 0 if abandoned for a signal (see
 * tl_gate_real_call_hooked), else 1. */
int tl_signals_temporary_mask_call(struct tl_thread_block *tb, struct tl_frame *f);
/* After the gate's last chance to deliver: the client's own mask is back. */
static inline void tl_signals_restore_mask(struct tl_thread_block *tb)
{
    if (__builtin_expect(tb->restore_pending, 0)) {
        tb->signals->client_mask = tb->signals->restore_mask;
        tb->restore_pending = 0;
    }
}

/* Prepares the client's frame for rt_sigreturn (masks, stacks, windows). */
void tl_signals_sigreturn(struct tl_thread_block *tb, struct tl_frame *f);

/* The mask to carry across exec (the client's, in full). */
uint64_t tl_signals_client_mask(const struct tl_thread_block *tb);

/* The exit path: block every signal (a constant set). */
void tl_signals_block_all(void);

#endif
