// Keeps known values in vector registers (xmm0-15, ymm0-15 when AVX is
// usable, zmm0-31 and k0-7 when AVX-512F is usable), MXCSR and general
// registers across raw `syscall` instructions and checks every one of them
// afterwards: the kernel's contract is that only rax, rcx and r11 change,
// rcx holding the address after the syscall and r11 the flags.
// It also calls clock_gettime (libc → vDSO) from assembly with known values
// in registers and checks what the function-call ABI says must survive
// (rbx, rbp, r12-r15, rsp, MXCSR control bits, x87 control word), and
// notes on stderr any vector register that changed (the ABI allows that).
// Prints "vector_regs: OK" and exits 0, or names each mismatch and exits 1.
// Usage: vector_regs [ITERATIONS]   (default 200)
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define USED __attribute__((used))

static int failures;
static int notes;

static void fail(const char *what, int reg, int iter, const void *want, const void *got, size_t n)
{
	if (failures++ > 20)
		return;
	fprintf(stderr, "vector_regs: %s%d changed (iteration %d): want", what, reg, iter);
	for (size_t i = 0; i < n && i < 16; i++)
		fprintf(stderr, " %02x", ((const unsigned char *)want)[i]);
	fprintf(stderr, " got");
	for (size_t i = 0; i < n && i < 16; i++)
		fprintf(stderr, " %02x", ((const unsigned char *)got)[i]);
	fprintf(stderr, "%s\n", n > 16 ? " ..." : "");
}

static void fill(void *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 12345u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		((unsigned char *)p)[i] = (unsigned char)(x >> 7);
	}
}

/* Syscalls used: getpid (fast), sched_yield (may switch), getppid. */
static const long sysnos[] = { SYS_getpid, SYS_sched_yield, SYS_getppid };
#define NSYS (sizeof sysnos / sizeof sysnos[0])

/* ---------------- xmm0-15 (SSE2, always present) ---------------- */

static unsigned char xin[16][16] __attribute__((aligned(64)));
static unsigned char xout[16][16] __attribute__((aligned(64)));

static long xmm_syscall(long nr)
{
	long ret = nr;
	__asm__ volatile(
#define L(i) "movdqu " #i "*16(%1), %%xmm" #i "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		"syscall\n\t"
#define S(i) "movdqu %%xmm" #i ", " #i "*16(%2)\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		: "+a"(ret)
		: "r"(xin), "r"(xout)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret;
}

static void test_xmm(int iter)
{
	fill(xin, sizeof xin, 100 + iter);
	memset(xout, 0, sizeof xout);
	xmm_syscall(sysnos[iter % NSYS]);
	for (int r = 0; r < 16; r++)
		if (memcmp(xin[r], xout[r], 16))
			fail("xmm", r, iter, xin[r], xout[r], 16);
}

/* ---------------- ymm0-15 (AVX) ---------------- */

static unsigned char yin[16][32] __attribute__((aligned(64)));
static unsigned char yout[16][32] __attribute__((aligned(64)));

__attribute__((target("avx"))) static long ymm_syscall(long nr)
{
	long ret = nr;
	__asm__ volatile(
#define L(i) "vmovdqu " #i "*32(%1), %%ymm" #i "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		"syscall\n\t"
#define S(i) "vmovdqu %%ymm" #i ", " #i "*32(%2)\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		"vzeroupper\n\t"
		: "+a"(ret)
		: "r"(yin), "r"(yout)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret;
}

static void test_ymm(int iter)
{
	fill(yin, sizeof yin, 200 + iter);
	memset(yout, 0, sizeof yout);
	ymm_syscall(sysnos[iter % NSYS]);
	for (int r = 0; r < 16; r++)
		if (memcmp(yin[r], yout[r], 32))
			fail("ymm", r, iter, yin[r], yout[r], 32);
}

/* ---------------- zmm0-31 + k0-7 (AVX-512F) ---------------- */

static unsigned char zin[32][64] __attribute__((aligned(64)));
static unsigned char zout[32][64] __attribute__((aligned(64)));
static uint16_t kin[8], kout[8];

__attribute__((target("avx512f"))) static long zmm_syscall(long nr)
{
	long ret = nr;
	__asm__ volatile(
#define L(i) "vmovdqu64 " #i "*64(%1), %%zmm" #i "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
		L(16) L(17) L(18) L(19) L(20) L(21) L(22) L(23) L(24) L(25) L(26) L(27) L(28) L(29) L(30) L(31)
#undef L
#define K(i) "kmovw " #i "*2(%3), %%k" #i "\n\t"
		K(0) K(1) K(2) K(3) K(4) K(5) K(6) K(7)
#undef K
		"syscall\n\t"
#define S(i) "vmovdqu64 %%zmm" #i ", " #i "*64(%2)\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
		S(16) S(17) S(18) S(19) S(20) S(21) S(22) S(23) S(24) S(25) S(26) S(27) S(28) S(29) S(30) S(31)
#undef S
#define K(i) "kmovw %%k" #i ", " #i "*2(%4)\n\t"
		K(0) K(1) K(2) K(3) K(4) K(5) K(6) K(7)
#undef K
		"vzeroupper\n\t"
		: "+a"(ret)
		: "r"(zin), "r"(zout), "r"(kin), "r"(kout)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17",
		  "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27",
		  "xmm28", "xmm29", "xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
	return ret;
}

static void test_zmm(int iter)
{
	fill(zin, sizeof zin, 300 + iter);
	fill(kin, sizeof kin, 400 + iter);
	memset(zout, 0, sizeof zout);
	memset(kout, 0, sizeof kout);
	zmm_syscall(sysnos[iter % NSYS]);
	for (int r = 0; r < 32; r++)
		if (memcmp(zin[r], zout[r], 64))
			fail("zmm", r, iter, zin[r], zout[r], 64);
	for (int r = 0; r < 8; r++)
		if (kin[r] != kout[r])
			fail("k", r, iter, &kin[r], &kout[r], 2);
}

/* ---------------- general registers, flags, MXCSR, x87 CW ---------------- */

/* Order: rbx rdx rsi rdi rbp r8 r9 r10 r12 r13 r14 r15 */
#define NGPR 12
static const char *const gpr_names[NGPR] = { "rbx", "rdx", "rsi", "rdi", "rbp", "r8",
					    "r9", "r10", "r12", "r13", "r14", "r15" };
/* referenced from asm */
static USED uint64_t gin[NGPR], gout[NGPR];
/* referenced from asm */
static USED uint64_t gsave[6];
/* referenced from asm */
static USED uint64_t g_rcx, g_after, g_r11, g_rsp_before, g_rsp_after, g_rflags_before;
/* referenced from asm */
static USED uint32_t mx_in, mx_out;
/* referenced from asm */
static USED uint16_t cw_in, cw_out;

static long gpr_syscall(long nr)
{
	long ret = nr;
	__asm__ volatile(
		"movq %%rbx, 0+gsave(%%rip)\n\t"
		"movq %%rbp, 8+gsave(%%rip)\n\t"
		"movq %%r12, 16+gsave(%%rip)\n\t"
		"movq %%r13, 24+gsave(%%rip)\n\t"
		"movq %%r14, 32+gsave(%%rip)\n\t"
		"movq %%r15, 40+gsave(%%rip)\n\t"
		"ldmxcsr mx_in(%%rip)\n\t"
		"fldcw cw_in(%%rip)\n\t"
		"movq 0+gin(%%rip), %%rbx\n\t"
		"movq 8+gin(%%rip), %%rdx\n\t"
		"movq 16+gin(%%rip), %%rsi\n\t"
		"movq 24+gin(%%rip), %%rdi\n\t"
		"movq 32+gin(%%rip), %%rbp\n\t"
		"movq 40+gin(%%rip), %%r8\n\t"
		"movq 48+gin(%%rip), %%r9\n\t"
		"movq 56+gin(%%rip), %%r10\n\t"
		"movq 64+gin(%%rip), %%r12\n\t"
		"movq 72+gin(%%rip), %%r13\n\t"
		"movq 80+gin(%%rip), %%r14\n\t"
		"movq 88+gin(%%rip), %%r15\n\t"
		"movq %%rsp, g_rsp_before(%%rip)\n\t"
		"syscall\n"
		"1:\n\t"
		"movq %%rsp, g_rsp_after(%%rip)\n\t"
		"movq %%rcx, g_rcx(%%rip)\n\t"
		"movq %%r11, g_r11(%%rip)\n\t"
		"leaq 1b(%%rip), %%rcx\n\t"
		"movq %%rcx, g_after(%%rip)\n\t"
		"movq %%rbx, 0+gout(%%rip)\n\t"
		"movq %%rdx, 8+gout(%%rip)\n\t"
		"movq %%rsi, 16+gout(%%rip)\n\t"
		"movq %%rdi, 24+gout(%%rip)\n\t"
		"movq %%rbp, 32+gout(%%rip)\n\t"
		"movq %%r8, 40+gout(%%rip)\n\t"
		"movq %%r9, 48+gout(%%rip)\n\t"
		"movq %%r10, 56+gout(%%rip)\n\t"
		"movq %%r12, 64+gout(%%rip)\n\t"
		"movq %%r13, 72+gout(%%rip)\n\t"
		"movq %%r14, 80+gout(%%rip)\n\t"
		"movq %%r15, 88+gout(%%rip)\n\t"
		"stmxcsr mx_out(%%rip)\n\t"
		"fnstcw cw_out(%%rip)\n\t"
		"movq 0+gsave(%%rip), %%rbx\n\t"
		"movq 8+gsave(%%rip), %%rbp\n\t"
		"movq 16+gsave(%%rip), %%r12\n\t"
		"movq 24+gsave(%%rip), %%r13\n\t"
		"movq 32+gsave(%%rip), %%r14\n\t"
		"movq 40+gsave(%%rip), %%r15\n\t"
		: "+a"(ret)
		:
		: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static void test_gpr(int iter)
{
	fill(gin, sizeof gin, 500 + iter);
	memset(gout, 0, sizeof gout);
	/* Round toward zero, all exceptions masked, FTZ|DAZ: far from the default 0x1f80. */
	mx_in = 0x1f80 | 0x6000 | 0x8040;
	cw_in = 0x0f7f; /* round toward zero, 64-bit precision, exceptions masked */
	uint32_t mx_saved;
	uint16_t cw_saved;
	__asm__ volatile("stmxcsr %0" : "=m"(mx_saved));
	__asm__ volatile("fnstcw %0" : "=m"(cw_saved));
	long nr = sysnos[iter % NSYS];
	long ret = gpr_syscall(nr);
	__asm__ volatile("ldmxcsr %0" : : "m"(mx_saved));
	__asm__ volatile("fldcw %0" : : "m"(cw_saved));
	for (int r = 0; r < NGPR; r++)
		if (gin[r] != gout[r])
			fail(gpr_names[r], 0, iter, &gin[r], &gout[r], 8);
	if (g_rsp_before != g_rsp_after)
		fail("rsp", 0, iter, &g_rsp_before, &g_rsp_after, 8);
	if (g_rcx != g_after) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: rcx after syscall = %#lx, want the next instruction %#lx\n",
				(unsigned long)g_rcx, (unsigned long)g_after);
	}
	/* r11 holds rflags as they were at the syscall (RF cleared). IF is
	 * always set in user mode; bit 1 is always 1. */
	if ((g_r11 & 0x202) != 0x202) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: r11 after syscall = %#lx, not an rflags value\n",
				(unsigned long)g_r11);
	}
	if (mx_out != mx_in)
		fail("mxcsr", 0, iter, &mx_in, &mx_out, 4);
	if (cw_out != cw_in)
		fail("x87cw", 0, iter, &cw_in, &cw_out, 2);
	if (nr == SYS_getpid && ret != getpid()) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: raw getpid returned %ld, libc says %d\n", ret, getpid());
	}
	(void)g_rflags_before;
}

/* ---------------- a libc → vDSO call from assembly ---------------- */

/* referenced from asm */
static USED uint64_t vin[6], vout[6], vsave[6];
/* referenced from asm */
static USED uint64_t v_rsp_before, v_rsp_after;
/* referenced from asm */
static USED unsigned char vxin[16][16], vxout[16][16];
/* referenced from asm */
static USED int (*cg)(clockid_t, struct timespec *) = clock_gettime;
/* referenced from asm */
static USED struct timespec vts;

static long vdso_call(void)
{
	long ret;
	/* rbx rbp r12-r15 get known values; r12 also keeps rsp (it is callee-saved). */
	__asm__ volatile(
		"movq %%rbx, 0+vsave(%%rip)\n\t"
		"movq %%rbp, 8+vsave(%%rip)\n\t"
		"movq %%r12, 16+vsave(%%rip)\n\t"
		"movq %%r13, 24+vsave(%%rip)\n\t"
		"movq %%r14, 32+vsave(%%rip)\n\t"
		"movq %%r15, 40+vsave(%%rip)\n\t"
		"ldmxcsr mx_in(%%rip)\n\t"
		"fldcw cw_in(%%rip)\n\t"
#define L(i) "movdqu " #i "*16+vxin(%%rip), %%xmm" #i "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		"movq %%rsp, %%r12\n\t"
		"leaq -256(%%rsp), %%rsp\n\t" /* step over our red zone */
		"andq $-16, %%rsp\n\t"
		"movq %%rsp, v_rsp_before(%%rip)\n\t"
		"movq 0+vin(%%rip), %%rbx\n\t"
		"movq 8+vin(%%rip), %%rbp\n\t"
		"movq 16+vin(%%rip), %%r13\n\t"
		"movq 24+vin(%%rip), %%r14\n\t"
		"movq 32+vin(%%rip), %%r15\n\t"
		"movl $1, %%edi\n\t" /* CLOCK_MONOTONIC */
		"leaq vts(%%rip), %%rsi\n\t"
		"movq cg(%%rip), %%rax\n\t"
		"call *%%rax\n\t"
		"movq %%rsp, v_rsp_after(%%rip)\n\t"
		"movq %%rbx, 0+vout(%%rip)\n\t"
		"movq %%rbp, 8+vout(%%rip)\n\t"
		"movq %%r13, 16+vout(%%rip)\n\t"
		"movq %%r14, 24+vout(%%rip)\n\t"
		"movq %%r15, 32+vout(%%rip)\n\t"
		"movq %%r12, %%rsp\n\t"
#define S(i) "movdqu %%xmm" #i ", " #i "*16+vxout(%%rip)\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		"stmxcsr mx_out(%%rip)\n\t"
		"fnstcw cw_out(%%rip)\n\t"
		"movq 0+vsave(%%rip), %%rbx\n\t"
		"movq 8+vsave(%%rip), %%rbp\n\t"
		"movq 16+vsave(%%rip), %%r12\n\t"
		"movq 24+vsave(%%rip), %%r13\n\t"
		"movq 32+vsave(%%rip), %%r14\n\t"
		"movq 40+vsave(%%rip), %%r15\n\t"
		: "=a"(ret)
		:
		: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0", "xmm1",
		  "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
	return ret;
}

static void test_vdso(int iter, struct timespec *prev)
{
	static const char *const names[5] = { "rbx", "rbp", "r13", "r14", "r15" };
	fill(vin, sizeof vin, 600 + iter);
	fill(vxin, sizeof vxin, 700 + iter);
	mx_in = 0x1f80 | 0x6000;
	cw_in = 0x0f7f;
	uint32_t mx_saved;
	uint16_t cw_saved;
	__asm__ volatile("stmxcsr %0" : "=m"(mx_saved));
	__asm__ volatile("fnstcw %0" : "=m"(cw_saved));
	long ret = vdso_call();
	__asm__ volatile("ldmxcsr %0" : : "m"(mx_saved));
	__asm__ volatile("fldcw %0" : : "m"(cw_saved));
	if ((int)ret != 0) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: clock_gettime returned %d\n", (int)ret);
	}
	for (int r = 0; r < 5; r++)
		if (vin[r] != vout[r])
			fail(names[r], 0, iter, &vin[r], &vout[r], 8);
	if (v_rsp_before != v_rsp_after)
		fail("rsp-after-call", 0, iter, &v_rsp_before, &v_rsp_after, 8);
	/* MXCSR control bits and the x87 control word are callee-saved. */
	if ((mx_out & 0xffc0) != (mx_in & 0xffc0))
		fail("mxcsr-ctl", 0, iter, &mx_in, &mx_out, 4);
	if (cw_out != cw_in)
		fail("x87cw", 0, iter, &cw_in, &cw_out, 2);
	for (int r = 0; r < 16; r++)
		if (memcmp(vxin[r], vxout[r], 16) && notes++ == 0)
			fprintf(stderr, "vector_regs: note: xmm%d changed across clock_gettime (allowed by the ABI)\n", r);
	if (vts.tv_sec < prev->tv_sec || (vts.tv_sec == prev->tv_sec && vts.tv_nsec < prev->tv_nsec)) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: CLOCK_MONOTONIC went backwards\n");
	}
	*prev = vts;
}

/* Values the compiler keeps live across libc calls (spilled or not): a
 * corrupted stack or red zone shows up here. */
static double __attribute__((noinline)) mixed(int iter)
{
	volatile double seed = 1.0 + iter;
	double a = seed * 1.5, b = seed * 2.25, c = seed * 3.125, d = seed * 4.0625;
	struct timespec ts;
	for (int i = 0; i < 4; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		a += 1.0;
		syscall(SYS_getpid);
		b += 2.0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		c += 3.0;
		getppid();
		d += 4.0;
	}
	double want = seed * (1.5 + 2.25 + 3.125 + 4.0625) + 4 * (1.0 + 2.0 + 3.0 + 4.0);
	if (a + b + c + d != want) {
		if (failures++ < 20)
			fprintf(stderr, "vector_regs: live doubles corrupted across calls: %g != %g\n", a + b + c + d,
				want);
	}
	return a;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 200;
	int have_avx = __builtin_cpu_supports("avx");
	int have_avx512 = __builtin_cpu_supports("avx512f");
	struct timespec prev = { 0, 0 };

	for (int i = 0; i < iters; i++) {
		test_xmm(i);
		if (have_avx)
			test_ymm(i);
		if (have_avx512)
			test_zmm(i);
		test_gpr(i);
		test_vdso(i, &prev);
		mixed(i);
	}
	if (failures) {
		printf("vector_regs: FAILED (%d mismatches)\n", failures);
		return 1;
	}
	printf("vector_regs: OK (xmm%s%s, gpr, vdso)\n", have_avx ? " ymm" : "", have_avx512 ? " zmm k" : "");
	return 0;
}
