/* plugins.h - finding, checking and starting plugins. */
#ifndef TRAPLINE_HOST_PLUGINS_H
#define TRAPLINE_HOST_PLUGINS_H

#include <stddef.h>
#include "trapline/plugin.h"

/* Checks a --plugin SPEC without starting it: known name or loadable .so
 * with the right ABI, well-formed options. 0, or -1 with a message. */
int tl_plugin_check_spec(const char *spec, char *err, size_t errlen);

/* Loads and initialises the plugins of specs[] into the gate, in order,
 * and computes the subscription masks. 0, or -1 with a message. */
int tl_plugins_start(char *const *specs, int count, char *err, size_t errlen);

#endif
