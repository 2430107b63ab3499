// libFuzzer target over .sprig model files: the FlatBuffers verifier and every check after it
// (Model::open), then what a user's first command does with an accepted file: a tokenizer, a
// small session, a prefill and a decode step, and detokenizing the logits' best token.
#include <algorithm>

#include "fuzz_support.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_file("input.sprig", {reinterpret_cast<const char*>(data), size});
  auto model = Model::open(path);
  if (!model) return 0;
  const Tokenizer tokenizer(model.value()->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode("Once upon a time", true, ids);
  for (int32_t id : ids)
    if (id < 0 || size_t(id) >= tokenizer.vocab_size()) fuzz::fail("encode gave an id outside the vocabulary");
  if (model.value()->hparams().n_layers == 0 || ids.empty()) return 0;  // a vocab-only file
  SessionOptions options;
  options.context_length = 8;
  auto session = Session::create(model.value(), options);
  if (!session) return 0;
  ids.resize(std::min<size_t>(ids.size(), 4));
  if (!session.value()->prefill(ids)) return 0;
  const auto logits = session.value()->logits();
  if (logits.size() != tokenizer.vocab_size()) fuzz::fail("logits do not cover the vocabulary");
  const int32_t best = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
  (void)tokenizer.decode(ids.back(), best);
  (void)session.value()->decode(best);
  return 0;
}
