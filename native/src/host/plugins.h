/* plugins.h - finding, checking and starting plugins. */
#ifndef TRAPLINE_HOST_PLUGINS_H
#define TRAPLINE_HOST_PLUGINS_H

#include <stddef.h>
#include "trapline/plugin.h"

/* Loads and initialises the plugins of specs[] into the gate, in order,
 * and computes the subscription masks. `isolation` ("raw", "isolated" or
 * NULL) picks the kind for plugins that support both. 0, or -1 with a
 * message. */
int tl_plugins_start(const char *const *specs, int count, const char *isolation, char *err,
                     size_t errlen);

#endif
