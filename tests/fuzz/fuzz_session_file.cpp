// libFuzzer target over session files (sprig chat --session, sprig_session_load): the loader
// of a session for the model SPRIG_FUZZ_MODEL names. With SPRIG_FUZZ_SESSION_SEED set, start-up
// first writes a real session file there (a short prefill), so the seed corpus is made at test
// time from the model rather than stored.
#include <cstdlib>

#include "fuzz_support.h"
#include "sprig/session.h"

using namespace sprig;

namespace {
Session::Ptr session;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* model_path = std::getenv("SPRIG_FUZZ_MODEL");
  if (!model_path) fuzz::fail("SPRIG_FUZZ_MODEL is not set");
  auto model = Model::open(model_path);
  if (!model) fuzz::fail(model.error().message());
  SessionOptions options;
  options.context_length = 16;
  auto created = Session::create(model.value(), options);
  if (!created) fuzz::fail(created.error().message());
  session = std::move(created.value());
  if (const char* seed = std::getenv("SPRIG_FUZZ_SESSION_SEED")) {
    const std::vector<int32_t> tokens = {1, 2, 3, 4};
    if (!session->prefill(tokens)) fuzz::fail("prefill failed");
    if (!session->save_state(seed, tokens, "[{\"role\": \"user\", \"content\": \"hi\"}]"))
      fuzz::fail("cannot write the seed session");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_file("input.session", {reinterpret_cast<const char*>(data), size});
  std::string extra;
  auto tokens = session->load_state(path, extra);
  if (!tokens) {
    if (session->position() != 0) fuzz::fail("a refused file left a position behind");
    return 0;
  }
  if (tokens.value().size() != session->position()) fuzz::fail("tokens and position disagree");
  if (session->position() < session->context_length()) (void)session->decode(0);
  return 0;
}
