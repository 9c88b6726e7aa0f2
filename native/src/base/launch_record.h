/* launch_record.h - what one trapline-exec hands the next.
 *
 * `trapline run` and every exec the client makes start trapline-exec afresh
 * with the client's own argv and one environment variable,
 * TRAPLINE_LAUNCH, holding this record. Format (version 1): fields joined
 * by ';', each `key=value`, values percent-encoded (%, ; and bytes outside
 * 0x21-0x7e become %XX):
 *
 *   v=1                 format version (required, first)
 *   exe=PATH            the program to run, as execve would be given it
 *   plugin=SPEC         one per plugin, in order: NAME or PATH.so, with
 *                       :key=value options
 *   stash=INDEX:VAR     a client variable the host's ld.so must not see
 *                       (LD_*, GLIBC_TUNABLES, MALLOC_*, MIMALLOC_*), with its
 *                       index in the client's environment
 *   tunables=1          trapline added GLIBC_TUNABLES for the host (remove it)
 *   nofollow=1          exec'd programs run natively
 *   isolation=KIND      raw or isolated: how plugins that support both run
 *   initial=1           started by `trapline run`, not by a client exec:
 *                       plugins are shown the execve that started the image
 *   sigmask=HEX         the client's signal mask (trapline keeps a few
 *                       signals unblocked for itself; the client's view of
 *                       them crosses exec here)
 *
 * Unknown keys are an error: a record is only read by the trapline that
 * wrote it (or the same build after exec).
 *
 * Freestanding (no allocation): the launcher, which has no libc, and the
 * host both use it. */
#ifndef TRAPLINE_BASE_LAUNCH_RECORD_H
#define TRAPLINE_BASE_LAUNCH_RECORD_H

#include <stddef.h>

#define TL_LAUNCH_VAR "TRAPLINE_LAUNCH"
#define TL_MAX_PLUGIN_SPECS 16
#define TL_MAX_STASH 64

struct tl_launch_record {
    const char *exe;
    const char *plugins[TL_MAX_PLUGIN_SPECS];
    int plugin_count;
    struct {
        int index;
        const char *var;  /* NAME=VALUE */
    } stash[TL_MAX_STASH];
    int stash_count;
    int added_tunables;
    int no_follow;
    const char *isolation;  /* "raw", "isolated", or NULL: each plugin's own */
    int initial;
    int has_sigmask;
    unsigned long long sigmask;
};

/* The host's own GLIBC_TUNABLES: rseq stays free for the client. */
#define TL_HOST_TUNABLES "GLIBC_TUNABLES=glibc.pthread.rseq=0"

/* True for variables that belong to the client and must not reach the
 * host's ld.so or allocator. */
int tl_launch_is_client_only(const char *var);

/* Parses `text` in place (it is decoded where it lies) into rec.
 * 0, or -1 if malformed. */
int tl_launch_parse(char *text, struct tl_launch_record *rec);

/* Writes "TRAPLINE_LAUNCH=..." into out. Returns its length, or 0 if it
 * does not fit in `size`. */
size_t tl_launch_format(const struct tl_launch_record *rec, char *out, size_t size);

/* The environment to exec trapline-exec with: client_env minus the
 * client-only variables (stashed into rec), plus TL_HOST_TUNABLES and the
 * record (formatted into recbuf). Writes at most `max` pointers to env,
 * NULL-terminated; returns -1 if something does not fit. */
int tl_launch_host_env(char *const *client_env, struct tl_launch_record *rec, char **env,
                       size_t max, char *recbuf, size_t recsize);

/* Rebuilds the client's environment from the host's: what the launch added
 * removed, stashed variables put back where they were. Writes at most
 * `max` pointers to env; returns -1 if they do not fit. */
int tl_launch_client_env(char *const *host_env, const struct tl_launch_record *rec, char **env,
                         size_t max);

#endif
