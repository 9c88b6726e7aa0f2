/* exec.c - a client exec continues under trapline (DESIGN §6).
 *
 * The target is checked as the kernel would check it. Where the kernel
 * would refuse, the client's own execve is issued unchanged, so execvp's
 * PATH walk and ENOEXEC fallback see exactly the native errno and nothing
 * escapes. Where it would succeed, trapline-exec is exec'd instead, with
 * the client's argv and a new launch record. Targets trapline cannot run
 * (32-bit or foreign ELF, setuid/setgid, file capabilities) are exec'd
 * natively with one warning. */
#include "../base/launch_record.h"
#include "../gate/gate.h"
#include "host_keep.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000

static const struct tl_launch_record *launch;
void tl_host_exec(struct tl_exec_request *rq);
static const char *self_exe = "";

void tl_exec_setup(const struct tl_launch_record *rec)
{
    launch = rec;
    tl_gate.host.exec = tl_host_exec;
    char path[4096]; /* on stack that start-up has made present (main.c) */
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    path[n > 0 ? n : 0] = 0;
    const char *kept = tl_keep_string(path);
    if (kept)
        self_exe = kept;
}

enum verdict { EXEC_FAILS, EXEC_NATIVE, EXEC_TRAPLINE };

static enum verdict check_target(const char *path, int depth, const char **why)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0)
        return EXEC_FAILS;
    unsigned char head[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return EXEC_FAILS;
    ssize_t n = read(fd, head, sizeof head - 1);
    close(fd);
    if (n < 0)
        return EXEC_FAILS;
    head[n] = 0;
    if (st.st_mode & (S_ISUID | S_ISGID)) {
        *why = "setuid/setgid program";
        return EXEC_NATIVE;
    }
    if (getxattr(path, "security.capability", NULL, 0) > 0) {
        *why = "program with file capabilities";
        return EXEC_NATIVE;
    }
    if (n >= (ssize_t)sizeof(Elf64_Ehdr) && !memcmp(head, ELFMAG, SELFMAG)) {
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)head;
        if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
            *why = "not an x86-64 program";
            return EXEC_NATIVE;
        }
        return EXEC_TRAPLINE;
    }
    if (n >= 2 && head[0] == '#' && head[1] == '!' && depth < 4) {
        char *line = (char *)head + 2, *end = strchr(line, '\n');
        if (end)
            *end = 0;
        while (*line == ' ' || *line == '\t')
            line++;
        line[strcspn(line, " \t\r")] = 0;
        return *line ? check_target(line, depth + 1, why) : EXEC_FAILS;
    }
    return n >= 4 && !memcmp(head, ELFMAG, SELFMAG) ? EXEC_TRAPLINE : EXEC_FAILS;
}

static void warn_native(const char *path, const char *why)
{
    fprintf(stderr, "trapline: warning: %s: %s, runs without trapline\n", path, why);
}

/* Host side: returns only if the exec failed or must be issued natively. */
void tl_host_exec(struct tl_exec_request *rq)
{
    const char *path = (const char *)rq->a[0];
    char **argv = (char **)rq->a[1], **envp = (char **)rq->a[2];
    char buf[4200];
    if (rq->nr != 59) {
        int dirfd = (int)rq->a[0], flags = (int)rq->a[4];
        path = (const char *)rq->a[1];
        argv = (char **)rq->a[2];
        envp = (char **)rq->a[3];
        if (path && path[0] != '/') {
            if ((flags & AT_EMPTY_PATH_) && !path[0])
                snprintf(buf, sizeof buf, "/proc/self/fd/%d", dirfd);
            else if (dirfd != AT_FDCWD_)
                snprintf(buf, sizeof buf, "/proc/self/fd/%d/%s", dirfd, path);
            else
                snprintf(buf, sizeof buf, "%s", path);
            path = buf;
        }
    }
    const char *why = NULL;
    enum verdict v = path ? check_target(path, 0, &why) : EXEC_FAILS;
    rq->native = v == EXEC_FAILS ? TL_EXEC_NATIVE_FAILS : TL_EXEC_NATIVE_RUNS;
    if (v == EXEC_FAILS || launch->no_follow)
        return;
    if (v == EXEC_NATIVE) {
        warn_native(path, why);
        return;
    }
    struct tl_launch_record rec = *launch;
    rec.exe = path;
    rec.initial = 0;
    rec.has_sigmask = 1;
    rec.sigmask = rq->client_mask;
    static char *empty_env[1] = { NULL };
    if (!envp)
        envp = empty_env;
    size_t envc = 0;
    while (envp[envc])
        envc++;
    size_t recsize = 64 * 1024 + 3 * strlen(path);
    for (size_t i = 0; i < envc; i++)
        if (tl_launch_is_client_only(envp[i]))
            recsize += 16 + 3 * strlen(envp[i]);
    /* One mapping for both, gone with the exec (and kept if it fails, as
     * heap memory would be): not the host heap, whose first allocation in
     * a process costs more set-up than the exec it serves. */
    size_t envsize = (envc + 3) * sizeof(char *);
    void *mem = mmap(NULL, envsize + recsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (mem == MAP_FAILED) {
        rq->native = TL_EXEC_VIA_TRAPLINE;
        rq->result = -ENOMEM;
        return;
    }
    char **env = mem;
    char *recbuf = (char *)mem + envsize;
    if (tl_launch_host_env(envp, &rec, env, envc + 3, recbuf, recsize)) {
        rq->native = TL_EXEC_VIA_TRAPLINE;
        rq->result = -E2BIG;
        return;
    }
    /* The gate execs: host code must not hold the host's block across an
     * exec (a CLONE_VM child shares it with its parent). */
    static char *empty_argv[1] = { NULL };
    rq->native = TL_EXEC_VIA_TRAPLINE;
    rq->exec_path = self_exe;
    rq->exec_argv = argv ? argv : empty_argv;
    rq->exec_env = env;
    rq->exec_target = path;
    rq->result = 0;

}

