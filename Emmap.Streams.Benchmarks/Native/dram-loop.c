/*
 * What one more instruction costs a loop of 64-byte reads that miss to memory: the raw copy, ReadAt's instruction
 * sequence as the JIT compiles it into a caller's loop (x64, AVX-512), and the raw copy with a few instructions added,
 * each loop written in assembly so that no compiler changes it. See docs/benchmarks.md ("Instructions in a loop of
 * misses").
 *
 *   gcc -O2 -o dram-loop dram-loop.c && ./dram-loop /tmp/dram-loop.bin         (2^20 random lines over 256 MiB)
 *   ./dram-loop /tmp/dram-loop.bin cached                                       (1,024 lines: caches and TLB hit)
 *
 * Each case runs 15 rounds, in the same order each round; the table gives the median and the ratio to the raw copy's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define COUNT (1 << 20)
#define ROUNDS 15
#define FILE_SIZE (256L << 20)

/* The fields ReadAt reads, at the offsets the JIT used: cut counter, base, read end (the limit, in the form tried). */
typedef struct { long pad[10]; long cuts; long base; long end; } fields;

/* A .NET long[]: its length at +8, its elements from +16. The loop counts with r12 and adds the bytes to r14. */
#define BEGIN "xor %%r12d, %%r12d\n xor %%r14d, %%r14d\n .p2align 6\n1:\n"
#define END "inc %%r12d\n cmp %%r12d, 8(%[offsets])\n jg 1b\n jmp 8f\n9: ud2\n8:\n"
#define LOOP(name, body) \
    __attribute__((noinline)) static void name(char *offsets, fields *f, char *buffer) \
    { \
        __asm__ volatile(BEGIN body END \
            : : [offsets] "r"(offsets), [f] "r"(f), [buffer] "r"(buffer) \
            : "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r14", "xmm0", "memory", "cc"); \
    }
#define LOAD_AND_COPY "mov 16(%[offsets], %%r12, 8), %%rsi\n add 0x58(%[f]), %%rsi\n" \
    "vmovups (%%rsi), %%zmm0\n vmovups %%zmm0, (%[buffer])\n add $64, %%r14\n"
#define READAT_CHECKS_AND_COPY "mov 16(%[offsets], %%r12, 8), %%rsi\n mov 0x50(%[f]), %%rdx\n mov 0x60(%[f]), %%rcx\n" \
    "test %%rsi, %%rsi\n jl 9f\n sub $64, %%rcx\n cmp %%rsi, %%rcx\n jl 9f\n mov %%rsi, %%rcx\n add 0x58(%[f]), %%rcx\n" \
    "vmovups (%%rcx), %%zmm0\n vmovups %%zmm0, (%[buffer])\n cmp %%rdx, 0x50(%[f])\n jne 9f\n"

/* A form of the checks that was tried: the range's end compared with a one-past-the-end limit in memory (0 refuses), and
 * the copy addressed as base + index; two register writes fewer. */
#define LIMIT_CHECKS_AND_COPY "mov 16(%[offsets], %%r12, 8), %%rsi\n mov 0x50(%[f]), %%rdx\n" \
    "test %%rsi, %%rsi\n jl 9f\n lea 64(%%rsi), %%rcx\n cmp 0x60(%[f]), %%rcx\n jae 9f\n mov 0x58(%[f]), %%rcx\n" \
    "vmovups (%%rcx, %%rsi), %%zmm0\n vmovups %%zmm0, (%[buffer])\n cmp %%rdx, 0x50(%[f])\n jne 9f\n"

LOOP(raw, LOAD_AND_COPY)
LOOP(read_at, READAT_CHECKS_AND_COPY "mov $64, %%eax\n cdqe\n add %%rax, %%r14\n")
LOOP(read_at_count_not_merged, READAT_CHECKS_AND_COPY "add $64, %%r14\n")
LOOP(limit_read_at, LIMIT_CHECKS_AND_COPY "mov $64, %%eax\n cdqe\n add %%rax, %%r14\n")
LOOP(limit_count_not_merged, LIMIT_CHECKS_AND_COPY "add $64, %%r14\n")
LOOP(raw_4_register_writes, LOAD_AND_COPY "add $1, %%r8\n add $2, %%r9\n add $3, %%r10\n add $4, %%r11\n")
LOOP(raw_8_register_writes, LOAD_AND_COPY "add $1, %%r8\n add $2, %%r9\n add $3, %%r10\n add $4, %%r11\n"
                                          "add $1, %%r8\n add $2, %%r9\n add $3, %%r10\n add $4, %%r11\n")
LOOP(raw_4_flag_compares, LOAD_AND_COPY "cmp %%r8, %%r9\n cmp %%r9, %%r10\n cmp %%r10, %%r11\n cmp %%r11, %%r8\n")
LOOP(raw_4_cached_loads, LOAD_AND_COPY "mov 0x50(%[f]), %%r8\n mov 0x60(%[f]), %%r9\n mov 0x50(%[f]), %%r10\n mov 0x58(%[f]), %%r11\n")
LOOP(raw_2_range_checks, "mov 16(%[offsets], %%r12, 8), %%rsi\n add 0x58(%[f]), %%rsi\n test %%rsi, %%rsi\n jl 9f\n"
                         "cmp $-1, %%rsi\n je 9f\n vmovups (%%rsi), %%zmm0\n vmovups %%zmm0, (%[buffer])\n add $64, %%r14\n")

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [cached]\n", argv[0]);
        return 2;
    }

    int fd = open(argv[1], O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ftruncate(fd, FILE_SIZE) != 0) {
        perror(argv[1]);
        return 1;
    }

    char *mapping = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapping == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    for (long at = 0; at < FILE_SIZE; at += 4096) {
        mapping[at] = 1;
    }

    int cached = argc > 2 && strcmp(argv[2], "cached") == 0;
    char *array = aligned_alloc(64, 16 + 8L * COUNT);
    *(int *)(array + 8) = COUNT;
    long *offsets = (long *)(array + 16);
    srand(42);
    for (int i = 0; i < COUNT; i++) {
        offsets[i] = cached ? (long)(rand() % 1024) * 4096 + (rand() % 64) * 64 : (long)(rand() % (FILE_SIZE / 64)) * 64;
    }

    static fields f;
    f.cuts = 1;
    f.base = (long)mapping;
    f.end = FILE_SIZE;
    static char buffer[128] __attribute__((aligned(64)));

    void (*loops[])(char *, fields *, char *) = {
        raw, read_at, read_at_count_not_merged, limit_read_at, limit_count_not_merged, raw_4_register_writes,
        raw_8_register_writes, raw_4_flag_compares, raw_4_cached_loads, raw_2_range_checks,
    };
    const char *names[] = {
        "raw copy", "ReadAt's sequence", "... count not merged", "limit form (tried)", "... count not merged",
        "raw + 4 register writes", "raw + 8 register writes", "raw + 4 flag-only compares", "raw + 4 cached loads",
        "raw + 2 range checks",
    };
    enum { CASES = sizeof(loops) / sizeof(loops[0]) };
    double times[CASES][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (int c = 0; c < CASES; c++) {
            double start = now();
            loops[c](array, &f, buffer);
            times[c][round] = (now() - start) / COUNT;
        }
    }

    double reference = 0;
    for (int c = 0; c < CASES; c++) {
        qsort(times[c], ROUNDS, sizeof(double), by_value);
        double median = times[c][ROUNDS / 2];
        reference = c == 0 ? median : reference;
        printf("%-28s median %6.2f ns  %.2fx\n", names[c], median, median / reference);
    }

    return 0;
}
