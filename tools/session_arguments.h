// The session options every command that runs a model accepts: -c CONTEXT, -b BATCH,
// -t THREADS and --kv-cache f16|int8|f32.
#pragma once

#include <set>
#include <string>

#include "arguments.h"
#include "sprig/session.h"

namespace sprig::cli {

extern const std::set<std::string> kSessionOptionNames;
extern const std::set<std::string> kSessionFlagNames;
extern const char* kSessionOptionsUsage;

// `default_context` applies when -c is absent (0: the model's maximum).
SessionOptions session_options(const Arguments& args, uint32_t default_context = 0);

// With a backend other than sprig's: which matrices it multiplies, to stderr.
void log_backend(const Session& session);

// With --track-memory: every region's measured use against its plan, to stderr.
void print_memory_usage(const Session& session);

}  // namespace sprig::cli
