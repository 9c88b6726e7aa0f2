/* companion.h - host threads lent to client threads (companion.c). */
#ifndef TRAPLINE_HOST_COMPANION_H
#define TRAPLINE_HOST_COMPANION_H

#include "../gate/gate.h"

/* Starts a parked companion; NULL if no thread could be made. Runs on a
 * host thread block (the main one, under the gate's lock). */
struct tl_companion *tl_companion_start(void);

#endif
