/* main.c - trapline-exec: the native launcher and host.
 *
 * Started by the `trapline` command (stage 1, src/launcher/) with the launch record
 * in TRAPLINE_LAUNCH: start the plugins, map the client and its
 * interpreter, rewrite them, route the vDSO, and jump to the client. Every
 * exec the client makes comes back here with a new record. */
#include "../base/launch_record.h"
#include "plugins.h"
#include "companion.h"
#include "host_keep.h"
#include "../base/sys.h"
#include "../base/hot_text.h"
#include "../base/strbuf.h"
#include "../base/thread_block.h"
#include "../gate/gate.h"
#include "../gate/signals.h"
#include <signal.h>
#include "../loader/loader.h"
#include "../rewrite/rewrite.h"
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

void tl_vdso_setup(void);
void tl_exec_setup(const struct tl_launch_record *rec);

static __attribute__((noreturn)) void die(int status, const char *fmt, const char *a)
{
    fprintf(stderr, "trapline: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(status);
}

/* Started without a launch record: `trapline run`, beside us, does stage 1. */
static int hand_to_launcher(char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n <= 0)
        die(1, "%s", "cannot find trapline-exec itself");
    self[n] = 0;
    strcpy(strrchr(self, '/') + 1, "trapline");
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **args = malloc((argc + 2) * sizeof *args);
    args[0] = self;
    args[1] = "run";
    memcpy(args + 2, argv + 1, argc * sizeof *args);
    execv(self, args);
    die(1, "cannot execute trapline: %s", strerror(errno));
}

static struct tl_thread_area main_area __attribute__((aligned(4096)));

static void gate_setup(void)
{
    unsigned a, b, c, d;
    tl_gate.pid = (int32_t)getpid();
    /* XSAVE area size and mask: everything XCR0 enables. */
    __cpuid_count(0xd, 0, a, b, c, d);
    tl_gate.xsave_size = b;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    tl_gate.xsave_mask = ((uint64_t)hi << 32) | lo;
    if (tl_gate.xsave_size > 16384)
        die(1, "%s", "this CPU's XSAVE state is larger than trapline supports");
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tl_gate.host_fs));
    tl_gate.host.rewrite_mapping = tl_rewrite_mapping;
    tl_gate.host.companion_start = tl_companion_start;
    tl_gate.fsgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;

    tl_main_area = &main_area;
    tl_threads_register_area(&main_area);
    if (tl_thread_area_init(&main_area) != 0)
        die(1, "%s", "cannot set up the thread block");
    /* The client's main thread borrows the host main thread's block for
     * isolated hooks; until the client runs, it is host code itself. */
    main_area.tb.host_fs = tl_gate.host_fs;
    main_area.tb.in_host = 1;
}

static int stage2(char *record, char **argv, char **envp)
{
    TL_STARTUP_DATA static struct tl_launch_record rec;
    char err[1024];
    /* What set-up certainly writes, made present in a few calls instead of
     * a fault a page (see tl_populate_write): the stack our own calls go
     * down to, the gate's state, the main thread's block and signals. */
    tl_populate_write((char *)__builtin_frame_address(0) - 48 * 1024, 48 * 1024);
    tl_populate_write(&tl_gate, 4096);
    tl_populate_write(tl_startup_bss_start, (size_t)(tl_startup_bss_end - tl_startup_bss_start));
    tl_thread_area_prefault(&main_area, 1);
    if (tl_launch_parse(record, &rec) != 0)
        die(1, "%s", "malformed launch record");
    size_t envc = 0;
    while (envp[envc])
        envc++;
    size_t env_max = envc + (size_t)rec.stash_count + 1;
    char **client_env = tl_keep(env_max * sizeof *client_env);
    if (tl_launch_client_env(envp, &rec, client_env, env_max))
        die(1, "%s", "malformed launch record");
    const char *dbg = getenv("TRAPLINE_DEBUG");
    tl_gate.debug = dbg && *dbg && strcmp(dbg, "0") ? (strcmp(dbg, "2") ? 1 : 2) : 0;
    tl_rewrite_set_debug(tl_gate.debug);

    gate_setup();
    if (tl_plugins_start(rec.plugins, rec.plugin_count, rec.isolation, err, sizeof err))
        die(2, "%s", err);
    tl_dispatch_fill(&main_area.tb);
    if (tl_gate.debug && tl_gate.any_isolated)
        fprintf(stderr, "trapline: isolated hooks switch fs with %s\n",
                tl_gate.fsgsbase ? "wrfsbase" : "arch_prctl");
    for (int i = 0; i < tl_gate.plugin_count; i++)
        if (tl_gate.plugins[i].plugin->process_exit)
            tl_gate.fatal_signals = 1;
    {
        uint64_t inherited = 0;
        sigprocmask(SIG_BLOCK, NULL, (sigset_t *)&inherited);
        tl_signals_init(&main_area.tb, rec.has_sigmask ? rec.sigmask : inherited, tl_gate.debug);
    }
    tl_exec_setup(&rec);

    struct tl_exec_target target;
    int status = tl_resolve_target(rec.exe, argv, &target, err, sizeof err);
    if (status)
        die(status, "%s", err);
    struct tl_strbuf exe_path = tl_sb_init(tl_gate.exe_path, sizeof tl_gate.exe_path);
    tl_sb_str(&exe_path, target.elf_path);
    tl_gate.exe_path_len = (uint32_t)strlen(tl_gate.exe_path);

    tl_vdso_setup();
    TL_STARTUP_DATA static struct tl_loaded_elf exe, interp;
    if ((status = tl_load_elf(target.elf_path, &exe, err, sizeof err)))
        die(status, "%s", err);
    uint64_t entry = exe.entry;
    int has_interp = exe.interp && exe.interp[0];
    if (has_interp) {
        if ((status = tl_load_elf(exe.interp, &interp, err, sizeof err)))
            die(status, "%s", err);
        entry = interp.entry;
    }

    const char *slash = strrchr(rec.exe, '/');
    prctl(PR_SET_NAME, slash ? slash + 1 : rec.exe, 0, 0, 0);
    uint64_t sp = tl_build_initial_stack(target.argv, client_env, &exe, has_interp ? &interp : NULL, rec.exe);

    if (rec.initial) {
        /* The execve that `trapline run` made on the client's behalf. */
        long args[6] = { (long)rec.exe, (long)argv, (long)client_env, 0, 0, 0 };
        tl_gate_announce_syscall(59, args, 0);
    }

    /* From here on the thread belongs to the client. */
    fflush(NULL);
    __asm__ volatile("" ::: "memory");
    {
        long r;
        __asm__ volatile("syscall" : "=a"(r) : "a"(158), "D"(TL_ARCH_SET_FS), "S"(0L) : "rcx", "r11", "memory");
    }
    /* No syscall from host code after this: Syscall User Dispatch traps. */
    tl_signals_enter_client(&main_area.tb);
    main_area.tb.in_host = 0;
    main_area.tb.inside = 0;
    tl_enter_client(entry, sp);
}

int main(int argc, char **argv, char **envp)
{
    tl_loader_remember_auxv(envp);
    (void)argc;
    char *record = getenv(TL_LAUNCH_VAR);
    if (!record)
        return hand_to_launcher(argv);
    return stage2(record, argv, envp);
}
