/* plugins.c - built-in plugins by name, others from shared objects.
 *
 * SPEC is NAME or PATH.so, then `:key=value` options separated by ':'
 * (values may hold commas, not colons). */
#include "plugins.h"
#include "host_heap.h"
#include "host_keep.h"
#include "../base/builtin_plugins.h"
#include "../gate/gate.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct trapline_plugin *tl_builtin_passthrough(void);
const struct trapline_plugin *tl_builtin_count(void);
const struct trapline_plugin *tl_builtin_libc_demo(void);
const struct trapline_plugin *tl_builtin_capture(void);

static const struct {
    const char *name;
    const struct trapline_plugin *(*entry)(void);
} builtins[] = {
    { "passthrough", tl_builtin_passthrough },
    { "count", tl_builtin_count },
    { "libc-demo", tl_builtin_libc_demo },
    { "capture", tl_builtin_capture }, /* started by `trapline capture` */
};

struct parsed_spec {
    char *name;  /* a kept copy holding every piece */
    struct trapline_option options[32];
    size_t option_count;
};

static int parse_spec(const char *spec, struct parsed_spec *ps, char *err, size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    ps->name = tl_keep_string(spec);
    char *p = strchr(ps->name, ':');
    if (p)
        *p++ = 0;
    if (!*ps->name) {
        snprintf(err, errlen, "--plugin '%s': missing plugin name", spec);
        return -1;
    }
    while (p) {
        char *next = strchr(p, ':');
        if (next)
            *next++ = 0;
        char *eq = strchr(p, '=');
        if (!eq || eq == p) {
            snprintf(err, errlen, "--plugin '%s': option '%s' is not key=value", spec, p);
            return -1;
        }
        if (ps->option_count == sizeof ps->options / sizeof ps->options[0]) {
            snprintf(err, errlen, "--plugin '%s': too many options", spec);
            return -1;
        }
        *eq = 0;
        ps->options[ps->option_count].key = p;
        ps->options[ps->option_count].value = eq + 1;
        ps->option_count++;
        p = next;
    }
    return 0;
}

static const struct trapline_plugin *find_plugin(const char *name, char *err, size_t errlen)
{
    const struct trapline_plugin *pl = NULL;
    size_t len = strlen(name);
    if (len > 3 && !strcmp(name + len - 3, ".so")) {
        tl_host_heap_load();
        void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            snprintf(err, errlen, "plugin %s: %s", name, dlerror());
            return NULL;
        }
        const struct trapline_plugin *(*entry)(void) =
            (const struct trapline_plugin *(*)(void))dlsym(h, "trapline_plugin_entry");
        if (!entry) {
            snprintf(err, errlen, "plugin %s: no trapline_plugin_entry symbol", name);
            return NULL;
        }
        pl = entry();
    } else {
        for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
            if (!strcmp(builtins[i].name, name))
                pl = builtins[i].entry();
        if (!pl) {
            snprintf(err, errlen, "unknown plugin '%s' (built-in: " TL_BUILTIN_PLUGIN_LIST "; or a PATH.so)", name);
            return NULL;
        }
    }
    if (!pl || pl->abi_version < 1 || pl->abi_version > TRAPLINE_ABI_VERSION) {
        snprintf(err, errlen, "plugin %s: ABI version %u, trapline needs %u", name,
                 pl ? pl->abi_version : 0, TRAPLINE_ABI_VERSION);
        return NULL;
    }
    if (!(pl->isolation & (TRAPLINE_RAW | TRAPLINE_ISOLATED))) {
        snprintf(err, errlen, "plugin %s declares neither TRAPLINE_RAW nor TRAPLINE_ISOLATED", name);
        return NULL;
    }
    return pl;
}

/* Raw unless the plugin only runs isolated, or supports both and the user
 * chose isolated. */
static int runs_isolated(const struct trapline_plugin *pl, const char *choice)
{
    if (!(pl->isolation & TRAPLINE_RAW))
        return 1;
    return (pl->isolation & TRAPLINE_ISOLATED) && choice && !strcmp(choice, "isolated");
}

int tl_plugins_start(const char *const *specs, int count, const char *isolation, char *err,
                     size_t errlen)
{
    static char init_error[512];
    if (count > TL_MAX_PLUGINS) {
        snprintf(err, errlen, "at most %d plugins", TL_MAX_PLUGINS);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        struct parsed_spec ps; /* kept for the process' life: options point into it */
        const struct trapline_plugin *pl;
        if (parse_spec(specs[i], &ps, err, errlen) || !(pl = find_plugin(ps.name, err, errlen)))
            return -1;
        struct tl_plugin_slot *slot = &tl_gate.plugins[tl_gate.plugin_count++];
        slot->plugin = pl;
        slot->isolated = (uint32_t)runs_isolated(pl, isolation);
        tl_gate.any_isolated |= (int)slot->isolated;
        /* An isolated plugin allocates; the first allocation must not be
         * one glibc makes holding its own locks (a companion's pthread_create). */
        if (slot->isolated)
            tl_host_heap_load();
        if (pl->init) {
            struct trapline_init in = {
                .host = &tl_plugin_host,
                .handle = slot,
                .options = ps.options,
                .option_count = ps.option_count,
                .pid = tl_gate.pid,
                .context = &slot->context,
                .error = init_error,
                .error_size = sizeof init_error,
            };
            struct trapline_option *copy = tl_keep(sizeof ps.options);
            memcpy(copy, ps.options, sizeof ps.options);
            in.options = copy;
            init_error[0] = 0;
            if (pl->init(&in) != 0) {
                snprintf(err, errlen, "plugin %s: %s", ps.name, init_error[0] ? init_error : "refused its options");
                return -1;
            }
        }
    }
    for (int i = 0; i < tl_gate.plugin_count; i++)
        tl_gate.any_vdso |= tl_gate.plugins[i].vdso;
    return 0;
}
