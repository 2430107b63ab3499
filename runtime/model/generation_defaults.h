// Reads the model file's GenerationDefaults table (schema 1.3) into the runtime's form.
#pragma once

#include "model_generated.h"
#include "sprig/model.h"

namespace sprig {

// Every value is checked: stop ids inside the vocabulary, temperature in [0, 100], top_p in
// (0, 1], top_k in 0..2^24. A bad one is an error naming the field.
Status read_generation_defaults(const schema::GenerationDefaults& table, uint32_t vocab_size,
                                GenerationDefaults& defaults);

}  // namespace sprig
