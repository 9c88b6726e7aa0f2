/* launch_record.c - encoding, decoding and applying the launch record. */
#include "launch_record.h"
#include "mem.h"

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

int tl_launch_is_client_only(const char *var)
{
    return starts_with(var, "LD_") || starts_with(var, "GLIBC_TUNABLES=") ||
           starts_with(var, "MALLOC_") || starts_with(var, "MIMALLOC_");
}

static int is_record(const char *var)
{
    return starts_with(var, TL_LAUNCH_VAR "=");
}

struct out {
    char *p, *end;
};

static void put(struct out *o, const char *s)
{
    while (*s && o->p < o->end)
        *o->p++ = *s++;
}

static void put_encoded(struct out *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '%' || c == ';' || c < 0x21 || c > 0x7e) {
            char e[4] = { '%', hex[c >> 4], hex[c & 15], 0 };
            put(o, e);
        } else if (o->p < o->end) {
            *o->p++ = (char)c;
        }
    }
}

size_t tl_launch_format(const struct tl_launch_record *rec, char *buf, size_t size)
{
    struct out o = { buf, buf + size - 1 };
    char num[24];
    put(&o, TL_LAUNCH_VAR "=v=1;exe=");
    put_encoded(&o, rec->exe);
    for (int i = 0; i < rec->plugin_count; i++) {
        put(&o, ";plugin=");
        put_encoded(&o, rec->plugins[i]);
    }
    for (int i = 0; i < rec->stash_count; i++) {
        put(&o, ";stash=");
        tl_fmt_u64(num, (unsigned long long)rec->stash[i].index);
        put(&o, num);
        put(&o, ":");
        put_encoded(&o, rec->stash[i].var);
    }
    if (rec->added_tunables)
        put(&o, ";tunables=1");
    if (rec->no_follow)
        put(&o, ";nofollow=1");
    if (rec->isolation) {
        put(&o, ";isolation=");
        put_encoded(&o, rec->isolation);
    }
    if (rec->initial)
        put(&o, ";initial=1");
    if (rec->has_sigmask) {
        static const char hex[] = "0123456789abcdef";
        char h[17];
        for (int i = 0; i < 16; i++)
            h[i] = hex[(rec->sigmask >> (60 - 4 * i)) & 15];
        h[16] = 0;
        put(&o, ";sigmask=");
        put(&o, h);
    }
    if (o.p >= o.end)
        return 0;
    *o.p = 0;
    return (size_t)(o.p - buf);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes [s, end) in place; returns the NUL-terminated value. */
static char *decode(char *s, char *end)
{
    char *o = s, *start = s;
    while (s < end) {
        if (*s == '%' && end - s > 2 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    return start;
}

int tl_launch_parse(char *text, struct tl_launch_record *rec)
{
    tl_memset(rec, 0, sizeof *rec);
    if (!starts_with(text, "v=1") || (text[3] && text[3] != ';'))
        return -1;
    char *p = text + 3;
    char sep = *p;
    /* Each value is decoded in place and NUL-terminated where its ';' was. */
    while (sep == ';') {
        char *key = ++p, *eq = 0;
        while (*p && *p != ';') {
            if (*p == '=' && !eq)
                eq = p;
            p++;
        }
        if (!eq)
            return -1;
        sep = *p;
        *eq = 0;
        char *val = decode(eq + 1, p);
        if (!tl_strcmp(key, "exe")) {
            rec->exe = val;
        } else if (!tl_strcmp(key, "plugin")) {
            if (rec->plugin_count == TL_MAX_PLUGIN_SPECS)
                return -1;
            rec->plugins[rec->plugin_count++] = val;
        } else if (!tl_strcmp(key, "stash")) {
            int index = 0;
            while (*val >= '0' && *val <= '9')
                index = index * 10 + (*val++ - '0');
            if (*val != ':' || rec->stash_count == TL_MAX_STASH)
                return -1;
            rec->stash[rec->stash_count].index = index;
            rec->stash[rec->stash_count].var = val + 1;
            rec->stash_count++;
        } else if (!tl_strcmp(key, "tunables")) {
            rec->added_tunables = 1;
        } else if (!tl_strcmp(key, "nofollow")) {
            rec->no_follow = 1;
        } else if (!tl_strcmp(key, "isolation")) {
            if (tl_strcmp(val, "raw") && tl_strcmp(val, "isolated"))
                return -1;
            rec->isolation = val;
        } else if (!tl_strcmp(key, "initial")) {
            rec->initial = 1;
        } else if (!tl_strcmp(key, "sigmask")) {
            unsigned long long m = 0;
            for (; *val; val++) {
                int v = hexval(*val);
                if (v < 0)
                    return -1;
                m = m << 4 | (unsigned)v;
            }
            rec->sigmask = m;
            rec->has_sigmask = 1;
        } else {
            return -1;
        }
    }
    return sep || !rec->exe ? -1 : 0;
}

int tl_launch_host_env(char *const *client_env, struct tl_launch_record *rec, char **env,
                       size_t max, char *recbuf, size_t recsize)
{
    size_t k = 0;
    rec->stash_count = 0;
    rec->added_tunables = 1;
    for (size_t i = 0; client_env[i]; i++) {
        if (is_record(client_env[i]))
            continue;
        if (tl_launch_is_client_only(client_env[i])) {
            if (rec->stash_count == TL_MAX_STASH)
                return -1;
            rec->stash[rec->stash_count].index = (int)i;
            rec->stash[rec->stash_count].var = client_env[i];
            rec->stash_count++;
            continue;
        }
        if (k + 3 >= max)
            return -1;
        env[k++] = client_env[i];
    }
    if (k + 3 > max || !tl_launch_format(rec, recbuf, recsize))
        return -1;
    env[k++] = (char *)TL_HOST_TUNABLES;
    env[k++] = recbuf;
    env[k] = 0;
    return 0;
}

int tl_launch_client_env(char *const *host_env, const struct tl_launch_record *rec, char **env,
                         size_t max)
{
    size_t k = 0;
    int next = 0;
    for (size_t i = 0;; i++) {
        /* Stashed variables go back where they were. */
        while (next < rec->stash_count && (size_t)rec->stash[next].index <= k) {
            if (k + 1 >= max)
                return -1;
            env[k++] = (char *)rec->stash[next++].var;
        }
        if (!host_env[i])
            break;
        if (is_record(host_env[i]) || (rec->added_tunables && !tl_strcmp(host_env[i], TL_HOST_TUNABLES)))
            continue;
        if (k + 1 >= max)
            return -1;
        env[k++] = host_env[i];
    }
    while (next < rec->stash_count) {
        if (k + 1 >= max)
            return -1;
        env[k++] = (char *)rec->stash[next++].var;
    }
    env[k] = 0;
    return 0;
}
