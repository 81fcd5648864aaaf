#ifndef SPINDLE_CSYSTEMSHIMS_H
#define SPINDLE_CSYSTEMSHIMS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// copy_file_range(2) (glibc hides it behind _GNU_SOURCE, which Swift does not define).
ssize_t spindle_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                                size_t len);
/// flock(2) (Swift sees `flock` as the struct of the same name).
int spindle_flock(int fd, int operation);
/// renameat2(2) with RENAME_EXCHANGE: swaps two paths atomically.
int spindle_rename_exchange(const char *a, const char *b);
/// The CPU's spin-wait hint (x86 `pause`, ARM `yield`): tells the core a loop is waiting on
/// another thread's store.
static inline void spindle_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// The x86-64 microarchitecture level this CPU and its OS support, for choosing kernels at run
/// time: 4 (x86-64-v4: AVX-512 F/BW/CD/DQ/VL), 3 (x86-64-v3: AVX2, FMA, F16C, BMI1/2, LZCNT,
/// MOVBE), else 1; always 1 on other architectures. The compiler's CPU model checks XCR0, so a
/// feature the OS does not save across context switches counts as missing.
int spindle_cpu_level(void);

/// glibc's malloc keeps freed memory for reuse instead of handing it back to the kernel:
/// blocks up to 32 MiB (where glibc's own adaptive threshold stops) come from the heap, not
/// from mmap(2), and up to 1 GiB free at the top of the heap stays there. Returns 1 when glibc took both settings, 0
/// otherwise (and always 0 with another C library).
int spindle_keep_freed_memory(void);

/// Mapped-file guard: a SIGBUS inside a registered mapping (its file was truncated or shrunk
/// by another process) maps zero pages over the rest of that mapping, marks it changed and
/// lets the faulting read go on; a SIGBUS anywhere else goes to the previous handler. The
/// handler is installed by the first registration. Returns the slot, or -1 when all are taken
/// (the mapping is then unguarded).
int spindle_mapping_register(const void *base, size_t length, const char *path);
/// Forgets a slot; a change seen in it is kept as the process's first change, if none yet.
void spindle_mapping_unregister(int slot);
/// Whether a fault was caught in `slot`; `offset` gets the first faulting page's offset.
int spindle_mapping_faulted(int slot, size_t *offset);
/// Faults caught since the process started, over every mapping.
long spindle_mapping_fault_count(void);
/// The registered mapping holding `address`: 1 and its path (a copy the caller frees) and
/// mapped length, or 0. For a system call that read a mapping and failed with EFAULT (the
/// kernel, not the process, met the missing pages, so no SIGBUS was raised).
int spindle_mapping_lookup(const void *address, char **path, size_t *length);
/// The first mapping that faulted (live or forgotten): 1 and its path (a copy the caller
/// frees), mapped length and first faulting offset, or 0 when none has.
int spindle_mapping_first_fault(char **path, size_t *length, size_t *offset);
#endif
