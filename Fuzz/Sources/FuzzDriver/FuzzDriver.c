// The declaration in include/FuzzDriver.h is defined by libFuzzer (-sanitize=fuzzer).
#include "FuzzDriver.h"
