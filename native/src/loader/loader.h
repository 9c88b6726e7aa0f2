/* loader.h - mapping the client's program and its interpreter into this
 * process, and building the stack the kernel would have built. */
#ifndef TRAPLINE_LOADER_LOADER_H
#define TRAPLINE_LOADER_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define TL_LOADER_MAX_SHEBANG 4

struct tl_loaded_elf {
    uint64_t bias;          /* runtime address = vaddr + bias */
    uint64_t entry;         /* runtime entry point */
    uint64_t phdr;          /* runtime address of the program headers */
    uint64_t phnum;
    const char *interp;     /* PT_INTERP (kept for the image's life), or 0 */
};

/* What to run once `#!` lines and the execvp fallback are resolved. */
struct tl_exec_target {
    char elf_path[4096];    /* the ELF that runs (what /proc/self/exe says) */
    char **argv;            /* argv after #! rewriting (malloc'd) */
    int argc;
};

/* Outcome codes with the message already in `err`. */
enum {
    TL_LOAD_OK = 0,
    TL_LOAD_NOT_FOUND = 127,
    TL_LOAD_NOT_EXECUTABLE = 126,
};

/* Resolves `#!` chains (up to 4 levels) and the execvp fallback (a file
 * that is neither ELF nor script runs under /bin/sh). */
int tl_resolve_target(const char *path, char **argv, struct tl_exec_target *out, char *err, size_t errlen);

/* Maps the ELF at path. Returns 0, or an exit status with a message. */
int tl_load_elf(const char *path, struct tl_loaded_elf *out, char *err, size_t errlen);

/* Remembers the auxv that follows the kernel's envp (call first thing). */
void tl_loader_remember_auxv(char **kernel_envp);

/* Builds the client's initial stack below the current one and returns its
 * top (what rsp must be at the entry point). */
uint64_t tl_build_initial_stack(char **argv, char **envp, const struct tl_loaded_elf *exe,
                                const struct tl_loaded_elf *interp, const char *execfn);

/* Jumps to entry with rsp = sp and the registers the kernel leaves. */
__attribute__((noreturn)) void tl_enter_client(uint64_t entry, uint64_t sp);

#endif
