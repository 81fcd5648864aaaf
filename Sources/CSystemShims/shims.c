#define _GNU_SOURCE
#include <unistd.h>
#include <sys/file.h>
#include <fcntl.h>
#include <stdio.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "CSystemShims.h"

ssize_t spindle_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                                size_t len) {
  loff_t in = (loff_t)*off_in, out = (loff_t)*off_out;
  ssize_t n = copy_file_range(fd_in, &in, fd_out, &out, len, 0);
  *off_in = (int64_t)in;
  *off_out = (int64_t)out;
  return n;
}

int spindle_flock(int fd, int operation) { return flock(fd, operation); }

int spindle_rename_exchange(const char *a, const char *b) {
  return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

// MARK: Mapped-file guard

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>

enum { SPINDLE_MAPPING_SLOTS = 4096 };

struct spindle_mapping {
  atomic_int claimed;
  atomic_uintptr_t base; // 0 while free or being set up
  atomic_size_t length;
  atomic_int faulted;
  atomic_size_t fault_offset;
  char *path; // under `registry_lock`
};

static struct spindle_mapping mappings[SPINDLE_MAPPING_SLOTS];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static struct sigaction previous_bus;
static uintptr_t page_size;
static atomic_long fault_count;
static char *first_path;
static size_t first_length, first_offset;

static void on_sigbus(int signal_number, siginfo_t *info, void *context) {
  uintptr_t address = (uintptr_t)info->si_addr;
  for (int slot = 0; slot < SPINDLE_MAPPING_SLOTS; slot++) {
    uintptr_t base = atomic_load(&mappings[slot].base);
    size_t length = atomic_load(&mappings[slot].length);
    if (base == 0 || address < base || address - base >= length) continue;
    uintptr_t start = address & ~(page_size - 1);
    uintptr_t end = (base + length + page_size - 1) & ~(page_size - 1);
    // Zero pages from the faulting page to the end of the mapping: the read goes on, and so
    // does every later read of the lost tail, without one fault per page.
    if (mmap((void *)start, end - start, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) == MAP_FAILED)
      break;
    size_t offset = start > base ? start - base : 0;
    size_t seen = atomic_load(&mappings[slot].fault_offset);
    while (offset < seen &&
           !atomic_compare_exchange_weak(&mappings[slot].fault_offset, &seen, offset)) {
    }
    atomic_store(&mappings[slot].faulted, 1);
    atomic_fetch_add(&fault_count, 1);
    return;
  }
  // Not a guarded mapping: whoever handled SIGBUS before, else the default (death) when the
  // faulting instruction runs again.
  if ((previous_bus.sa_flags & SA_SIGINFO) && previous_bus.sa_sigaction != NULL) {
    previous_bus.sa_sigaction(signal_number, info, context);
  } else if (previous_bus.sa_handler != SIG_DFL && previous_bus.sa_handler != SIG_IGN &&
             previous_bus.sa_handler != NULL) {
    previous_bus.sa_handler(signal_number);
  } else {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &fallback, NULL);
  }
}

static void install_handler(void) {
  page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &previous_bus);
}

int spindle_mapping_register(const void *base, size_t length, const char *path) {
  if (base == NULL || length == 0) return -1;
  pthread_once(&handler_once, install_handler);
  for (int slot = 0; slot < SPINDLE_MAPPING_SLOTS; slot++) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&mappings[slot].claimed, &expected, 1)) continue;
    pthread_mutex_lock(&registry_lock);
    mappings[slot].path = strdup(path);
    pthread_mutex_unlock(&registry_lock);
    atomic_store(&mappings[slot].faulted, 0);
    atomic_store(&mappings[slot].fault_offset, SIZE_MAX);
    atomic_store(&mappings[slot].length, length);
    atomic_store(&mappings[slot].base, (uintptr_t)base);
    return slot;
  }
  return -1;
}

void spindle_mapping_unregister(int slot) {
  if (slot < 0 || slot >= SPINDLE_MAPPING_SLOTS) return;
  atomic_store(&mappings[slot].base, 0);
  pthread_mutex_lock(&registry_lock);
  if (atomic_load(&mappings[slot].faulted) && first_path == NULL) {
    first_path = mappings[slot].path;
    first_length = atomic_load(&mappings[slot].length);
    first_offset = atomic_load(&mappings[slot].fault_offset);
  } else {
    free(mappings[slot].path);
  }
  mappings[slot].path = NULL;
  pthread_mutex_unlock(&registry_lock);
  atomic_store(&mappings[slot].claimed, 0);
}

int spindle_mapping_faulted(int slot, size_t *offset) {
  if (slot < 0 || slot >= SPINDLE_MAPPING_SLOTS || !atomic_load(&mappings[slot].faulted)) return 0;
  if (offset) *offset = atomic_load(&mappings[slot].fault_offset);
  return 1;
}

long spindle_mapping_fault_count(void) { return atomic_load(&fault_count); }

int spindle_mapping_first_fault(char **path, size_t *length, size_t *offset) {
  int found = 0;
  pthread_mutex_lock(&registry_lock);
  if (first_path != NULL) {
    *path = strdup(first_path);
    *length = first_length;
    *offset = first_offset;
    found = 1;
  } else {
    for (int slot = 0; slot < SPINDLE_MAPPING_SLOTS && !found; slot++) {
      if (atomic_load(&mappings[slot].base) == 0 || !atomic_load(&mappings[slot].faulted)) continue;
      *path = strdup(mappings[slot].path);
      *length = atomic_load(&mappings[slot].length);
      *offset = atomic_load(&mappings[slot].fault_offset);
      found = 1;
    }
  }
  pthread_mutex_unlock(&registry_lock);
  return found;
}

int spindle_mapping_lookup(const void *address, char **path, size_t *length) {
  uintptr_t wanted = (uintptr_t)address;
  int found = 0;
  pthread_mutex_lock(&registry_lock);
  for (int slot = 0; slot < SPINDLE_MAPPING_SLOTS && !found; slot++) {
    uintptr_t base = atomic_load(&mappings[slot].base);
    size_t size = atomic_load(&mappings[slot].length);
    if (base == 0 || wanted < base || wanted - base >= size) continue;
    *path = strdup(mappings[slot].path);
    *length = size;
    found = 1;
  }
  pthread_mutex_unlock(&registry_lock);
  return found;
}

int spindle_keep_freed_memory(void) {
#if defined(__GLIBC__)
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
#else
  return 0;
#endif
}

int spindle_cpu_level(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return 4;
  if (__builtin_cpu_supports("x86-64-v3")) return 3;
#endif
  return 1;
}
