// The sampling options of run and chat (llama.cpp's spellings) and what the run tells about them.
#pragma once

#include <set>
#include <string>

#include "arguments.h"
#include "sprig/sampler.h"

namespace sprig::cli {

extern const std::set<std::string> kSamplingOptionNames;
extern const char* kSamplingOptionsUsage;

// The command line's settings over `defaults`: SamplerOptions::recommended() today, and the
// place where a model file's own defaults (its generation config) will come in. Without --seed
// (or with -1) the seed is random.
SamplerOptions sampling_options(const Arguments& args, const SamplerOptions& defaults);

// One line on stderr: greedy, or the settings and the seed that repeats the run.
void log_sampling(const SamplerOptions& options);

}  // namespace sprig::cli
