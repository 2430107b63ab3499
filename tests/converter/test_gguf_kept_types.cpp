// A GGUF file converted with the defaults keeps its bits (converter/gguf_kept_types.h): f16,
// Q8_0, Q4_0, Q4_1 and Q4_K_M files of a random-weight llama3-family checkpoint (dim 256, so
// every matrix is whole k-quant rows; tests/reference/make_family_gguf.py --type) must become
// the sprig types the mapping names, tensor by tensor, in a file at most 5% larger than the
// GGUF (Q4_K_M: see below), whose logits match the NumPy reference run on the weights the GGUF
// holds (dequantized): within 1e-4 for f16, and with the same top token at every position for
// the quantized files (their matvecs quantize activations too, so logits differ slightly).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sprig/session.h"
#include "test_support.h"

namespace {

using namespace sprig;

const std::vector<int32_t> kPrompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
constexpr uint32_t kLayers = 2;

struct Converted {
  std::string log, model_path;
  uint64_t gguf_bytes = 0, model_bytes = 0;
  std::vector<float> logits, reference;
};

std::string join(const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

// Writes the GGUF of `kind`, converts it with sprig-convert's defaults, and runs both.
Converted convert_kind(const std::string& kind) {
  const std::string shared = test::shared_dir(("GGUF kept types " + kind).c_str());
  const std::string python = test::python(("GGUF kept types " + kind).c_str());
  if (shared.empty() || python.empty()) return {};
  const std::string dir = test::work_dir("gguf_kept_" + kind);
  const std::string reference = test::tests_dir() + "/reference/";
  REQUIRE(test::run(python + " " + reference + "make_family_checkpoint.py llama3 " + dir + "/hf --dim 256") == 0);
  REQUIRE(test::run(python + " " + reference + "make_family_gguf.py " + dir + "/hf " + dir + "/model.gguf --type " +
                    kind + " --dequantized-hf " + dir + "/dequantized") == 0);
  Converted c;
  c.model_path = dir + "/model.sprig";
  const int status = test::run(std::string(SPRIG_CONVERT) + " " + dir + "/model.gguf --tokenizer " + shared +
                               "/models/stories260K/tok512.bin -o " + c.model_path + " 2> " + dir + "/log > /dev/null");
  std::ifstream in(dir + "/log");
  std::stringstream text;
  text << in.rdbuf();
  c.log = text.str();
  REQUIRE_MESSAGE(status == 0, c.log);
  c.gguf_bytes = std::filesystem::file_size(dir + "/model.gguf");
  c.model_bytes = std::filesystem::file_size(c.model_path);

  REQUIRE(test::run(python + " " + reference + "family_reference.py --hf " + dir + "/dequantized --tokens " +
                    join(kPrompt) + " --all-positions --out " + dir + "/reference.f32") == 0);
  const std::vector<uint8_t> bytes = test::read_file(dir + "/reference.f32");
  c.reference.resize(bytes.size() / 4);
  std::memcpy(c.reference.data(), bytes.data(), bytes.size());
  auto model = Model::open(c.model_path);
  REQUIRE(model.ok());
  SessionOptions options;
  options.kv_cache = KvCacheType::F32;
  auto session = Session::create(model.value(), options);
  REQUIRE(session.ok());
  for (int32_t token : kPrompt) {
    REQUIRE(session.value()->decode(token).ok());
    c.logits.insert(c.logits.end(), session.value()->logits().begin(), session.value()->logits().end());
  }
  REQUIRE(c.logits.size() == c.reference.size());
  return c;
}

float max_difference(const Converted& c) {
  float d = 0;
  for (size_t i = 0; i < c.logits.size(); ++i) d = std::max(d, std::fabs(c.logits[i] - c.reference[i]));
  return d;
}

// Whether every position's top token is the reference's.
bool same_choices(const Converted& c) {
  const size_t vocab = c.logits.size() / kPrompt.size();
  for (size_t p = 0; p < kPrompt.size(); ++p) {
    auto ours = c.logits.begin() + ptrdiff_t(p * vocab), theirs = c.reference.begin() + ptrdiff_t(p * vocab);
    if (std::max_element(ours, ours + ptrdiff_t(vocab)) - ours != std::max_element(theirs, theirs + ptrdiff_t(vocab)) - theirs)
      return false;
  }
  return true;
}

// Each matrix's sprig type, by the names the model file uses.
std::map<std::string, DType> matrix_types(const std::string& path) {
  auto model = Model::open(path);
  REQUIRE(model.ok());
  const Model& m = *model.value();
  std::map<std::string, DType> types = {{"token_embd", m.token_embedding().dtype}};
  for (size_t i = 0; i < m.layers().size(); ++i) {
    const LayerWeights& l = m.layers()[i];
    const std::string p = "blk." + std::to_string(i) + ".";
    for (const auto& [name, view] : {std::pair{"attn_q", &l.wq}, {"attn_k", &l.wk}, {"attn_v", &l.wv},
                                     {"attn_output", &l.wo}, {"ffn_gate", &l.w_gate}, {"ffn_up", &l.w_up},
                                     {"ffn_down", &l.w_down}})
      types[p + name] = view->dtype;
  }
  return types;
}

void check_uniform(const std::string& kind, DType expected, const std::string& summary, bool exact) {
  const Converted c = convert_kind(kind);
  if (c.model_path.empty()) return;
  CHECK_MESSAGE(c.log.find("keeping the GGUF's types (--dtype or --quant choose others): " + summary) != std::string::npos,
                c.log);
  CHECK(c.log.find("quantizing already quantized tensors again") == std::string::npos);
  for (const auto& [name, dtype] : matrix_types(c.model_path)) CHECK_MESSAGE(dtype == expected, kind << " " << name);
  const double ratio = double(c.model_bytes) / double(c.gguf_bytes);
  const float difference = max_difference(c);
  MESSAGE(kind << ": GGUF " << c.gguf_bytes << " bytes, sprig " << c.model_bytes << " bytes (" << ratio
               << "x); max |logit difference| vs NumPy on the GGUF's weights " << difference);
  CHECK(ratio <= 1.05);
  if (exact) CHECK(difference < 1e-4f);
  CHECK(same_choices(c));
}

}  // namespace

TEST_CASE("an f16 GGUF converts to f16") { check_uniform("f16", DType::F16, "F16 -> f16 (15 tensors)", true); }
TEST_CASE("a Q8_0 GGUF converts to q8") { check_uniform("q8_0", DType::Q8, "Q8_0 -> q8 (15 tensors)", false); }
TEST_CASE("a Q4_0 GGUF converts to q4") { check_uniform("q4_0", DType::Q4, "Q4_0 -> q4 (15 tensors)", false); }
TEST_CASE("a Q4_1 GGUF converts to q4a") { check_uniform("q4_1", DType::Q4A, "Q4_1 -> q4a (15 tensors)", false); }

TEST_CASE("a Q4_K_M GGUF: Q4_K -> q4a, Q6_K -> q8, said per type") {
  const Converted c = convert_kind("q4_k_m");
  if (c.model_path.empty()) return;
  // llama.cpp's Q4_K_M for two layers, tied: the embedding, and layer 1's attn_v and ffn_down, in
  // Q6_K; attn_output (rows of 64 values, not whole 256-value blocks) falls back to Q8_0.
  CHECK_MESSAGE(c.log.find("keeping the GGUF's types (--dtype or --quant choose others): Q4_K -> q4a (10 tensors), "
                           "Q6_K -> q8 (3 tensors), Q8_0 -> q8 (2 tensors)") != std::string::npos,
                c.log);
  for (const auto& [name, dtype] : matrix_types(c.model_path)) {
    const bool eight = name == "token_embd" || name == "blk.1.attn_v" || name == "blk.1.ffn_down" ||
                       name.ends_with("attn_output");
    CHECK_MESSAGE(dtype == (eight ? DType::Q8 : DType::Q4A), name);
  }
  // sprig has no type between q4a (5 bits per weight) and q8 (8.5), so Q6_K (6.5625) grows by
  // 8.5 / 6.5625 and Q4_K (4.5) by 5 / 4.5: the file cannot stay within the 5% of the others.
  const double ratio = double(c.model_bytes) / double(c.gguf_bytes);
  MESSAGE("q4_k_m: GGUF " << c.gguf_bytes << " bytes, sprig " << c.model_bytes << " bytes (" << ratio
                          << "x); max |logit difference| vs NumPy on the GGUF's weights " << max_difference(c));
  CHECK(ratio <= 8.5 / 6.5625);
  CHECK(same_choices(c));
}
