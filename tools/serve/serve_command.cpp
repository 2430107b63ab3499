// sprig serve: an OpenAI-compatible HTTP server with a chat page, for a device on the home
// network. Memory is fixed at start-up: N slots, each a session with its own arena over the
// one mapped model, planned and printed before the first request.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <httplib.h>

#include "arguments.h"
#include "commands.h"
#include "http_routes.h"
#include "session_arguments.h"
#include "sprig/chat_format.h"
#include "sprig/cpu_features.h"

namespace sprig::cli {

const char* kServeUsage =
    "usage: sprig serve -m model.sprig [--host 127.0.0.1] [--port 8080] [--slots N] [--queue N] [--api-key KEY]\n"
    "                   [--max-body BYTES] [--timeout SECONDS] [--alias NAME] [-c CONTEXT] [-t THREADS] [-b BATCH]\n"
    "                   [--kv-cache f16|int8|f32]\n"
    "  --host       address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for the LAN)\n"
    "  --slots      requests generated at once, each in its own session (default 1)\n"
    "  --queue      requests that may wait for a slot; beyond them 503 with Retry-After (default 8)\n"
    "  --api-key    require 'Authorization: Bearer KEY' (also the SPRIG_API_KEY environment variable)\n"
    "  --max-body   the largest request body (default 1048576)\n"
    "  --timeout    seconds a client may take to send a request or to read the answer (default 30)\n"
    "  --alias      the model name /v1/models announces (default: the file name without .sprig)\n"
    "  -c           context length per slot (default 4096, at most the model's)\n"
    "  -t           threads per slot (default: the performance cores divided among the slots)\n";

namespace {

// The signal thread: SIGTERM or SIGINT stops accepting; requests in flight finish.
void stop_on_signal(sigset_t signals, httplib::Server& server, serve::SlotPool& pool) {
  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(stderr, "sprig: %s: no new requests; finishing those in flight\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  pool.drain();
  server.stop();
}

std::string megabytes(size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f MiB", double(bytes) / (1 << 20));
  return text;
}

}  // namespace

int serve_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert({"-m", "--host", "--port", "--slots", "--queue", "--api-key", "--max-body", "--timeout", "--alias"});
  const Arguments args(argc, argv, names, kSessionFlagNames);
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  const std::string host = args.text("--host", "127.0.0.1");
  const int port = int(args.integer("--port", 8080, 0, 65535));
  const size_t slots = size_t(args.integer("--slots", 1, 1, 256));
  const size_t queue = size_t(args.integer("--queue", 8, 0, 4096));
  const size_t max_body = size_t(args.integer("--max-body", 1 << 20, 1024, int64_t(1) << 30));
  const int timeout = int(args.integer("--timeout", 30, 1, 3600));
  std::string api_key = args.text("--api-key");
  if (api_key.empty() && std::getenv("SPRIG_API_KEY")) api_key = std::getenv("SPRIG_API_KEY");

  // Signals go to the signal thread only: blocked before any thread starts (the slots' worker
  // threads inherit the mask), so a SIGTERM cannot land on a thread that would die of it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  const uint32_t max_context = model.value()->hparams().max_positions;
  SessionOptions options = session_options(args, std::min<uint32_t>(4096, max_context));
  if (!args.has("-t")) {
    const uint32_t cores = cpu_features().performance_cores ? cpu_features().performance_cores : 1;
    options.threads = std::max<uint32_t>(1, cores / uint32_t(slots));
  }
  const Tokenizer tokenizer(model.value()->vocab());
  std::optional<ChatFormatter> formatter;
  if (model.value()->chat_template().present) formatter.emplace(*model.value(), tokenizer);

  // Every slot's memory is planned and taken now; requests allocate no session memory later.
  auto plan = plan_session_memory(*model.value(), options);
  if (!plan) return report_error(plan.error().message());
  std::vector<std::unique_ptr<serve::Slot>> slot_list;
  size_t bookkeeping = 0;
  for (size_t i = 0; i < slots; ++i) {
    auto slot = serve::Slot::create(model.value(), tokenizer, options);
    if (!slot) return report_error("slot " + std::to_string(i) + ": " + slot.error().message());
    bookkeeping += slot.value()->bookkeeping_bytes();
    slot_list.push_back(std::move(slot.value()));
  }
  const SessionMemoryPlan& p = plan.value();
  std::fprintf(stderr,
               "sprig: %s | model %s: %s of weights mapped once, %s template\n"
               "sprig: %zu slot(s) x %s (KV cache %s, activations %s, scratch %s, sampler and text %s; context %u, "
               "%u threads) + %s of token lists = %s\n",
               cpu_features().describe().c_str(), args.text("-m").c_str(),
               megabytes(model.value()->weight_bytes()).c_str(),
               formatter ? chat_template_name(model.value()->chat_template().kind) : "no chat", slots,
               megabytes(p.total_bytes()).c_str(), megabytes(p.kv_cache_bytes).c_str(),
               megabytes(p.activation_bytes).c_str(), megabytes(p.scratch_bytes).c_str(),
               megabytes(p.sampler_bytes + p.text_bytes).c_str(), p.context_length, options.threads,
               megabytes(bookkeeping).c_str(), megabytes(slots * p.total_bytes() + bookkeeping).c_str());

  serve::SlotPool pool(std::move(slot_list), queue);
  serve::Metrics metrics;
  serve::RouteOptions route_options;
  route_options.model_name = args.has("--alias") ? args.text("--alias")
                                                 : std::filesystem::path(args.text("-m")).stem().string();
  route_options.api_key = api_key;
  route_options.max_body = max_body;
  serve::Routes routes(*model.value(), tokenizer, formatter ? &*formatter : nullptr, pool, metrics, route_options);

  httplib::Server server;
  // Threads for every slot and queued request, and some over for /health, /metrics and refusals.
  const size_t threads = slots + queue + 8;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(timeout, 0);
  server.set_write_timeout(timeout, 0);
  server.set_keep_alive_timeout(std::min(timeout, 5));
  routes.install(server);


  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) return report_error("cannot listen on " + host + ":" + std::to_string(port));
  std::fprintf(stderr, "sprig: listening on http://%s:%d/ (%s; queue %zu, bodies up to %zu bytes)\n", host.c_str(),
               bound, api_key.empty() ? "no API key" : "API key required", queue, max_body);
  if (api_key.empty() && host != "127.0.0.1" && host != "localhost" && host != "::1")
    std::fprintf(stderr, "sprig: warning: listening beyond this machine without --api-key: anyone on the network "
                         "can use the model\n");
  std::fflush(stderr);
  std::thread signal_thread(stop_on_signal, signals, std::ref(server), std::ref(pool));
  const bool ok = server.listen_after_bind();
  // Wakes the signal thread when listening ended for another reason (harmless after a signal).
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  std::fprintf(stderr, "sprig: stopped\n");
  return ok ? 0 : 1;
}

}  // namespace sprig::cli
