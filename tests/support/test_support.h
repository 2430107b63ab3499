// What the suites share: where the shared data is, scratch files, converting test models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sprig/model.h"

namespace sprig::test {

// The shared data folder, or "" after printing a visible skip notice when it is absent.
std::string shared_dir(const char* test_name);
// Python 3 with NumPy, or "" after printing a skip notice.
std::string python(const char* test_name);
std::string tests_dir();
// A fresh scratch folder for one test.
std::string work_dir(const std::string& name);

// Converts a checkpoint (llama2.c with tokenizer, GGUF or HF folder) and returns the path. The
// embedding/head takes the recipe's default dtype unless `head` names one.
std::string convert(const std::string& input, const std::string& tokenizer, const std::string& output,
                    DType dtype = DType::F32, std::optional<DType> head = std::nullopt);

// Converts a tokenizer source (tokenizer.json, vocab.json + merges.txt folder, GGUF, llama2.c
// .bin) to a vocab-only model file at `output` and opens it.
std::shared_ptr<const Model> tokenizer_model(const std::string& source, const std::string& output);

std::vector<uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);
// Runs a shell command; returns its exit status.
int run(const std::string& command);

}  // namespace sprig::test
