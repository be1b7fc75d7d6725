// loadCheckpoint on torch.save zip archives (minizip over the memory map, storages, views), then every element read and the checkpoint quantized.
// Inputs of another format are skipped so that each target's corpus stays on its own reader.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size)
{
    static qlfuzz::MemFile file("fuzz_zip");
    if (!(size >= 4 && data[0] == 0x50 && data[1] == 0x4b && data[2] == 3 && data[3] == 4))
        return 0;
    qlfuzz::loadAndExercise(file.set(data, size));
    return 0;
}
