// loadCheckpoint on legacy torch.save files (chained pickles, storage count + bytes), then every element read and the checkpoint quantized.
// Inputs of another format are skipped so that each target's corpus stays on its own reader.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static qlfuzz::MemFile file("fuzz_legacy");
    if (!(size >= 2 && data[0] == 0x80 && data[1] <= 5))
        return 0;
    qlfuzz::loadAndExercise(file.set(data, size));
    return 0;
}
