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
#endif
