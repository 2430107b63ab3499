// Loading verifies the whole file: truncation, flipped bytes, offsets past the end, a foreign
// identifier, an unknown major version and inconsistent shapes are errors with a message,
// never a crash or a read outside the file (the suite also runs under ASan and UBSan).
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "model_generated.h"
#include "sprig/session.h"
#include "test_support.h"

using namespace sprig;

namespace {

// A 64-byte-aligned copy, as a caller without mmap would provide.
struct AlignedBuffer {
  explicit AlignedBuffer(const std::vector<uint8_t>& bytes)
      : size(bytes.size()), data(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes.size() + 64) / 64 * 64))) {
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  }
  ~AlignedBuffer() { std::free(data); }
  size_t size;
  uint8_t* data;
};

std::string load_error(const std::vector<uint8_t>& bytes) {
  AlignedBuffer buffer(bytes);
  auto model = Model::from_buffer(buffer.data, buffer.size);
  return model.ok() ? "" : model.error().message();
}

std::vector<uint8_t> stories_file(const std::string& shared) {
  static std::vector<uint8_t> bytes;
  if (bytes.empty()) {
    const std::string dir = test::work_dir("model_file");
    bytes = test::read_file(
        test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/m.sprig", DType::F16));
  }
  return bytes;
}

uint32_t metadata_size(const std::vector<uint8_t>& bytes) {
  uint32_t size;
  std::memcpy(&size, bytes.data(), 4);
  return size;
}

}  // namespace

TEST_CASE("a converted model loads with its hyperparameters, vocabulary and provenance") {
  const std::string shared = test::shared_dir("model file load");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("model_file_open");
  const std::string path = dir + "/m.sprig";
  test::write_file(path, stories_file(shared));
  auto model = Model::open(path);
  REQUIRE(model.ok());
  const Hyperparameters& h = model.value()->hparams();
  CHECK(h.dim == 64);
  CHECK(h.n_layers == 5);
  CHECK(h.n_heads == 8);
  CHECK(h.n_kv_heads == 4);
  CHECK(h.ffn_dim == 172);
  CHECK(h.vocab_size == 512);
  CHECK(model.value()->vocab().pieces.size() == 512);
  CHECK(model.value()->provenance().source_format == "gguf");
  CHECK(model.value()->layers()[0].wq.dtype == DType::F16);
  CHECK(model.value()->output_norm().dtype == DType::F32);
}

TEST_CASE("truncated files are rejected at every length") {
  const std::string shared = test::shared_dir("model file truncated");
  if (shared.empty()) return;
  const auto bytes = stories_file(shared);
  const size_t meta_end = metadata_size(bytes) + 4;
  std::vector<size_t> lengths = {0, 1, 4, 7, 8, 64, meta_end - 1, meta_end, meta_end + 1, bytes.size() - 1};
  for (size_t length = 16; length < meta_end; length += 997) lengths.push_back(length);
  for (size_t length : lengths) {
    CAPTURE(length);
    const std::string error = load_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(length)));
    CHECK(!error.empty());
  }
  CHECK(load_error({bytes.begin(), bytes.begin() + 100}).find("truncated") != std::string::npos);
  CHECK(load_error({bytes.begin(), bytes.end() - 1}).find("outside the file") != std::string::npos);
}

TEST_CASE("flipped bytes in the metadata never crash; what loads still runs") {
  const std::string shared = test::shared_dir("model file flipped");
  if (shared.empty()) return;
  const auto original = stories_file(shared);
  const size_t meta_end = metadata_size(original) + 4;
  std::mt19937 rng(11);
  int rejected = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    auto bytes = original;
    const size_t at = std::uniform_int_distribution<size_t>(0, meta_end - 1)(rng);
    bytes[at] ^= uint8_t(1u << std::uniform_int_distribution<int>(0, 7)(rng));
    AlignedBuffer buffer(bytes);
    auto model = Model::from_buffer(buffer.data, buffer.size);
    if (!model.ok()) {
      CHECK(!model.error().message().empty());
      ++rejected;
      continue;
    }
    // A file that passed verification must be safe to run.
    SessionOptions options;
    options.context_length = 4;
    auto session = Session::create(model.value(), options);
    if (session.ok()) {
      (void)session.value()->decode(1);
      (void)session.value()->decode(int32_t(model.value()->hparams().vocab_size - 1));
    }
  }
  MESSAGE("flipped-byte trials rejected: " << rejected << " of 1500");
}

TEST_CASE("wrong identifier, unknown major version, offsets past the end, inconsistent shapes") {
  const std::string shared = test::shared_dir("model file mutations");
  if (shared.empty()) return;
  const auto original = stories_file(shared);
  namespace fb = sprig::schema;

  auto identifier = original;
  std::memcpy(identifier.data() + 8, "GGUF", 4);
  CHECK(load_error(identifier).find("not a sprig model") != std::string::npos);

  auto mutate = [&](auto change) {
    auto bytes = original;
    change(*fb::GetMutableSizePrefixedModel(bytes.data()));
    return load_error(bytes);
  };
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutate_schema_major(2)); }).find("major version 2") != std::string::npos);
  CHECK(mutate([](fb::Model& m) {
          REQUIRE(m.mutable_tensors()->GetMutableObject(3)->mutate_offset(uint64_t(1) << 40));
        }).find("outside the file") != std::string::npos);
  CHECK(mutate([](fb::Model& m) {
          REQUIRE(m.mutable_tensors()->GetMutableObject(3)->mutate_offset(uint64_t(-64)));
        }).find("outside the file") != std::string::npos);
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutable_tensors()->GetMutableObject(3)->mutate_size(12)); })
            .find("does not match its shape") != std::string::npos);
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutable_hparams()->mutate_ffn_dim(171)); }).find("expected") !=
        std::string::npos);
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutable_hparams()->mutate_n_kv_heads(3)); }).find("multiple") !=
        std::string::npos);
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutable_hparams()->mutate_vocab_size(511)); }).find("pieces") !=
        std::string::npos);
  CHECK(mutate([](fb::Model& m) { REQUIRE(m.mutable_tokenizer()->mutate_bos_id(512)); }).find("outside") !=
        std::string::npos);
}

TEST_CASE("a missing file and a session past its context are reported") {
  CHECK_FALSE(Model::open("no/such/model.sprig").ok());
  const std::string shared = test::shared_dir("model file context");
  if (shared.empty()) return;
  AlignedBuffer buffer(stories_file(shared));
  auto model = Model::from_buffer(buffer.data, buffer.size);
  REQUIRE(model.ok());
  SessionOptions options;
  options.context_length = 2;
  auto session = Session::create(model.value(), options);
  REQUIRE(session.ok());
  CHECK(session.value()->decode(1).ok());
  CHECK(session.value()->decode(2).ok());
  const Status full = session.value()->decode(3);
  CHECK(full.message().find("context is full") != std::string::npos);
  CHECK(session.value()->decode(-1).message().find("outside the vocabulary") != std::string::npos);
  options.context_length = 1u << 20;
  CHECK(Session::create(model.value(), options).error().message().find("exceeds") != std::string::npos);
}
