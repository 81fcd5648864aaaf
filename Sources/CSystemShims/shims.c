#define _GNU_SOURCE
#include <unistd.h>
#include <sys/file.h>
#include <fcntl.h>
#include <stdio.h>
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
