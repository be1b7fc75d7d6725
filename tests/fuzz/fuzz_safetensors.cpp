// loadCheckpoint on safetensors files (u64 header length, JSON header, data offsets), then every element read and the checkpoint quantized.
// Inputs of another format are skipped so that each target's corpus stays on its own reader.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static qlfuzz::MemFile file("fuzz_safetensors");
    if (!(size >= 9 && data[8] == 0x7b))
        return 0;
    qlfuzz::loadAndExercise(file.set(data, size));
    return 0;
}
