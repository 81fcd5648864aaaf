#ifndef SPINDLE_CJSONC_SHIM_H
#define SPINDLE_CJSONC_SHIM_H
#include <json-c/json.h>
#endif
