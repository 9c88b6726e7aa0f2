/* main.c - trapline-exec: the native launcher and host.
 *
 * Stage 1 (`trapline-exec [--plugin SPEC]... [--] PROG ARGS`): parse options,
 * find PROG as execvp would, check the plugins, then exec ourselves with the
 * client's own argv and an environment the host's ld.so can trust (the
 * client's LD_* and allocator variables stashed in the launch record, rseq
 * left to the client).
 * Stage 2 (TRAPLINE_LAUNCH set): start the plugins, map the client and its
 * interpreter, rewrite them, route the vDSO, and jump to the client. Every
 * exec the client makes comes back to stage 2 with a new record. */
#include "launch_record.h"
#include "plugins.h"
#include "../base/sys.h"
#include "../base/thread_block.h"
#include "../gate/gate.h"
#include "../loader/loader.h"
#include "../rewrite/rewrite.h"
#include <cpuid.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

void tl_vdso_setup(void);
void tl_exec_setup(const struct tl_launch_record *rec);

static const char usage[] =
    "usage: trapline run [--plugin SPEC]... [--no-follow] [--] PROG [ARGS...]\n"
    "  SPEC is NAME or PATH.so, optionally followed by :key=value options\n"
    "  built-in plugins: passthrough (default), count:out=FILE\n";

static __attribute__((noreturn)) void die(int status, const char *fmt, const char *a)
{
    fprintf(stderr, "trapline: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(status);
}

/* execvp's search: returns a malloc'd path, or exits 126/127. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return strdup(name);
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    int denied = 0;
    char *dirs = strdup(path), *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand = malloc(strlen(d) + strlen(name) + 3);
        sprintf(cand, "%s/%s", *d ? d : ".", name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(cand, X_OK) == 0) {
                free(dirs);
                return cand;
            }
            denied = 1;
        }
        free(cand);
    }
    free(dirs);
    if (denied)
        die(126, "%s: Permission denied", name);
    die(127, "%s: not found", name);
}

static int stage1(int argc, char **argv, char **envp)
{
    struct tl_launch_record rec;
    char err[1024];
    int i = 1;
    memset(&rec, 0, sizeof rec);
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--plugin") || !strncmp(a, "--plugin=", 9)) {
            const char *spec = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!spec) {
                fprintf(stderr, "trapline: --plugin needs a value\n%s", usage);
                return 2;
            }
            if (rec.plugin_count == TL_MAX_PLUGIN_SPECS)
                die(2, "too many plugins (at most %s)", "16");
            if (tl_plugin_check_spec(spec, err, sizeof err))
                die(2, "%s", err);
            rec.plugins[rec.plugin_count++] = (char *)spec;
        } else if (!strcmp(a, "--no-follow")) {
            rec.no_follow = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "trapline: unknown option '%s'\n%s", a, usage);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "trapline: no program given\n%s", usage);
        return 2;
    }
    if (!rec.plugin_count)
        rec.plugins[rec.plugin_count++] = "passthrough";
    rec.initial = 1;
    rec.exe = find_program(argv[i]);
    struct stat st;
    if (stat(rec.exe, &st) != 0)
        die(errno == ENOENT || errno == ENOTDIR ? 127 : 126, "%s: not found", argv[i]);
    if (S_ISDIR(st.st_mode))
        die(126, "%s: Is a directory", argv[i]);
    if (access(rec.exe, X_OK) != 0)
        die(126, "%s: Permission denied", argv[i]);

    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        die(1, "%s", "cannot find trapline-exec itself");
    self[n] = 0;
    char **env = tl_launch_host_env(envp, &rec);
    execve(self, argv + i, env);
    die(1, "cannot re-execute trapline-exec: %s", strerror(errno));
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

    if (tl_thread_area_init(&main_area) != 0)
        die(1, "%s", "cannot set up the thread block");
}

static int stage2(const char *record, char **argv, char **envp)
{
    struct tl_launch_record rec;
    char err[1024];
    if (tl_launch_parse(record, &rec) != 0)
        die(1, "%s", "malformed launch record");
    char **client_env = tl_launch_client_env(envp, &rec);
    const char *dbg = getenv("TRAPLINE_DEBUG");
    tl_rewrite_set_debug(dbg && *dbg && strcmp(dbg, "0"));

    gate_setup();
    if (tl_plugins_start(rec.plugins, rec.plugin_count, err, sizeof err))
        die(2, "%s", err);
    tl_dispatch_fill(&main_area.tb);
    for (int i = 0; i < tl_gate.plugin_count; i++)
        if (tl_gate.plugins[i].plugin->process_exit)
            tl_gate.fatal_signals = 1;
    if (tl_gate.fatal_signals)
        tl_fatal_signals_install();
    tl_exec_setup(&rec);

    struct tl_exec_target target;
    int status = tl_resolve_target(rec.exe, argv, &target, err, sizeof err);
    if (status)
        die(status, "%s", err);
    snprintf(tl_gate.exe_path, sizeof tl_gate.exe_path, "%s", target.elf_path);
    tl_gate.exe_path_len = (uint32_t)strlen(tl_gate.exe_path);

    tl_vdso_setup();
    static struct tl_loaded_elf exe, interp;
    if ((status = tl_load_elf(target.elf_path, &exe, err, sizeof err)))
        die(status, "%s", err);
    uint64_t entry = exe.entry;
    int has_interp = exe.interp[0] != 0;
    if (has_interp) {
        if ((status = tl_load_elf(exe.interp, &interp, err, sizeof err)))
            die(status, "%s", err);
        entry = interp.entry;
    }

    char *name = strdup(rec.exe);
    prctl(PR_SET_NAME, basename(name), 0, 0, 0);
    uint64_t sp = tl_build_initial_stack(target.argv, client_env, &exe, has_interp ? &interp : NULL, rec.exe);

    if (rec.initial) {
        /* The execve that `trapline run` made on the client's behalf. */
        long args[6] = { (long)rec.exe, (long)argv, (long)client_env, 0, 0, 0 };
        tl_gate_announce_syscall(59, args, 0);
    }

    /* From here on the thread belongs to the client. */
    main_area.tb.inside = 0;
    fflush(NULL);
    __asm__ volatile("" ::: "memory");
    {
        long r;
        __asm__ volatile("syscall" : "=a"(r) : "a"(158), "D"(TL_ARCH_SET_FS), "S"(0L) : "rcx", "r11", "memory");
    }
    tl_enter_client(entry, sp);
}

int main(int argc, char **argv, char **envp)
{
    tl_loader_remember_auxv(envp);
    const char *record = getenv(TL_LAUNCH_VAR);
    if (!record)
        return stage1(argc, argv, envp);
    return stage2(record, argv, envp);
}
