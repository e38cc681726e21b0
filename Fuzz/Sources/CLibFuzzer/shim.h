// libFuzzer's entry point for programs with a main of their own (https://llvm.org/docs/LibFuzzer.html),
// in the runtime that -sanitize=fuzzer links; libFuzzer ships no header for it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
