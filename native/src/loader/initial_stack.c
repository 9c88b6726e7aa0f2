/* initial_stack.c - argc, argv, envp and auxv as the kernel lays them out,
 * with the client's own values: its program headers and entry, its
 * interpreter's base, its file name, and fresh random bytes. Everything
 * else (hwcaps, page size, uids, the vDSO) is passed on from our own auxv. */
#include "loader.h"
#include "../base/hot_text.h"
#include "../base/sys.h"
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>

/* Our own auxv, found past the end of the environment the kernel gave us
 * (main's envp, before anything edits environ). */
TL_STARTUP_DATA static const Elf64_auxv_t *kernel_auxv;

void tl_loader_remember_auxv(char **kernel_envp)
{
    char **p = kernel_envp;
    while (*p)
        p++;
    kernel_auxv = (const Elf64_auxv_t *)(p + 1);
}

uint64_t tl_build_initial_stack(char **argv, char **envp, const struct tl_loaded_elf *exe,
                                const struct tl_loaded_elf *interp, const char *execfn)
{
    int argc = 0, envc = 0, auxc = 0;
    while (argv[argc])
        argc++;
    while (envp[envc])
        envc++;
    for (const Elf64_auxv_t *a = kernel_auxv; a->a_type != AT_NULL; a++)
        auxc++;

    /* Strings first (highest), then the vectors, as the kernel does. */
    size_t strings = strlen(execfn) + 1 + 16 + 16;
    for (int i = 0; i < argc; i++)
        strings += strlen(argv[i]) + 1;
    for (int i = 0; i < envc; i++)
        strings += strlen(envp[i]) + 1;
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    if (platform)
        strings += strlen(platform) + 1;
    size_t vectors = (1 + argc + 1 + envc + 1 + 2 * (auxc + 8)) * sizeof(uint64_t);

    /* Below our own frames, far enough that nothing of ours is in the way. */
    uint64_t top = ((uint64_t)__builtin_frame_address(0) - 65536) & ~15ul;
    char *s = (char *)top - strings;
    uint64_t *v = (uint64_t *)(((uint64_t)s - vectors) & ~15ul);
    uint64_t sp = (uint64_t)v;
    /* The client's start-up (ld.so, libc, main) goes tens of KiB down. */
    tl_populate_write((void *)(sp - 32 * 1024), top - (sp - 32 * 1024));

    char *sp_str = s;
#define PUT_STR(dst, src) do { size_t n_ = strlen(src) + 1; memcpy(sp_str, src, n_); dst = sp_str; sp_str += n_; } while (0)
    char *execfn_copy, *platform_copy = NULL;
    PUT_STR(execfn_copy, execfn);
    if (platform)
        PUT_STR(platform_copy, platform);
    unsigned char *random_bytes = (unsigned char *)sp_str;
    if (getrandom(random_bytes, 16, 0) != 16)
        memset(random_bytes, 0x5a, 16);
    sp_str += 16;

    *v++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++) {
        char *d;
        PUT_STR(d, argv[i]);
        *v++ = (uint64_t)d;
    }
    *v++ = 0;
    for (int i = 0; i < envc; i++) {
        char *d;
        PUT_STR(d, envp[i]);
        *v++ = (uint64_t)d;
    }
    *v++ = 0;
#undef PUT_STR
    for (const Elf64_auxv_t *a = kernel_auxv; a->a_type != AT_NULL; a++) {
        uint64_t val = a->a_un.a_val;
        switch (a->a_type) {
        case AT_PHDR: val = exe->phdr; break;
        case AT_PHNUM: val = exe->phnum; break;
        case AT_PHENT: val = sizeof(Elf64_Phdr); break;
        case AT_ENTRY: val = exe->entry; break;
        case AT_BASE: val = interp ? interp->bias : 0; break;
        case AT_EXECFN: val = (uint64_t)execfn_copy; break;
        case AT_RANDOM: val = (uint64_t)random_bytes; break;
        case AT_PLATFORM: val = (uint64_t)platform_copy; break;
        case AT_SECURE: val = 0; break;
        default: break;
        }
        *v++ = a->a_type;
        *v++ = val;
    }
    *v++ = AT_NULL;
    *v++ = 0;
    return sp;
}

void tl_enter_client(uint64_t entry, uint64_t sp)
{
    __asm__ volatile(
        "mov %1, %%r11\n\t"
        "mov %0, %%rsp\n\t"
        "xor %%eax, %%eax\n\t"
        "xor %%ebx, %%ebx\n\t"
        "xor %%ecx, %%ecx\n\t"
        "xor %%edx, %%edx\n\t" /* no atexit function for the client */
        "xor %%esi, %%esi\n\t"
        "xor %%edi, %%edi\n\t"
        "xor %%ebp, %%ebp\n\t"
        "xor %%r8d, %%r8d\n\t"
        "xor %%r9d, %%r9d\n\t"
        "xor %%r10d, %%r10d\n\t"
        "xor %%r12d, %%r12d\n\t"
        "xor %%r13d, %%r13d\n\t"
        "xor %%r14d, %%r14d\n\t"
        "xor %%r15d, %%r15d\n\t"
        "jmp *%%r11\n\t"
        :
        : "r"(sp), "r"(entry)
        : "memory");
    __builtin_unreachable();
}
