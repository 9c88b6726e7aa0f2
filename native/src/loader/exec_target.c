/* exec_target.c - what the kernel and execvp would actually run.
 *
 * `#!` lines are followed up to TL_LOADER_MAX_SHEBANG levels, with argv
 * rewritten as binfmt_script does (interpreter, optional single argument,
 * script path, the original arguments after argv[0]). A file that is
 * neither ELF nor script runs under /bin/sh, as execvp's ENOEXEC fallback
 * does. */
#include "loader.h"
#include "../base/strbuf.h"
#include "../host/host_keep.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path into a fixed buffer (see strbuf.h for why not snprintf). */
static void copy_path(char *dst, size_t size, const char *src)
{
    struct tl_strbuf b = tl_sb_init(dst, size);
    tl_sb_str(&b, src);
}

static int check_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, errno == ENOENT ? "not found" : strerror(errno));
        return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: Is a directory", path);
        return 126;
    }
    if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
        snprintf(err, errlen, "%s: Permission denied", path);
        return 126;
    }
    return 0;
}

static char **prepend(char **argv, int *argc, char **front, int nfront, int drop)
{
    char **v = tl_keep((size_t)(*argc + nfront + 1) * sizeof *v);
    int n = 0;
    for (int i = 0; i < nfront; i++)
        v[n++] = front[i];
    for (int i = drop; i < *argc; i++)
        v[n++] = argv[i];
    v[n] = NULL;
    *argc = n;
    return v;
}

int tl_resolve_target(const char *path, char **argv, struct tl_exec_target *out, char *err, size_t errlen)
{
    char cur[4096];
    int status, argc = 0;
    while (argv[argc])
        argc++;
    out->argv = prepend(argv, &argc, NULL, 0, 0);
    copy_path(cur, sizeof cur, path);

    for (int depth = 0;; depth++) {
        if ((status = check_file(cur, err, errlen)))
            return status;
        char head[256];
        int fd = open(cur, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", cur, strerror(errno));
            return 126;
        }
        ssize_t n = read(fd, head, sizeof head - 1);
        close(fd);
        if (n < 0)
            n = 0;
        head[n] = 0;
        if (n >= 4 && !memcmp(head, "\177ELF", 4))
            break;
        char *front[3];
        int nfront = 0;
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            if (depth >= TL_LOADER_MAX_SHEBANG) {
                snprintf(err, errlen, "%s: too many levels of #! interpreters", path);
                return 126;
            }
            char *line = head + 2, *end = strchr(line, '\n');
            if (!end) {
                if (n == (ssize_t)sizeof head - 1) {
                    snprintf(err, errlen, "%s: #! line too long", cur);
                    return 126;
                }
                end = head + n;
            }
            *end = 0;
            while (*line == ' ' || *line == '\t')
                line++;
            char *interp = line;
            while (*line && *line != ' ' && *line != '\t')
                line++;
            char *arg = NULL;
            if (*line) {
                *line++ = 0;
                while (*line == ' ' || *line == '\t')
                    line++;
                char *tail = line + strlen(line);
                while (tail > line && (tail[-1] == ' ' || tail[-1] == '\t' || tail[-1] == '\r'))
                    *--tail = 0;
                if (*line)
                    arg = line;
            }
            if (!*interp) {
                snprintf(err, errlen, "%s: Exec format error (empty #! line)", cur);
                return 126;
            }
            front[nfront++] = tl_keep_string(interp);
            if (arg)
                front[nfront++] = tl_keep_string(arg);
            front[nfront++] = tl_keep_string(cur);
            copy_path(cur, sizeof cur, interp);
        } else {
            /* execvp's fallback for ENOEXEC */
            front[nfront++] = "/bin/sh";
            front[nfront++] = tl_keep_string(cur);
            copy_path(cur, sizeof cur, "/bin/sh");
            depth = TL_LOADER_MAX_SHEBANG;
        }
        out->argv = prepend(out->argv, &argc, front, nfront, 1); /* the old one is kept */
    }
    if (!realpath(cur, out->elf_path))
        copy_path(out->elf_path, sizeof out->elf_path, cur);
    out->argc = argc;
    return 0;
}
