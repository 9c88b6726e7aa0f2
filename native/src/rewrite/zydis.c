/* zydis.c - loading libZydis on first use. */
#include "zydis.h"
#include "../host/host_heap.h"
#include <dlfcn.h>
#include <stdio.h>

const struct tl_zydis *tl_zydis(void)
{
    static struct tl_zydis z;
    static int state; /* 0 untried, 1 loaded, -1 failed */
    if (state == 0) {
        tl_host_heap_load();
        void *h = dlopen("libZydis.so.4.0", RTLD_NOW | RTLD_LOCAL);
        if (h) {
            z.init = (ZyanStatus(*)(ZydisDecoder *, ZydisMachineMode, ZydisStackWidth))dlsym(h, "ZydisDecoderInit");
            z.decode = (ZyanStatus(*)(const ZydisDecoder *, ZydisDecoderContext *, const void *, ZyanUSize,
                                      ZydisDecodedInstruction *))dlsym(h, "ZydisDecoderDecodeInstruction");
        }
        state = h && z.init && z.decode ? 1 : -1;
        if (state < 0)
            fprintf(stderr, "trapline: warning: cannot load libZydis (%s): nothing is rewritten\n",
                    h ? "missing symbols" : dlerror());
    }
    return state > 0 ? &z : NULL;
}
