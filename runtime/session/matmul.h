// The session's matrix products: which matrices the forward pass multiplies (ForwardMatrices),
// and how a group of products over one input runs (run_matmuls): offered to the backend first,
// the rest quantizing the input once per row, cut into tiles of whole rows and spread over the
// session's threads in one parallel region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "backends/matmul_offload.h"
#include "kernels/kernel_set.h"
#include "sprig/model.h"

struct pthreadpool;

namespace sprig {

bool quantized(DType dtype);
kernels::QuantizedWeights quantized_view(const TensorView& w);

// The widest quantized input of any matmul, in whole blocks of its group, and the most blocks:
// each batch row of the quantized-input scratch holds that much. q8 matrices take a second int8
// term (reference.h), which sits after the first batch in the same regions.
struct QuantizedInputSize {
  size_t values = 0, blocks = 0;
  bool two_terms = false;
  size_t terms() const { return two_terms ? 2 : 1; }
};
QuantizedInputSize quantized_input_size(const Model& model);

// One product of a group: y = W x into `output`, rows output_stride apart. `matrix` is W's index
// in ForwardMatrices, which is how a backend knows it.
struct MatmulJob {
  size_t matrix;
  const TensorView* weights;
  float* output;
  size_t output_stride;
};
// A group shares one input: q/k/v, gate/up.
constexpr size_t kMaxMatmulJobs = 3;

// The matrices of the forward pass, numbered: per layer wq, wk, wv, wo, w_gate, w_up, w_down,
// then the output head; with the strides forward() multiplies them with, so the jobs it makes
// and the backend's operators agree by construction.
enum class LayerMatrix : uint8_t { Q, K, V, O, Gate, Up, Down };
constexpr size_t kLayerMatrices = 7;

class ForwardMatrices final : public MatrixList {
 public:
  explicit ForwardMatrices(const Model& model) : model_(&model) {}
  size_t size() const override { return model_->layers().size() * kLayerMatrices + 1; }
  MatrixUse at(size_t index) const override;
  // The job for one layer's matrix, or the output head's, writing into `output`.
  MatmulJob job(size_t layer, LayerMatrix matrix, float* output) const;
  MatmulJob output_head(float* output) const;

 private:
  MatmulJob job_at(size_t index, float* output) const;
  const Model* model_;
};

// Everything run_matmuls needs of the session.
struct MatmulContext {
  const kernels::KernelSet* kernels;
  pthreadpool* pool;  // nullptr: the calling thread only
  size_t threads;
  size_t min_parallel_macs;  // below this a group runs on the calling thread
  // Scratch for quantized inputs: [batch x values] quants, [batch x blocks] scales and sums
  // (QuantizedInputSize); residual: q8's second term.
  struct Scratch {
    int8_t* quants;
    float* scales;
    int32_t* sums;
  } quantized_input, residual_input;
  MatmulOffload* offload;  // nullptr: sprig's kernels multiply everything
};

// y[r] = W x[r] for `rows` batch rows, for each job's W.
void run_matmuls(const MatmulContext& context, std::span<const MatmulJob> jobs, const float* input,
                 size_t input_stride, size_t rows);

}  // namespace sprig
