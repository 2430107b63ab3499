// The chat templates of today's small models (../shared/chat-templates) against python3-jinja2's
// renderings of them (tests/reference/make_template_fixtures.py, fixtures in
// tests/reference/template_fixtures/, date pinned). Each template goes through the converter's
// recognition with a vocabulary holding its special tokens; a recognised template must render
// every fixture conversation byte for byte, and one that is not must be a conversion error that
// names what was not recognised.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checkpoint.h"
#include "model_writer.h"
#include "sprig/chat_format.h"
#include "test_support.h"

namespace {

using namespace sprig;
using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// GPT-2's byte-to-character table, so every byte has a piece.
std::vector<std::string> byte_pieces() {
  std::vector<std::string> pieces;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    const uint32_t c = printable ? uint32_t(b) : uint32_t(256 + extra++);
    std::string utf8;
    if (c < 0x80) utf8 += char(c);
    else utf8 += char(0xC0 | (c >> 6)), utf8 += char(0x80 | (c & 0x3F));
    pieces.push_back(utf8);
  }
  return pieces;
}

// Markers the templates write that their tokens files do not list.
const std::map<std::string, std::vector<std::string>> kExtraMarkers = {
    {"llama-3.2", {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>",
                   "<|end_of_text|>"}},
    {"deepseek-r1", {"<\xef\xbd\x9cUser\xef\xbd\x9c>", "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"}},
    {"granite-3.3", {"<|start_of_role|>", "<|end_of_role|>", "<|end_of_text|>"}},
};

struct Recognised {
  std::shared_ptr<const Model> model;  // null when the converter refused the template
  std::string error;
};

Recognised convert_template(const std::string& shared, const std::string& name, const std::string& stem,
                            const std::string& dir) {
  const std::string base = shared + "/chat-templates/" + stem;
  const json tokens = json::parse(read_text(base + ".tokens.json"));
  convert::TokenizerData tok;
  tok.kind = TokenizerKind::ByteLevelBpe;
  tok.pre_tokenizer = PreTokenizer::Gpt2;
  tok.add_space_prefix = false;
  tok.pieces = byte_pieces();
  tok.types.assign(tok.pieces.size(), TokenType::Normal);
  auto add = [&](const std::string& piece) {
    for (size_t id = 0; id < tok.pieces.size(); ++id)
      if (tok.pieces[id] == piece) return int32_t(id);
    tok.pieces.push_back(piece);
    tok.types.push_back(TokenType::Control);
    return int32_t(tok.pieces.size() - 1);
  };
  auto text_of = [&](const char* key) {
    if (!tokens.contains(key) || tokens[key].is_null()) return std::string();
    return tokens[key].is_string() ? tokens[key].get<std::string>() : tokens[key].value("content", "");
  };
  if (!text_of("bos_token").empty()) tok.bos_id = add(text_of("bos_token"));
  const std::string eos = !text_of("eos_token").empty() ? text_of("eos_token") : text_of("eos_token_instruct");
  if (!eos.empty()) tok.eos_id = add(eos);
  for (const char* group : {"role_markers", "special_tokens"})
    if (tokens.contains(group))
      for (const auto& [key, value] : tokens[group].items()) add(value.is_string() ? value.get<std::string>() : key);
  if (auto it = kExtraMarkers.find(name); it != kExtraMarkers.end())
    for (const std::string& marker : it->second) add(marker);
  tok.add_bos = tokens.value("add_bos_token", false);
  tok.scores.assign(tok.pieces.size(), 0.0f);
  tok.chat_template_source = read_text(base + ".jinja");
  tok.source_format = "test";
  Recognised result;
  try {
    tok.chat = convert::recognise_chat_template(tok, "", stem + ".jinja");
  } catch (const convert::ConvertError& e) {
    result.error = e.what();
    return result;
  }
  const std::string path = dir + "/" + name + ".sprig";
  convert::write_tokenizer_model(tok, stem, path);
  auto model = Model::open(path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  result.model = model.value();
  return result;
}

}  // namespace

// What each template does today: the kind it is rendered as, or the error it stops with.
const std::map<std::string, std::string> kExpected = {
    {"smollm2", "kind chatml"},
    {"qwen3", "kind chatml"},  // enable_thinking absent, as the template's default: thinking on
    {"gemma3", "kind gemma"},
    {"phi-3.5", "kind phi3"},
    {"llama-3.2", "kind llama3"},
    {"smollm3", "kind chatml"},
    {"granite-3.3", "kind granite"},
    {"deepseek-r1", "kind deepseek"},
    {"mistral-v0.3", "kind mistral"},
    {"phi-4-mini", "kind phi3"},
};

TEST_CASE("today's chat templates: recognised ones render as python3-jinja2 does, the others are named errors") {
  const std::string shared = test::shared_dir("chat templates of today's models");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("chat_templates");
  const std::string fixtures = test::tests_dir() + "/reference/template_fixtures/";
  const json index = json::parse(read_text(fixtures + "index.json"));
  std::map<std::string, Recognised> converted;
  std::map<std::string, int> compared;
  for (const json& fixture : index["fixtures"]) {
    const std::string name = fixture["template"], source = fixture["source"];
    if (!converted.count(name)) converted[name] = convert_template(shared, name, source.substr(0, source.size() - 6), dir);
    const Recognised& r = converted[name];
    if (!r.model) continue;
    const json& conversation = index["conversations"][fixture["conversation"].get<std::string>()];
    std::vector<std::string> roles, contents;
    for (const json& m : conversation) roles.push_back(m["role"]), contents.push_back(m["content"]);
    std::vector<ChatMessage> messages;
    for (size_t i = 0; i < roles.size(); ++i) messages.push_back({roles[i], contents[i]});
    const Tokenizer tokenizer(r.model->vocab());
    ChatFormatter formatter(*r.model, tokenizer);
    ChatDate pinned;
    REQUIRE(parse_chat_date(index["date"].get<std::string>(), pinned));
    formatter.set_date(pinned);
    // enable_thinking absent (the template's default), false and true: --think as the user gives it.
    const std::string variant = fixture["variant"];
    if (variant != "default") {
      REQUIRE(formatter.has_think_switch());
      formatter.set_thinking(variant == "think_on");
    }
    std::string rendered;
    REQUIRE(formatter.render_text(messages, true, rendered));
    CHECK_MESSAGE(rendered == read_text(fixtures + fixture["file"].get<std::string>()), fixture["file"]);
    ++compared[name];
    if (variant != "default") ++compared[name + " " + variant];
  }
  REQUIRE(converted.size() == kExpected.size());
  for (const auto& [name, expected] : kExpected) {
    CAPTURE(name);
    const Recognised& r = converted.at(name);
    if (expected.rfind("kind ", 0) == 0) {
      REQUIRE(r.model);
      CHECK(std::string("kind ") + chat_template_name(r.model->chat_template().kind) == expected);
      const int conversations = int(index["conversations"].size());
      CHECK(compared[name] >= conversations);  // every conversation of the index
      if (r.model->chat_template().think_off_prefix.size()) {
        CHECK(compared[name + " think_off"] == conversations);
        CHECK(compared[name + " think_on"] == conversations);
      }
    } else {
      CHECK(!r.model);
      CHECK_MESSAGE(r.error.find(expected) != std::string::npos, r.error);
    }
  }
  // The recognised templates' own flags: Phi-3.5 skips an empty system message, Qwen3 drops
  // earlier reasoning, Gemma 3 writes an empty system message's blank line.
  CHECK(converted.at("phi-3.5").model->chat_template().skip_empty_system);
  CHECK(converted.at("qwen3").model->chat_template().drop_history_reasoning);
  CHECK_FALSE(converted.at("smollm2").model->chat_template().drop_history_reasoning);
  CHECK_FALSE(converted.at("gemma3").model->chat_template().skip_empty_system);
  // The fields the dated and compact layouts are read into.
  CHECK(converted.at("llama-3.2").model->chat_template().system_preamble ==
        "Cutting Knowledge Date: December 2023\nToday Date: {date}\n\n");
  CHECK(converted.at("llama-3.2").model->chat_template().date_format == "%d %b %Y");
  CHECK(converted.at("granite-3.3").model->chat_template().date_format == "%B %d, %Y");
  CHECK(converted.at("deepseek-r1").model->chat_template().drop_all_reasoning);
  CHECK_FALSE(converted.at("deepseek-r1").model->chat_template().drop_history_reasoning);
  CHECK(converted.at("phi-4-mini").model->chat_template().compact_turns);
  // Reasoning switches: Qwen3 and SmolLM3 only, both on by default; SmolLM3's header and flags.
  for (const auto& [name, r] : converted) {
    CAPTURE(name);
    const bool has_switch = name == "qwen3" || name == "smollm3";
    CHECK(r.model->chat_template().think_off_prefix.empty() != has_switch);
    CHECK_FALSE(r.model->chat_template().think_off_by_default);
  }
  const ChatTemplate& smollm3 = converted.at("smollm3").model->chat_template();
  CHECK(smollm3.system_think_flags);
  CHECK(smollm3.think_off_history);
  CHECK(smollm3.date_format == "%d %B %Y");
  CHECK(smollm3.system_preamble.find("Today Date: {date}\nReasoning Mode: {reasoning_mode}\n") != std::string_view::npos);
  CHECK(smollm3.system_close == "\n\n");
  CHECK_FALSE(converted.at("phi-3.5").model->chat_template().compact_turns);
}

TEST_CASE("chat dates: YYYY-MM-DD parsed strictly, formatted with English month names") {
  ChatDate date;
  REQUIRE(parse_chat_date("2024-02-29", date));
  CHECK(format_chat_date("%d %b %Y", date) == "29 Feb 2024");
  CHECK(format_chat_date("%B %d, %Y", date) == "February 29, 2024");
  CHECK(format_chat_date("%d %B %Y|%m|%%|%q", date) == "29 February 2024|02|%|%q");
  for (const char* bad : {"2023-02-29", "2026-13-01", "2026-04-31", "2026-3-09", "2026-03-09x", "", "2026/03/09",
                          "0000-01-01", "2026-00-10", "2026-01-00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_chat_date(bad, date));
  }
  // Unpinned, the device's clock gives a real calendar day.
  const ChatDate now = today();
  ChatDate again;
  CHECK(parse_chat_date(format_chat_date("%Y-%m-%d", now), again));
  CHECK(now.year >= 2024);
}
