// After a converter reader accepted an input: what the writer would do next must hold too.
// validate() either passes or refuses by name, and every tensor it passed loads exactly the
// elements its shape claims (a reader that accepted bytes it cannot deliver is a finding).
#pragma once

#include "checkpoint.h"
#include "fuzz_support.h"

namespace sprig::fuzz {

inline void check_tokenizer(const convert::TokenizerData& tokenizer, const std::string& source) {
  convert::validate_tokenizer(tokenizer, source);
  // Ranked merges may only produce ordinary text, never a control or user-defined token.
  for (const TokenMerge& merge : tokenizer.merges) {
    const TokenType type = tokenizer.types.at(size_t(merge.result));
    if (type == TokenType::Control || type == TokenType::UserDefined) fail("a merge produces a special token");
  }
}

inline void check_checkpoint(const convert::Checkpoint& checkpoint) {
  convert::validate(checkpoint);
  for (const convert::SourceTensor& tensor : checkpoint.tensors) {
    uint64_t elements = 1;
    for (uint64_t d : tensor.shape) elements *= d;
    if (elements > (uint64_t(1) << 22)) continue;  // the seeds' tensors are smaller; keeps each run fast
    if (tensor.load().size() != elements) fail("tensor " + tensor.name + " loads a different element count");
  }
}

}  // namespace sprig::fuzz
