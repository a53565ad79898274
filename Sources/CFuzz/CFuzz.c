// Declarations only (include/CFuzz.h); libFuzzer itself is linked by -sanitize=fuzzer.
#include "CFuzz.h"
