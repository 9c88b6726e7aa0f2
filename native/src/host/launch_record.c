/* launch_record.c - encoding, decoding and applying the launch record. */
#include "launch_record.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_TUNABLES "GLIBC_TUNABLES=glibc.pthread.rseq=0"

int tl_launch_is_client_only(const char *var)
{
    return !strncmp(var, "LD_", 3) || !strncmp(var, "GLIBC_TUNABLES=", 15) ||
           !strncmp(var, "MALLOC_", 7) || !strncmp(var, "MIMALLOC_", 9);
}

static void put_encoded(char **p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '%' || c == ';' || c < 0x21 || c > 0x7e) {
            *(*p)++ = '%';
            *(*p)++ = hex[c >> 4];
            *(*p)++ = hex[c & 15];
        } else {
            *(*p)++ = (char)c;
        }
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

char *tl_launch_format(const struct tl_launch_record *rec)
{
    size_t need = 64 + 3 * strlen(rec->exe);
    for (int i = 0; i < rec->plugin_count; i++)
        need += 16 + 3 * strlen(rec->plugins[i]);
    for (int i = 0; i < rec->stash_count; i++)
        need += 32 + 3 * strlen(rec->stash[i].var);
    char *out = malloc(need), *p = out;
    p += sprintf(p, TL_LAUNCH_VAR "=v=1;exe=");
    put_encoded(&p, rec->exe);
    for (int i = 0; i < rec->plugin_count; i++) {
        p += sprintf(p, ";plugin=");
        put_encoded(&p, rec->plugins[i]);
    }
    for (int i = 0; i < rec->stash_count; i++) {
        p += sprintf(p, ";stash=%d:", rec->stash[i].index);
        put_encoded(&p, rec->stash[i].var);
    }
    if (rec->added_tunables)
        p += sprintf(p, ";tunables=1");
    if (rec->no_follow)
        p += sprintf(p, ";nofollow=1");
    if (rec->initial)
        p += sprintf(p, ";initial=1");
    *p = 0;
    return out;
}

int tl_launch_parse(const char *text, struct tl_launch_record *rec)
{
    memset(rec, 0, sizeof *rec);
    if (strncmp(text, "v=1", 3) || (text[3] && text[3] != ';'))
        return -1;
    const char *p = text + 3;
    while (*p == ';') {
        p++;
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq)
            return -1;
        size_t klen = (size_t)(eq - p);
        char *val = decode(eq + 1, n - klen - 1);
        if (klen == 3 && !memcmp(p, "exe", 3)) {
            rec->exe = val;
        } else if (klen == 6 && !memcmp(p, "plugin", 6) && rec->plugin_count < TL_MAX_PLUGIN_SPECS) {
            rec->plugins[rec->plugin_count++] = val;
        } else if (klen == 5 && !memcmp(p, "stash", 5) && rec->stash_count < TL_MAX_STASH) {
            char *colon = strchr(val, ':');
            if (!colon)
                return -1;
            rec->stash[rec->stash_count].index = atoi(val);
            rec->stash[rec->stash_count].var = strdup(colon + 1);
            rec->stash_count++;
            free(val);
        } else if (klen == 8 && !memcmp(p, "tunables", 8)) {
            rec->added_tunables = 1;
            free(val);
        } else if (klen == 8 && !memcmp(p, "nofollow", 8)) {
            rec->no_follow = 1;
            free(val);
        } else if (klen == 7 && !memcmp(p, "initial", 7)) {
            rec->initial = 1;
            free(val);
        } else {
            free(val);
            return -1;
        }
        p += n;
    }
    return *p || !rec->exe ? -1 : 0;
}

char **tl_launch_host_env(char *const *client_env, struct tl_launch_record *rec)
{
    size_t n = 0, k = 0;
    while (client_env[n])
        n++;
    char **env = malloc((n + 3) * sizeof *env);
    rec->stash_count = 0;
    rec->added_tunables = 1;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(client_env[i], TL_LAUNCH_VAR "=", sizeof TL_LAUNCH_VAR))
            continue;
        if (tl_launch_is_client_only(client_env[i]) && rec->stash_count < TL_MAX_STASH) {
            rec->stash[rec->stash_count].index = (int)i;
            rec->stash[rec->stash_count].var = client_env[i];
            rec->stash_count++;
            continue;
        }
        env[k++] = client_env[i];
    }
    env[k++] = HOST_TUNABLES;
    env[k++] = tl_launch_format(rec);
    env[k] = NULL;
    return env;
}

char **tl_launch_client_env(char *const *host_env, const struct tl_launch_record *rec)
{
    size_t n = 0, k = 0;
    while (host_env[n])
        n++;
    char **env = malloc((n + (size_t)rec->stash_count + 1) * sizeof *env);
    int next_stash = 0;
    for (size_t i = 0; i <= n; i++) {
        /* Stashed variables go back where they were. */
        while (next_stash < rec->stash_count && (size_t)rec->stash[next_stash].index <= k)
            env[k++] = rec->stash[next_stash++].var;
        if (i == n)
            break;
        if (!strncmp(host_env[i], TL_LAUNCH_VAR "=", sizeof TL_LAUNCH_VAR))
            continue;
        if (rec->added_tunables && !strcmp(host_env[i], HOST_TUNABLES))
            continue;
        env[k++] = host_env[i];
    }
    while (next_stash < rec->stash_count)
        env[k++] = rec->stash[next_stash++].var;
    env[k] = NULL;
    return env;
}
