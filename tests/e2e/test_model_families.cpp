// Model families against an independent NumPy reference: for each family a random-weight
// Hugging Face checkpoint (tests/reference/make_family_checkpoint.py) is converted, and sprig's
// f32 logits at every position of a 32-token prompt must match tests/reference/family_reference.py
// (float64, written from the Hugging Face modelling code) within 1e-4, and the q8 file's greedy
// continuation must be the f32 file's, token for token (the checkpoints carry a planted bigram
// table, so each step's choice is clear: see make_family_checkpoint.py).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <fstream>

#include "checkpoint.h"
#include "model_generated.h"
#include "model_writer.h"
#include "sprig/sampler.h"
#include "sprig/session.h"
#include "test_support.h"

namespace {

using namespace sprig;

const std::vector<int32_t> kPrompt = {1,   403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
                                      300, 12,  77,  499, 263, 410, 281, 350, 3,   88,  471, 302, 265, 390, 511, 400};
constexpr size_t kGreedyTokens = 16;

std::string join(const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

struct FamilyFiles {
  std::string dir, folder, tokenizer, python;
};

// Writes the family's checkpoint (in its own folder per variant); empty when the shared data or
// NumPy is missing (notice printed).
FamilyFiles make_family_variant(const std::string& family, const std::string& variant, const std::string& options) {
  FamilyFiles files;
  const std::string shared = test::shared_dir(("model family " + family).c_str());
  files.python = test::python(("model family " + family).c_str());
  if (shared.empty() || files.python.empty()) return {};
  files.dir = test::work_dir("family_" + family + variant);
  files.folder = files.dir + "/hf";
  files.tokenizer = shared + "/models/stories260K/tok512.bin";
  REQUIRE(test::run(files.python + " " + test::tests_dir() + "/reference/make_family_checkpoint.py " + family + " " +
                    files.folder + " " + options) == 0);
  return files;
}

FamilyFiles make_family(const std::string& family, const std::string& options = "") {
  return make_family_variant(family, "", options);
}

// The reference's logits at every position of `tokens` (the prompt unless given).
std::vector<float> reference_logits(const FamilyFiles& files, const std::string& extra = "",
                                    const std::vector<int32_t>& tokens = kPrompt) {
  const std::string out = files.dir + "/reference.f32";
  REQUIRE(test::run(files.python + " " + test::tests_dir() + "/reference/family_reference.py --hf " + files.folder +
                    " --tokens " + join(tokens) + " --all-positions --out " + out + " " + extra) == 0);
  const std::vector<uint8_t> bytes = test::read_file(out);
  std::vector<float> logits(bytes.size() / 4);
  std::memcpy(logits.data(), bytes.data(), logits.size() * 4);
  return logits;
}

// An f32 KV cache, so the comparison sees the weights' and the arithmetic's error only.
Session::Ptr open_session(const std::string& model_path, uint32_t context = 0, uint32_t batch = 32) {
  auto model = Model::open(model_path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  SessionOptions options;
  options.context_length = context;
  options.kv_cache = KvCacheType::F32;
  options.batch = batch;
  auto session = Session::create(model.value(), options);
  REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : session.error().message()));
  return std::move(session.value());
}

std::vector<float> sprig_logits(const std::string& model_path, uint32_t context = 0) {
  auto session = open_session(model_path, context);
  std::vector<float> logits;
  for (int32_t token : kPrompt) {
    REQUIRE(session->decode(token).ok());
    logits.insert(logits.end(), session->logits().begin(), session->logits().end());
  }
  return logits;
}

int32_t argmax(std::span<const float> logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// The prompt, then kGreedyTokens tokens each chosen by the runtime's greedy sampler.
std::vector<int32_t> greedy(const std::string& model_path, uint32_t context) {
  auto session = open_session(model_path, context);
  for (int32_t token : kPrompt) REQUIRE(session->decode(token).ok());
  Sampler sampler(SamplerOptions{}, session->logits().size());
  std::vector<float> scratch;
  std::vector<int32_t> out;
  for (size_t i = 0; i < kGreedyTokens; ++i) {
    scratch.assign(session->logits().begin(), session->logits().end());
    out.push_back(sampler.sample(scratch));
    REQUIRE(session->decode(out.back()).ok());
  }
  return out;
}

// Informational: q8's largest logit error and f32's smallest top-1 margin while both files read
// the prompt and then `continuation`.
std::pair<float, float> q8_error_and_margin(const std::string& f32, const std::string& q8, uint32_t context,
                                            const std::vector<int32_t>& continuation) {
  auto exact = open_session(f32, context), quantized = open_session(q8, context);
  float error = 0, margin = INFINITY;
  std::vector<int32_t> tokens = kPrompt;
  tokens.insert(tokens.end(), continuation.begin(), continuation.end());
  for (size_t i = 0; i < tokens.size(); ++i) {
    REQUIRE(exact->decode(tokens[i]).ok());
    REQUIRE(quantized->decode(tokens[i]).ok());
    for (size_t v = 0; v < exact->logits().size(); ++v)
      error = std::max(error, std::fabs(exact->logits()[v] - quantized->logits()[v]));
    if (i + 1 < kPrompt.size() || i + 1 == tokens.size()) continue;  // margins where a token was chosen
    std::vector<float> sorted(exact->logits().begin(), exact->logits().end());
    std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
    margin = std::min(margin, sorted[0] - sorted[1]);
  }
  return {error, margin};
}

// The q8 file's free-running greedy continuation equals the f32 file's over kGreedyTokens tokens,
// the continuation is not one id repeated (that would make the comparison vacuous), and the NumPy
// reference on `files.folder` chooses the same token at every step.
void check_q8_greedy(const FamilyFiles& files, const std::string& f32, const std::string& q8, uint32_t context,
                     const std::string& label) {
  const std::vector<int32_t> from_f32 = greedy(f32, context), from_q8 = greedy(q8, context);
  const auto [error, margin] = q8_error_and_margin(f32, q8, context, from_f32);
  const std::set<int32_t> distinct(from_f32.begin(), from_f32.end());
  MESSAGE(label << ": q8 tokens == f32 tokens over " << kGreedyTokens << ": "
                << std::string(from_q8 == from_f32 ? "yes" : "NO")
                << " (f32 " << join(from_f32) << "; q8 " << join(from_q8) << "), " << distinct.size()
                << " distinct ids; smallest f32 top-1 margin " << margin << ", q8 max |logit error| " << error);
  CHECK(from_q8 == from_f32);
  CHECK(distinct.size() > kGreedyTokens / 2);

  std::vector<int32_t> sequence = kPrompt;
  sequence.insert(sequence.end(), from_f32.begin(), from_f32.end() - 1);
  const std::vector<float> reference = reference_logits(files, "", sequence);
  REQUIRE(reference.size() % sequence.size() == 0);
  const size_t vocab = reference.size() / sequence.size();
  // The ids the tokenizer can print: a padded vocabulary's extra rows are never chosen.
  auto model = Model::open(f32);
  REQUIRE(model.ok());
  const size_t printable = model.value()->vocab().pieces.size();
  REQUIRE(printable <= vocab);
  std::vector<int32_t> from_reference;
  for (size_t i = 0; i < kGreedyTokens; ++i)
    from_reference.push_back(argmax(std::span(reference).subspan((kPrompt.size() - 1 + i) * vocab, printable)));
  CHECK_MESSAGE(from_reference == from_f32, label << ": the NumPy reference's greedy tokens " << join(from_reference));
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  REQUIRE(!a.empty());
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// Context shift against a fresh prefill of the kept tokens (Session::shift): the first `keep`
// tokens stay, the next `drop` leave, the rest move down. A cached key or value depends on the
// tokens its layer's input has seen, so only those whose inputs saw no dropped token can equal a
// fresh prefill's: all of the first layer's, and on sliding layers those whose windows (layer by
// layer) stayed clear of the dropped ones. The same holds for the next token's logits when the
// model has one layer, so a one-layer copy of the family checks them too.
constexpr uint32_t kKeep = 3, kDrop = 9;

std::vector<int32_t> kept_tokens() {
  std::vector<int32_t> kept(kPrompt.begin(), kPrompt.begin() + kKeep);
  kept.insert(kept.end(), kPrompt.begin() + kKeep + kDrop, kPrompt.end());
  return kept;
}

// For each layer and new position: whether that layer's input saw a dropped token.
std::vector<std::vector<bool>> saw_dropped(const Model& model, size_t positions) {
  const FamilyOptions& f = model.family();
  std::vector<std::vector<bool>> saw(model.layers().size() + 1, std::vector<bool>(positions, false));
  for (size_t l = 0; l < model.layers().size(); ++l)
    for (size_t t = kKeep; t < positions; ++t) {
      // Position t (new numbering) was kDrop further on; its layer attended up to the window.
      const size_t old = t + kDrop;
      const size_t first = model.layers()[l].sliding && old + 1 > f.sliding_window ? old + 1 - f.sliding_window : 0;
      bool seen = saw[l][t] || first < kKeep + kDrop;
      for (size_t u = std::max<size_t>(first, kKeep + kDrop); u <= old && !seen; ++u) seen = saw[l][u - kDrop];
      saw[l + 1][t] = seen;
    }
  return saw;
}

// Largest difference of the comparable cached keys and values; `compared` counts them per layer.
float shifted_cache_difference(Session& shifted, Session& fresh, const Model& model, std::vector<size_t>& compared) {
  const size_t kv = model.hparams().kv_dim();
  const auto saw = saw_dropped(model, shifted.position());
  std::vector<float> k1(kv), v1(kv), k2(kv), v2(kv);
  float worst = 0;
  compared.assign(model.layers().size(), 0);
  for (size_t l = 0; l < model.layers().size(); ++l)
    for (uint32_t t = 0; t < shifted.position(); ++t) {
      if (saw[l][t]) continue;
      REQUIRE(shifted.read_kv(l, t, k1, v1).ok());
      REQUIRE(fresh.read_kv(l, t, k2, v2).ok());
      for (size_t i = 0; i < kv; ++i)
        worst = std::max({worst, std::fabs(k1[i] - k2[i]), std::fabs(v1[i] - v2[i])});
      ++compared[l];
    }
  return worst;
}

void check_shift_against_prefill(const std::string& path, uint32_t context, const std::string& label,
                                 bool compare_logits) {
  auto model = Model::open(path);
  REQUIRE(model.ok());
  auto shifted = open_session(path, context), fresh = open_session(path, context);
  REQUIRE(shifted->prefill(kPrompt).ok());
  REQUIRE(fresh->prefill(kept_tokens()).ok());
  if (!shifted->can_shift()) {
    // Learned positions: refused by name, nothing changed, and the fallback recomputes.
    const Status refused = shifted->shift(kKeep, kDrop);
    CHECK(!refused);
    CHECK(refused.message().find("learned positions") != std::string::npos);
    CHECK(shifted->position() == kPrompt.size());
    REQUIRE(shifted->recompute_without(kKeep, kDrop).ok());
    CHECK(std::vector<int32_t>(shifted->tokens().begin(), shifted->tokens().end()) == kept_tokens());
    CHECK(std::vector<float>(shifted->logits().begin(), shifted->logits().end()) ==
          std::vector<float>(fresh->logits().begin(), fresh->logits().end()));
    return;
  }
  REQUIRE(shifted->shift(kKeep, kDrop).ok());
  REQUIRE(shifted->position() == fresh->position());
  CHECK(std::vector<int32_t>(shifted->tokens().begin(), shifted->tokens().end()) == kept_tokens());
  std::vector<size_t> compared;
  const float cache = shifted_cache_difference(*shifted, *fresh, *model.value(), compared);
  std::string counts;
  for (size_t n : compared) counts += (counts.empty() ? "" : ",") + std::to_string(n);
  MESSAGE(label << ": shifted cache vs fresh prefill, max |difference| " << cache << " over positions per layer "
                << counts);
  CHECK(cache < 1e-4f);
  CHECK(compared[0] == fresh->position());
  if (!compare_logits) return;
  REQUIRE(shifted->decode(kPrompt[5]).ok());
  REQUIRE(fresh->decode(kPrompt[5]).ok());
  const float logits = max_abs_difference(std::vector<float>(shifted->logits().begin(), shifted->logits().end()),
                                          std::vector<float>(fresh->logits().begin(), fresh->logits().end()));
  MESSAGE(label << ": next-token logits after the shift vs fresh prefill, max |difference| " << logits);
  CHECK(logits < 1e-4f);
}

void check_shift(const std::string& family, const std::string& f32, uint32_t context) {
  check_shift_against_prefill(f32, context, family + " shift", false);
  const FamilyFiles one = make_family_variant(family, "one_layer", "--layers 1");
  const std::string path = test::convert(one.folder, one.tokenizer, one.dir + "/f32.sprig");
  check_shift_against_prefill(path, context, family + " one-layer shift", true);
}

// f32 logits against the reference, and the q8 file's greedy output against the f32 file's.
// `context` 0 is the model's max_positions.
void check_family(const std::string& family, Architecture architecture, uint32_t context = 0) {
  const FamilyFiles files = make_family(family);
  if (files.dir.empty()) return;
  const std::string f32 = test::convert(files.folder, files.tokenizer, files.dir + "/f32.sprig");
  auto model = Model::open(f32);
  REQUIRE(model.ok());
  CHECK(model.value()->family().architecture == architecture);

  const std::vector<float> logits = sprig_logits(f32, context);
  const float difference = max_abs_difference(logits, reference_logits(files));
  MESSAGE(family << " HF: max |logit difference| f32 vs NumPy reference over " << kPrompt.size()
                 << " positions: " << difference);
  CHECK(difference < 1e-4f);

  // Batched prefill (7 tokens per step, so steps straddle the sliding windows) gives the last
  // position's logits of token-by-token decoding, bit for bit.
  auto batched = open_session(f32, context, 7);
  REQUIRE(batched->prefill(kPrompt).ok());
  const std::vector<float> last(logits.end() - ptrdiff_t(model.value()->hparams().vocab_size), logits.end());
  CHECK(std::vector<float>(batched->logits().begin(), batched->logits().end()) == last);

  const std::string q8 = test::convert(files.folder, files.tokenizer, files.dir + "/q8.sprig", DType::Q8);
  check_q8_greedy(files, f32, q8, context, family + " HF");
  check_shift(family, f32, context);
}

}  // namespace

TEST_CASE("Llama-3.x: rope_scaling llama3") { check_family("llama3", Architecture::Llama); }
TEST_CASE("SmolLM2: Llama with tied embeddings") { check_family("smollm2", Architecture::Llama); }
TEST_CASE("Qwen2: q/k/v biases") { check_family("qwen2", Architecture::Qwen2); }
TEST_CASE("Qwen3: per-head q/k RMSNorm, head_dim apart from hidden_size") { check_family("qwen3", Architecture::Qwen3); }
TEST_CASE("Gemma 2: (1+w) norms, GeGLU, post-norms, soft-capping, alternating sliding window") {
  check_family("gemma2", Architecture::Gemma2);
}
TEST_CASE("Gemma 3: q/k norms, local RoPE base on sliding layers, linear scaling on global ones") {
  check_family("gemma3", Architecture::Gemma3);
}
TEST_CASE("Phi-3: fused qkv/gate_up, longrope short factors, sliding window") {
  // A context within original_max_position_embeddings (64) keeps the short factors.
  check_family("phi3", Architecture::Phi3, 64);
}
TEST_CASE("GPT-2: LayerNorm with bias, learned positions, GELU, Conv1D") { check_family("gpt2", Architecture::Gpt2); }

TEST_CASE("Phi-3: a session longer than original_max_position_embeddings uses the long factors") {
  const FamilyFiles files = make_family("phi3");
  if (files.dir.empty()) return;
  const std::string f32 = test::convert(files.folder, files.tokenizer, files.dir + "/f32.sprig");
  const auto long_reference = reference_logits(files, "--long-rope");
  const float long_difference = max_abs_difference(sprig_logits(f32, 256), long_reference);
  const float short_vs_long = max_abs_difference(reference_logits(files), long_reference);
  MESSAGE("phi3 long factors: max |logit difference| " << long_difference << " (short vs long factors differ by "
                                                        << short_vs_long << ")");
  CHECK(long_difference < 1e-4f);
  CHECK(short_vs_long > 1e-2f);  // the two factor sets really differ on this prompt
}

TEST_CASE("config fields sprig does not implement stop the conversion, naming field and value") {
  const FamilyFiles files = make_family("smollm2");
  if (files.dir.empty()) return;
  const std::string config_path = files.folder + "/config.json";
  const std::vector<uint8_t> original = test::read_file(config_path);
  const std::string text(original.begin(), original.end());
  auto converting_fails_with = [&](const std::string& from, const std::string& to) {
    std::string edited = text;
    const size_t at = edited.find(from);
    REQUIRE(at != std::string::npos);
    edited.replace(at, from.size(), to);
    test::write_file(config_path, std::vector<uint8_t>(edited.begin(), edited.end()));
    std::string message;
    try {
      test::convert(files.folder, files.tokenizer, files.dir + "/bad.sprig");
    } catch (const convert::ConvertError& e) {
      message = e.what();
    }
    test::write_file(config_path, original);
    return message;
  };
  const std::string yarn =
      converting_fails_with("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}");
  CHECK(yarn.find("rope_scaling type 'yarn'") != std::string::npos);
  const std::string act = converting_fails_with("\"hidden_act\": \"silu\"", "\"hidden_act\": \"relu\"");
  CHECK(act.find("hidden_act") != std::string::npos);
  CHECK(act.find("relu") != std::string::npos);
  const std::string arch = converting_fails_with("\"model_type\": \"llama\"", "\"model_type\": \"mamba\"");
  CHECK(arch.find("model_type 'mamba'") != std::string::npos);
  const std::string bias = converting_fails_with("\"mlp_bias\": false", "\"mlp_bias\": true");
  CHECK(bias.find("mlp_bias") != std::string::npos);
}

namespace {

// The family's checkpoint written as GGUF by tests/reference/make_family_gguf.py (llama.cpp's
// names and layouts). Plain: f32 tensors, compared with the reference on the same folder.
// Quantized: Q8_0, Q4_0, Q4_K and Q6_K tensors (ffn 512, so ffn_down rows are whole k-quant
// blocks), compared with the reference on the dequantized weights the GGUF file holds.
void check_gguf(const std::string& family, bool quantized, uint32_t context = 0, const std::string& generator = "") {
  FamilyFiles files = make_family(family, generator);
  if (files.dir.empty()) return;
  const std::string gguf = files.dir + "/model.gguf";
  std::string command = files.python + " " + test::tests_dir() + "/reference/make_family_gguf.py " + files.folder + " " +
                        gguf;
  if (quantized) command += " --quant --dequantized-hf " + files.dir + "/dequantized";
  REQUIRE(test::run(command) == 0);
  const std::string f32 = test::convert(gguf, files.tokenizer, files.dir + "/gguf_f32.sprig");
  if (quantized) files.folder = files.dir + "/dequantized";
  const float difference = max_abs_difference(sprig_logits(f32, context), reference_logits(files));
  MESSAGE(family << std::string(quantized ? " GGUF Q8_0/Q4_0/Q4_K/Q6_K" : " GGUF f32")
                 << ": max |logit difference| vs NumPy reference: " << difference);
  CHECK(difference < 1e-4f);

  // Converting quantized GGUF tensors to q8 quantizes them twice: the converter says so.
  const convert::Checkpoint checkpoint = convert::read_checkpoint(gguf, files.tokenizer);
  convert::WriteOptions options;
  options.dtype = options.head_dtype = DType::Q8;
  const convert::WriteSummary summary = convert::write_model(checkpoint, files.dir + "/gguf_q8.sprig", options);
  if (quantized) {
    CHECK(summary.warning.find("quantizing already quantized tensors again") != std::string::npos);
    CHECK(summary.warning.find("Q4_K") != std::string::npos);
  } else {
    CHECK(summary.warning.empty());
  }
  check_q8_greedy(files, f32, files.dir + "/gguf_q8.sprig", context,
                  family + (quantized ? " GGUF Q8_0/Q4_0/Q4_K/Q6_K" : " GGUF"));
}

}  // namespace

TEST_CASE("GGUF llama (Llama-3 rope_freqs divisors, interleaved q/k rows)") { check_gguf("llama3", false); }
TEST_CASE("GGUF llama (SmolLM2, tied)") { check_gguf("smollm2", false); }
TEST_CASE("GGUF qwen2 (NEOX q/k rows and biases)") { check_gguf("qwen2", false); }
TEST_CASE("GGUF qwen3 (q/k norms)") { check_gguf("qwen3", false); }
TEST_CASE("GGUF gpt2 (fused attn_qkv, LayerNorm biases, position_embd)") { check_gguf("gpt2", false); }
TEST_CASE("GGUF phi3 (fused attn_qkv and ffn_up, rope_factors_short/long, attn_factor)") {
  check_gguf("phi3", false, 64);
}
TEST_CASE("GGUF quantized tensors: phi3") { check_gguf("phi3", true, 64); }
// GGUF has no query_pre_attn_scalar or sliding_window_pattern: llama.cpp applies head_dim and 6.
TEST_CASE("GGUF gemma2 (1 + w norms stored, soft-capping keys)") { check_gguf("gemma2", false, 0, "--gguf-compatible"); }
TEST_CASE("GGUF quantized tensors: gemma2") { check_gguf("gemma2", true, 0, "--gguf-compatible"); }
TEST_CASE("GGUF gemma3 (6 layers: five sliding with the local base, one global with linear scaling)") {
  check_gguf("gemma3", false, 0, "--gguf-compatible --layers 6");
}
TEST_CASE("GGUF quantized tensors: llama3") { check_gguf("llama3", true); }
TEST_CASE("GGUF quantized tensors: qwen2") { check_gguf("qwen2", true); }
TEST_CASE("GGUF quantized tensors: gpt2") { check_gguf("gpt2", true); }

namespace {

constexpr uint32_t kTokens = 512, kPaddedVocab = 576;  // tok512, and 64 rows past it

// A checkpoint whose embedding and lm_head have more rows than the tokenizer has tokens, converted
// from `input` (its HF folder or GGUF copy): the rows are kept, only the tokenizer's ids get
// logits (matching the reference's), and although the model's own choice after the prompt is a
// padded row, the sampler picks a printable id: the reference's best among those.
void check_padded(const FamilyFiles& files, const std::string& input, const std::string& label) {
  const std::string f32 = test::convert(input, files.tokenizer, files.dir + "/padded_f32.sprig");
  auto model = Model::open(f32);
  REQUIRE(model.ok());
  CHECK(model.value()->hparams().vocab_size == kPaddedVocab);
  CHECK(model.value()->vocab().pieces.size() == kTokens);

  const std::vector<float> ours = sprig_logits(f32), reference = reference_logits(files);
  REQUIRE(ours.size() == kPrompt.size() * kTokens);
  REQUIRE(reference.size() == kPrompt.size() * kPaddedVocab);
  std::vector<float> printable;
  for (size_t i = 0; i < kPrompt.size(); ++i)
    printable.insert(printable.end(), reference.begin() + ptrdiff_t(i * kPaddedVocab),
                     reference.begin() + ptrdiff_t(i * kPaddedVocab + kTokens));
  const float difference = max_abs_difference(ours, printable);
  const int32_t unmasked = argmax(std::span(reference).subspan((kPrompt.size() - 1) * kPaddedVocab, kPaddedVocab));
  MESSAGE(label << " padded vocabulary (" << kTokens << " tokens, " << kPaddedVocab
                << " rows): max |logit difference| vs NumPy over the printable ids " << difference
                << "; the reference's unmasked choice after the prompt is id " << unmasked);
  CHECK(difference < 1e-4f);
  CHECK(unmasked >= int32_t(kTokens));  // without the mask, greedy decoding would emit a padded id

  const std::string q8 = test::convert(input, files.tokenizer, files.dir + "/padded_q8.sprig", DType::Q8);
  check_q8_greedy(files, f32, q8, 0, label + " padded");
  for (int32_t token : greedy(f32, 0)) CHECK(token < int32_t(kTokens));
}

}  // namespace

TEST_CASE("padded vocabulary (Qwen2.5-style vocab_size past the tokenizer): HF folder and GGUF") {
  const FamilyFiles files = make_family("qwen2", "--padded-vocab " + std::to_string(kPaddedVocab));
  if (files.dir.empty()) return;
  check_padded(files, files.folder, "qwen2 HF");
  const std::string gguf = files.dir + "/padded.gguf";
  REQUIRE(test::run(files.python + " " + test::tests_dir() + "/reference/make_family_gguf.py " + files.folder + " " +
                    gguf) == 0);
  check_padded(files, gguf, "qwen2 GGUF");
}

TEST_CASE("a model file whose family fields are out of range is an error naming them") {
  // FlatBuffers stores only fields that differ from their defaults, so each mutation picks a
  // family whose file holds the field.
  std::map<std::string, std::pair<std::string, std::vector<uint8_t>>> converted;  // family: folder, file bytes
  auto load_error = [&converted](const std::string& family, auto change) -> std::string {
    if (!converted.count(family)) {
      const FamilyFiles files = make_family(family);
      if (files.dir.empty()) return "skipped";
      const std::string path = test::convert(files.folder, files.tokenizer, files.dir + "/f32.sprig");
      converted[family] = {files.dir, test::read_file(path)};
    }
    const auto& [dir, original] = converted[family];
    std::vector<uint8_t> bytes = original;
    change(*schema::GetMutableSizePrefixedModel(bytes.data()));
    test::write_file(dir + "/bad.sprig", bytes);
    auto model = Model::open(dir + "/bad.sprig");
    return model.ok() ? std::string() : model.error().message();
  };
  const std::string unchanged = load_error("gemma2", [](schema::Model&) {});
  if (unchanged == "skipped") return;
  CHECK(unchanged.empty());
  CHECK(load_error("gemma2", [](schema::Model& m) { REQUIRE(m.mutate_architecture(schema::Architecture(99))); })
            .find("unknown architecture 99") != std::string::npos);
  CHECK(load_error("gpt2", [](schema::Model& m) { REQUIRE(m.mutable_family()->mutate_norm(schema::NormKind(7))); })
            .find("unknown norm kind 7") != std::string::npos);
  CHECK(load_error("gemma2",
                   [](schema::Model& m) { REQUIRE(m.mutable_family()->mutate_activation(schema::Activation(9))); })
            .find("unknown activation 9") != std::string::npos);
  CHECK(load_error("gemma2", [](schema::Model& m) { REQUIRE(m.mutable_family()->mutate_attention_softcap(-1.0f)); })
            .find("soft-capping") != std::string::npos);
  CHECK(load_error("gemma2", [](schema::Model& m) { REQUIRE(m.mutable_family()->mutate_embedding_scale(0.0f)); })
            .find("embedding_scale") != std::string::npos);
}
