// The bindings block of sprig.h: what a model offers without a session (details, tokenizing,
// token bytes), for JNI and other bindings that show a model before running it.
#include <new>
#include <vector>

#include "c_api/c_api_handles.h"

using namespace sprig;
using sprig::c_api::fail;

namespace {

constexpr size_t kMaxTokenizeBytes = size_t(1) << 24;

uint64_t elements(const TensorView& t) { return t.data ? t.rows * t.cols : 0; }

uint64_t count_parameters(const Model& model) {
  uint64_t n = elements(model.token_embedding()) + elements(model.output_norm()) +
               elements(model.output_norm_bias()) + elements(model.position_embedding());
  // A tied output matrix is the embedding again, not more parameters.
  if (model.output().data != model.token_embedding().data) n += elements(model.output());
  for (const LayerWeights& l : model.layers())
    for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down,
                                &l.attn_norm_bias, &l.ffn_norm_bias, &l.bq, &l.bk, &l.bv, &l.bo, &l.b_up, &l.b_down,
                                &l.q_norm, &l.k_norm, &l.attn_post_norm, &l.ffn_post_norm})
      n += elements(*t);
  return n;
}

}  // namespace

extern "C" {

void sprig_model_get_details(const sprig_model* model, sprig_model_details* details) {
  if (!model || !details) return;
  const Model& m = c_api::model_of(model);
  *details = {};
  details->architecture = architecture_name(m.family().architecture);
  details->chat_template = m.chat_template().present ? chat_template_name(m.chat_template().kind) : nullptr;
  details->parameters = m.vocab_only() ? 0 : count_parameters(m);
  details->layers = m.hparams().n_layers;
  details->dim = m.hparams().dim;
  details->tokenizer_only = m.vocab_only() ? 1 : 0;
  details->byte_level = m.vocab().kind == TokenizerKind::ByteLevelBpe ? 1 : 0;
}

sprig_status sprig_model_tokenize(const sprig_model* model, const char* text, size_t length, int add_bos,
                                  int parse_special, int32_t* ids, size_t capacity, size_t* count) {
  if (!model || (!text && length) || (!ids && capacity) || !count)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_model_tokenize: model, text, ids and count are required");
  if (length > kMaxTokenizeBytes)
    return fail(SPRIG_ERROR_TEXT_TOO_LONG, "the text has " + std::to_string(length) + " bytes; at most " +
                                               std::to_string(kMaxTokenizeBytes) + " are tokenized at once");
  try {
    EncodeOptions options;
    options.add_bos = add_bos != 0;
    options.parse_special = parse_special != 0;
    std::vector<int32_t> encoded;
    Tokenizer::Workspace workspace;
    c_api::tokenizer_of(model).encode(std::string_view(text ? text : "", length), options, encoded, workspace);
    *count = encoded.size();
    if (encoded.size() > capacity)
      return fail(SPRIG_ERROR_TEXT_TOO_LONG, "the text has " + std::to_string(encoded.size()) + " tokens; room for " +
                                                 std::to_string(capacity) + " was given");
    std::copy(encoded.begin(), encoded.end(), ids);
    return SPRIG_OK;
  } catch (const std::bad_alloc&) {
    return fail(SPRIG_ERROR_MEMORY, "sprig_model_tokenize: out of memory");
  }
}

sprig_status sprig_model_token_bytes(const sprig_model* model, int32_t token, const char** bytes, size_t* length) {
  if (!model || !bytes || !length)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_model_token_bytes: model, bytes and length are required");
  const Tokenizer& tokenizer = c_api::tokenizer_of(model);
  if (token < 0 || size_t(token) >= tokenizer.vocab_size())
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "token id " + std::to_string(token) + " is outside the vocabulary of " +
                                                  std::to_string(tokenizer.vocab_size()));
  std::string_view text = tokenizer.decode(-1, token);
  if (text.empty()) text = tokenizer.piece(token);  // control tokens read as their piece
  *bytes = text.data();
  *length = text.size();
  return SPRIG_OK;
}

}  // extern "C"
