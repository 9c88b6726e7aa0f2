/* builtin_plugins.h - the names of trapline's built-in plugins, for the
 * launcher (which checks specs) and the host (which starts them). */
#ifndef TRAPLINE_BASE_BUILTIN_PLUGINS_H
#define TRAPLINE_BASE_BUILTIN_PLUGINS_H

/* As listed in error messages (capture is internal: `trapline capture`). */
#define TL_BUILTIN_PLUGIN_LIST "passthrough, count, libc-demo"

/* Non-zero if `name` is a built-in plugin. */
static inline int tl_is_builtin_plugin(const char *name)
{
    static const char *const names[] = { "passthrough", "count", "libc-demo", "capture" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *a = names[i], *b = name;
        while (*a && *a == *b)
            a++, b++;
        if (*a == *b)
            return 1;
    }
    return 0;
}

#endif
