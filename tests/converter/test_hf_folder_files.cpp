// Hugging Face folders as people download them: the weights beside their own tokenizer files
// (tests/reference/make_hf_tokenizer_files.py writes each layout), converted by sprig-convert
// with no --tokenizer. The folder's SentencePiece tokenizer.model must tokenize as
// libsentencepiece does, its tokenizer.json as the same vocabulary read from llama2.c's form,
// and the logits must still match the NumPy reference; generation_config.json's stop ids and
// sampling reach the model file; each missing or damaged file is an error naming it.
#include <doctest/doctest.h>
#include <sentencepiece_processor.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "model_generated.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"
#include "test_support.h"

namespace {

using namespace sprig;

const char* kChatMl =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const char* kGemma =
    "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}\n{{ message['content'] | trim "
    "}}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";
const char* kGeneration = R"({"eos_token_id": [2, 513], "do_sample": true, "temperature": 0.6, "top_p": 0.9, "top_k": 20})";

struct Folder {
  std::string dir, hf, python, tok512, shared;
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A llama3-family checkpoint with 516 embedding rows (tok512 plus four chat tokens) and the
// tokenizer files of `layout`; empty when the shared data or NumPy is missing.
Folder make_folder(const std::string& name, const std::string& layout, const std::string& extra = "") {
  Folder f;
  const std::string shared = test::shared_dir(("hf folder " + name).c_str());
  f.python = test::python(("hf folder " + name).c_str());
  if (shared.empty() || f.python.empty()) return {};
  f.dir = test::work_dir("hf_folder_" + name);
  f.hf = f.dir + "/hf";
  f.tok512 = shared + "/models/stories260K/tok512.bin";
  f.shared = shared;
  REQUIRE(test::run(f.python + " " + test::tests_dir() + "/reference/make_family_checkpoint.py llama3 " + f.hf +
                    " --padded-vocab 516") == 0);
  REQUIRE(test::run(f.python + " " + test::tests_dir() + "/reference/make_hf_tokenizer_files.py " + layout + " " +
                    f.tok512 + " " + f.hf + " " + extra) == 0);
  return f;
}

// Runs sprig-convert on `input` (and any further arguments); returns its exit status and stderr.
std::pair<int, std::string> convert(const std::string& input, const std::string& output, const std::string& more = "") {
  const std::string log = output + ".log";
  const int status = test::run(std::string(SPRIG_CONVERT) + " " + quoted(input) + " -o " + quoted(output) + " " + more +
                               " 2> " + quoted(log) + " > /dev/null");
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {status, text.str()};
}

std::shared_ptr<const Model> open(const std::string& path) {
  auto model = Model::open(path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  return model.value();
}

// Lines of the shared eval text, plus a few with leading spaces, digits and bytes outside tok512.
std::vector<std::string> sample_texts(const std::string& shared) {
  std::vector<std::string> texts = {"Once upon a time", "  two leading spaces", "Lily's 123 cats\nand a dog.",
                                    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 bytes", ""};
  std::ifstream in(shared + "/eval/tinytales.txt");
  std::string line;
  for (int i = 0; i < 40 && std::getline(in, line); ++i)
    if (!line.empty()) texts.push_back(line);
  return texts;
}

std::vector<int32_t> encode(const Model& model, const std::string& text) {
  Tokenizer tokenizer(model.vocab());
  std::vector<int32_t> ids;
  tokenizer.encode(text, model.vocab().add_bos, ids);
  return ids;
}

}  // namespace

TEST_CASE("an HF folder with tokenizer.model, tokenizer_config.json, special_tokens_map.json, generation_config.json") {
  const Folder f = make_folder("sentencepiece", "sentencepiece",
                               "--added '<|im_start|>' '<|im_end|>' '<start_of_turn>' '<end_of_turn>' --generation " +
                                   quoted(kGeneration) + " --config-template " + quoted(kChatMl) + " --template-file " +
                                   quoted(kGemma));
  if (f.dir.empty()) return;
  const auto [status, log] = convert(f.hf, f.dir + "/model.sprig");
  REQUIRE_MESSAGE(status == 0, log);
  CHECK(log.find("tokenizer: tokenizer.model") != std::string::npos);
  CHECK(log.find("sampling defaults: temperature 0.6, top_p 0.9, top_k 20") != std::string::npos);
  const auto model = open(f.dir + "/model.sprig");

  // Tokenized as libsentencepiece tokenizes the same file (plus BOS, which add_bos_token asks for).
  sentencepiece::SentencePieceProcessor reference;
  REQUIRE(reference.Load(f.hf + "/tokenizer.model").ok());
  for (const std::string& text : sample_texts(f.shared)) {
    std::vector<int> expected;
    REQUIRE(reference.Encode(text, &expected).ok());
    expected.insert(expected.begin(), 1);
    const std::vector<int32_t> ours = encode(*model, text);
    CHECK_MESSAGE(std::vector<int>(ours.begin(), ours.end()) == expected, text);
  }
  CHECK(model->vocab().bos_id == 1);
  CHECK(model->vocab().eos_id == 2);
  CHECK(model->vocab().pieces.size() == 516);
  CHECK(model->vocab().types[513] == TokenType::Control);

  // generation_config.json: its eos list ends generation, its sampling is the model's default.
  const GenerationDefaults& g = model->generation_defaults();
  CHECK(g.stop_ids == std::vector<int32_t>{2, 513});
  REQUIRE(g.temperature.has_value());
  CHECK(*g.temperature == doctest::Approx(0.6f));
  CHECK(g.top_p.value_or(0) == doctest::Approx(0.9f));
  CHECK(g.top_k.value_or(0) == 20u);
  Tokenizer tokenizer(model->vocab());
  CHECK(tokenizer.ends_generation(513));
  CHECK(tokenizer.ends_generation(2));
  CHECK_FALSE(tokenizer.ends_generation(512));

  // sprig run samples with them unless told otherwise, and says so.
  auto run_log = [&](const std::string& options) {
    const std::string log = f.dir + "/run.log";
    REQUIRE(test::run(std::string(SPRIG_BIN) + " run -m " + f.dir + "/model.sprig -p Once -n 4 " + options + " 2> " +
                      log + " > /dev/null") == 0);
    const std::vector<uint8_t> bytes = test::read_file(log);
    return std::string(bytes.begin(), bytes.end());
  };
  CHECK(run_log("").find("sprig: sampling defaults of the model: temperature 0.6, top_p 0.9, top_k 20\n") !=
        std::string::npos);
  CHECK(run_log("--temp 0 --top-k 5").find("sprig: sampling defaults of the model: top_p 0.9\n") != std::string::npos);
  CHECK(run_log("--temp 0 --top-k 5 --top-p 1").find("sampling defaults") == std::string::npos);

  // Values out of range in the file are errors naming them.
  const std::vector<uint8_t> original = test::read_file(f.dir + "/model.sprig");
  auto load_error = [&](auto change) {
    std::vector<uint8_t> bytes = original;
    change(*schema::GetMutableSizePrefixedModel(bytes.data())->mutable_generation());
    test::write_file(f.dir + "/bad.sprig", bytes);
    auto bad = Model::open(f.dir + "/bad.sprig");
    return bad.ok() ? std::string() : bad.error().message();
  };
  CHECK(load_error([](schema::GenerationDefaults& g) { REQUIRE(g.mutate_temperature(-1.0f)); })
            .find("generation defaults: temperature -1") != std::string::npos);
  CHECK(load_error([](schema::GenerationDefaults& g) { REQUIRE(g.mutate_top_p(1.5f)); })
            .find("generation defaults: top_p 1.5") != std::string::npos);
  CHECK(load_error([](schema::GenerationDefaults& g) { g.mutable_stop_ids()->Mutate(1, 9999); })
            .find("generation defaults: stop token 9999 is outside the vocabulary") != std::string::npos);

  // chat_template.jinja wins over tokenizer_config.json's template; the eos list adds stops.
  const ChatTemplate& chat = model->chat_template();
  REQUIRE(chat.present);
  CHECK(chat.kind == ChatTemplateKind::Gemma);
  CHECK(std::find(chat.stop_ids.begin(), chat.stop_ids.end(), 515) != chat.stop_ids.end());
  CHECK(std::find(chat.stop_ids.begin(), chat.stop_ids.end(), 513) != chat.stop_ids.end());

  // The weights are read as before: logits match the NumPy reference.
  const std::string out = f.dir + "/reference.f32";
  const std::string tokens = "1,403,407,261,378,432,383,286,261,376,298,315,421,395,317,426";
  REQUIRE(test::run(f.python + " " + test::tests_dir() + "/reference/family_reference.py --hf " + f.hf + " --tokens " +
                    tokens + " --all-positions --out " + out) == 0);
  const std::vector<uint8_t> bytes = test::read_file(out);
  std::vector<float> expected(bytes.size() / 4);
  std::memcpy(expected.data(), bytes.data(), expected.size() * 4);
  SessionOptions options;
  options.kv_cache = KvCacheType::F32;
  auto session = Session::create(model, options);
  REQUIRE(session.ok());
  float difference = 0;
  size_t at = 0;
  std::stringstream ids(tokens);
  for (std::string id; std::getline(ids, id, ',');) {
    REQUIRE(session.value()->decode(std::stoi(id)).ok());
    for (float v : session.value()->logits()) difference = std::max(difference, std::fabs(v - expected.at(at++)));
  }
  CHECK(at == expected.size());
  MESSAGE("max |logit difference| vs NumPy: " << difference);
  CHECK(difference < 1e-4f);
}

TEST_CASE("an HF folder with tokenizer.json tokenizes as the same vocabulary in llama2.c form") {
  const Folder f = make_folder("tokenizer_json", "tokenizer.json", "--added '<|im_start|>' '<|im_end|>' a b --config-template " + quoted(kChatMl));
  if (f.dir.empty()) return;
  const auto [status, log] = convert(f.hf, f.dir + "/model.sprig");
  REQUIRE_MESSAGE(status == 0, log);
  CHECK(log.find("tokenizer: tokenizer.json") != std::string::npos);
  CHECK(log.find("no generation_config.json") != std::string::npos);
  const auto model = open(f.dir + "/model.sprig");
  CHECK(model->chat_template().kind == ChatTemplateKind::ChatMl);
  CHECK(model->generation_defaults().stop_ids.empty());
  CHECK_FALSE(model->generation_defaults().temperature.has_value());
  // --tokenizer still overrides the folder's own files.
  const auto [status2, log2] = convert(f.hf, f.dir + "/tok512.sprig", "--tokenizer " + f.tok512);
  REQUIRE_MESSAGE(status2 == 0, log2);
  CHECK(log2.find("tokenizer: llama2c") != std::string::npos);
  const auto llama2c = open(f.dir + "/tok512.sprig");
  for (const std::string& text : sample_texts(f.shared)) CHECK_MESSAGE(encode(*model, text) == encode(*llama2c, text), text);
}

TEST_CASE("an HF folder with vocab.json + merges.txt and special_tokens_map.json") {
  const Folder f = make_folder("vocab_merges", "vocab-merges");
  if (f.dir.empty()) return;
  const auto [status, log] = convert(f.hf, f.dir + "/model.sprig");
  REQUIRE_MESSAGE(status == 0, log);
  const auto model = open(f.dir + "/model.sprig");
  CHECK(model->vocab().kind == TokenizerKind::ByteLevelBpe);
  const int32_t end = Tokenizer(model->vocab()).find("<|endoftext|>");
  REQUIRE(end > 0);
  CHECK(model->vocab().eos_id == end);
  CHECK(model->vocab().bos_id == end);
  // Byte-level text comes back byte for byte.
  for (const std::string& text : sample_texts(f.shared)) {
    Tokenizer tokenizer(model->vocab());
    std::vector<int32_t> ids;
    tokenizer.encode(text, false, ids);
    std::string decoded;
    int32_t previous = -1;
    for (int32_t id : ids) decoded += tokenizer.decode(previous, id), previous = id;
    CHECK(decoded == text);
  }
}

TEST_CASE("each missing or damaged file of an HF folder is an error naming it") {
  const Folder f = make_folder("errors", "sentencepiece", "--generation '{\"eos_token_id\": 2}'");
  if (f.dir.empty()) return;
  auto fails_with = [&](const std::string& file, const std::string& content, const std::string& expected) {
    const std::string path = f.hf + "/" + file;
    const std::vector<uint8_t> original = test::read_file(path);
    test::write_file(path, std::vector<uint8_t>(content.begin(), content.end()));
    const auto [status, log] = convert(f.hf, f.dir + "/bad.sprig");
    test::write_file(path, original);
    CHECK_MESSAGE(status == 1, file);
    CHECK_MESSAGE(log.find(file) != std::string::npos, log);
    CHECK_MESSAGE(log.find(expected) != std::string::npos, log);
    CHECK(log.find("Segmentation") == std::string::npos);
  };
  fails_with("generation_config.json", R"({"do_sample": true, "temperature": "hot"})", "temperature is \"hot\"");
  fails_with("generation_config.json", R"({"eos_token_id": [2, 9999]})", "eos_token_id 9999 is not a token");
  fails_with("generation_config.json", R"({"do_sample": true, "top_p": 0})", "top_p 0 is outside");
  fails_with("generation_config.json", "{\"eos_token_id\": ", "not valid JSON");
  // The config names bos/eos/unk, and wins; pad_token comes from the map.
  fails_with("special_tokens_map.json", R"({"pad_token": "<nope>"})", "pad_token '<nope>' is not in the vocabulary");
  fails_with("tokenizer.model", "not a protobuf", "not a SentencePiece model");
  fails_with("tokenizer_config.json", "[1, 2]", "not a JSON object");
  test::write_file(f.hf + "/chat_template.jinja", {});
  auto [status, log] = convert(f.hf, f.dir + "/bad.sprig");
  CHECK(status == 1);
  CHECK(log.find("chat_template.jinja: the chat template file is empty") != std::string::npos);
  std::remove((f.hf + "/chat_template.jinja").c_str());
  // No tokenizer at all: the files looked for are named.
  std::rename((f.hf + "/tokenizer.model").c_str(), (f.dir + "/tokenizer.model").c_str());
  std::tie(status, log) = convert(f.hf, f.dir + "/bad.sprig");
  CHECK(status == 1);
  CHECK(log.find("no tokenizer in the folder (looked for tokenizer.json, vocab.json + merges.txt and tokenizer.model)") !=
        std::string::npos);
  // vocab.json alone is not a tokenizer either.
  test::write_file(f.hf + "/vocab.json", {'{', '}'});
  std::tie(status, log) = convert(f.hf, f.dir + "/bad.sprig");
  CHECK(log.find("has vocab.json without merges.txt") != std::string::npos);
}
