// A session's state in a file: a header that names the model and settings it belongs to, the
// tokens of every position, the caller's extra bytes, then each layer's KV cache rows for the
// positions used, and a checksum. Restoring checks all of it before the session is touched.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "sprig/session.h"

namespace sprig {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'R', 'G', 'K', 'V', '0', '1'};
constexpr ArenaRegion kKvRegions[] = {ArenaRegion::Keys, ArenaRegion::Values, ArenaRegion::KeyScales,
                                      ArenaRegion::ValueScales};

// What must match between the saving and the restoring session.
struct Header {
  uint64_t model_file_bytes, weight_bytes;
  uint32_t dim, n_layers, n_kv_heads, head_dim, vocab_size, context_length;
  uint32_t kv_cache_type;
  uint32_t position;
  uint64_t extra_bytes;
};

struct Fnv1a {
  uint64_t hash = 0xcbf29ce484222325ull;
  void add(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) hash = (hash ^ p[i]) * 0x100000001b3ull;
  }
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Header header_of(const Model& model, const SessionMemoryPlan& plan, uint32_t position, size_t extra) {
  const Hyperparameters& h = model.hparams();
  return {model.file_size(), model.weight_bytes(), h.dim, h.n_layers, h.n_kv_heads, h.head_dim, h.vocab_size,
          plan.context_length, uint32_t(plan.options.kv_cache), position, uint64_t(extra)};
}

std::string mismatch(const Header& file, const Header& session) {
  auto differs = [](const char* what, uint64_t a, uint64_t b) {
    return a == b ? std::string() : std::string(what) + " " + std::to_string(a) + " (this session: " + std::to_string(b) + ")";
  };
  for (const std::string& d :
       {differs("model file of", file.model_file_bytes, session.model_file_bytes) + (file.model_file_bytes != session.model_file_bytes ? " bytes" : ""),
        differs("weights of", file.weight_bytes, session.weight_bytes), differs("dim", file.dim, session.dim),
        differs("layers", file.n_layers, session.n_layers), differs("kv heads", file.n_kv_heads, session.n_kv_heads),
        differs("head dim", file.head_dim, session.head_dim), differs("vocabulary", file.vocab_size, session.vocab_size),
        differs("context length", file.context_length, session.context_length),
        differs("KV cache type", file.kv_cache_type, session.kv_cache_type)})
    if (!d.empty()) return d;
  return {};
}

static_assert(sizeof(Header) == 56, "the header is written as it is laid out in memory");

}  // namespace

Status Session::save_state(const std::string& path, std::span<const int32_t> tokens, std::string_view extra) const {
  if (tokens.size() != position_)
    return Error("save_state: " + std::to_string(tokens.size()) + " tokens given for " + std::to_string(position_) +
                 " positions");
  const std::string temporary = path + ".partial";
  File file(std::fopen(temporary.c_str(), "wb"));
  if (!file) return Error(path + ": cannot write");
  Fnv1a checksum;
  bool ok = std::fwrite(kMagic, 1, sizeof kMagic, file.get()) == sizeof kMagic;
  auto put = [&](const void* data, size_t n) {
    if (n == 0) return;
    checksum.add(data, n);
    ok = ok && std::fwrite(data, 1, n, file.get()) == n;
  };
  const size_t layer_rows = size_t(model_->hparams().n_layers) * plan_.context_length;
  for (ArenaRegion r : kKvRegions)
    if (region(r).size() % layer_rows != 0) return Error("save_state: the KV cache layout is not one row per position");
  const Header header = header_of(*model_, plan_, position_, extra.size());
  put(&header, sizeof header);
  put(tokens.data(), tokens.size_bytes());
  put(extra.data(), extra.size());
  const size_t rows = size_t(model_->hparams().n_layers) * plan_.context_length;
  for (ArenaRegion r : kKvRegions) {
    const std::span<std::byte> bytes = region(r);
    if (bytes.empty()) continue;
    const size_t row_bytes = bytes.size() / rows;
    for (size_t layer = 0; layer < model_->hparams().n_layers; ++layer)
      put(bytes.data() + layer * plan_.context_length * row_bytes, position_ * row_bytes);
  }
  ok = ok && std::fwrite(&checksum.hash, 1, sizeof checksum.hash, file.get()) == sizeof checksum.hash;
  ok = std::fclose(file.release()) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Error(path + ": writing the session failed (disk full?)");
  }
  return {};
}

Result<std::vector<int32_t>> Session::load_state(const std::string& path, std::string& extra) {
  reset();
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) return Error(path + ": cannot open");
  char magic[sizeof kMagic];
  Header header;
  if (std::fread(magic, 1, sizeof magic, file.get()) != sizeof magic || std::memcmp(magic, kMagic, sizeof magic) != 0)
    return Error(path + ": not a sprig session file");
  if (std::fread(&header, 1, sizeof header, file.get()) != sizeof header) return Error(path + ": truncated header");
  const std::string different = mismatch(header, header_of(*model_, plan_, header.position, header.extra_bytes));
  if (!different.empty()) return Error(path + ": saved for another model or settings: " + different);
  if (header.position > plan_.context_length) return Error(path + ": position past the context");
  if (header.extra_bytes > (uint64_t(1) << 30)) return Error(path + ": extra data of " + std::to_string(header.extra_bytes) + " bytes is implausible");

  // Nothing is allocated for more than the file holds: a header claiming 1 GB of extra data in a
  // small file is truncated, said before the allocation.
  const long here = std::ftell(file.get());
  if (here < 0 || std::fseek(file.get(), 0, SEEK_END) != 0) return Error(path + ": cannot read");
  const uint64_t left = uint64_t(std::ftell(file.get()) - here);
  if (std::fseek(file.get(), here, SEEK_SET) != 0) return Error(path + ": cannot read");
  if (uint64_t(header.position) * sizeof(int32_t) + header.extra_bytes > left)
    return Error(path + ": truncated: the header claims " + std::to_string(header.extra_bytes) +
                 " bytes of extra data and " + std::to_string(header.position) + " tokens, the file has " +
                 std::to_string(left) + " bytes left");

  Fnv1a checksum;
  checksum.add(&header, sizeof header);
  bool ok = true;
  auto get = [&](void* data, size_t n) {
    if (n == 0 || !ok) return;
    ok = std::fread(data, 1, n, file.get()) == n;
    if (ok) checksum.add(data, n);
  };
  std::vector<int32_t> tokens(header.position);
  get(tokens.data(), tokens.size() * sizeof(int32_t));
  extra.assign(size_t(header.extra_bytes), '\0');
  get(extra.data(), extra.size());
  for (int32_t t : tokens)
    if (ok && (t < 0 || uint32_t(t) >= model_->hparams().vocab_size)) return Error(path + ": a token is outside the vocabulary");
  const size_t rows = size_t(model_->hparams().n_layers) * plan_.context_length;
  for (ArenaRegion r : kKvRegions) {
    const std::span<std::byte> bytes = region(r);
    if (bytes.empty()) continue;
    const size_t row_bytes = bytes.size() / rows;
    for (size_t layer = 0; layer < model_->hparams().n_layers; ++layer)
      get(bytes.data() + layer * plan_.context_length * row_bytes, header.position * row_bytes);
  }
  uint64_t stored = 0;
  if (!ok || std::fread(&stored, 1, sizeof stored, file.get()) != sizeof stored) return Error(path + ": truncated");
  if (std::fgetc(file.get()) != EOF) return Error(path + ": unexpected bytes after the checksum");
  if (stored != checksum.hash) return Error(path + ": checksum mismatch (damaged file)");
  position_ = header.position;
  std::copy(tokens.begin(), tokens.end(), b_.history);
  return tokens;
}

}  // namespace sprig
