#ifndef SPINDLE_FUZZ_DRIVER_H
#define SPINDLE_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that have their own main (SwiftPM renames every executable's
// entry point to <Target>_main, so libFuzzer's main cannot be used): parses argc/argv as
// libFuzzer's main does and runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
