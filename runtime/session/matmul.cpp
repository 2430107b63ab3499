#include "session/matmul.h"

#include <algorithm>

#include <pthreadpool.h>

namespace sprig {
namespace k = kernels;

bool quantized(DType dtype) { return dtype == DType::Q8 || dtype == DType::Q4 || dtype == DType::Q4A; }

k::QuantizedWeights quantized_view(const TensorView& w) {
  const TensorLayout layout = tensor_layout(w.dtype, w.rows, w.cols, w.group);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  return {base, reinterpret_cast<const uint16_t*>(base + layout.scales_offset),
          reinterpret_cast<const uint16_t*>(base + layout.mins_offset), w.rows, w.cols, layout.blocks_per_row,
          w.group};
}

QuantizedInputSize quantized_input_size(const Model& model) {
  QuantizedInputSize size;
  auto consider = [&size](const TensorView& w) {
    if (!quantized(w.dtype)) return;
    const size_t blocks = (w.cols + w.group - 1) / w.group;
    size.values = std::max(size.values, blocks * w.group);
    size.blocks = std::max(size.blocks, blocks);
    size.two_terms |= w.dtype == DType::Q8;
  };
  for (const LayerWeights& l : model.layers())
    for (const TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) consider(*w);
  consider(model.output());
  return size;
}

MatrixUse ForwardMatrices::at(size_t index) const {
  const Hyperparameters& h = model_->hparams();
  const size_t wide = std::max(h.dim, h.q_dim());
  if (index == model_->layers().size() * kLayerMatrices) return {&model_->output(), h.dim, h.vocab_size};
  const LayerWeights& l = model_->layers()[index / kLayerMatrices];
  switch (LayerMatrix(index % kLayerMatrices)) {
    case LayerMatrix::Q: return {&l.wq, wide, h.q_dim()};
    case LayerMatrix::K: return {&l.wk, wide, h.kv_dim()};
    case LayerMatrix::V: return {&l.wv, wide, h.kv_dim()};
    case LayerMatrix::O: return {&l.wo, wide, h.dim};
    case LayerMatrix::Gate: return {&l.w_gate, wide, h.ffn_dim};
    case LayerMatrix::Up: return {&l.w_up, wide, h.ffn_dim};
    case LayerMatrix::Down: return {&l.w_down, h.ffn_dim, h.dim};
  }
  return {};
}

MatmulJob ForwardMatrices::job_at(size_t index, float* output) const {
  const MatrixUse use = at(index);
  return {index, use.weights, output, use.output_stride};
}

MatmulJob ForwardMatrices::job(size_t layer, LayerMatrix matrix, float* output) const {
  return job_at(layer * kLayerMatrices + size_t(matrix), output);
}

MatmulJob ForwardMatrices::output_head(float* output) const {
  return job_at(model_->layers().size() * kLayerMatrices, output);
}

namespace {

// One parallel region over the rows of up to kMaxMatmulJobs matrices, cut into tiles of whole rows.
struct MatmulRegion {
  const k::KernelSet* kernels;
  const TensorView* weights[kMaxMatmulJobs];
  k::QuantizedWeights views[kMaxMatmulJobs];
  float* outputs[kMaxMatmulJobs];
  size_t output_strides[kMaxMatmulJobs];
  size_t tile_rows[kMaxMatmulJobs];
  size_t tiles[kMaxMatmulJobs];
  size_t jobs;
  const float* input;
  size_t input_stride, rows;
  k::QuantizedBatch quantized_input;
  k::QuantizedBatch residual_input;  // q8's second term

  static void run_tile(void* context, size_t tile) {
    const MatmulRegion& m = *static_cast<const MatmulRegion*>(context);
    size_t j = 0;
    while (tile >= m.tiles[j]) tile -= m.tiles[j++];
    const TensorView& w = *m.weights[j];
    const size_t begin = tile * m.tile_rows[j], end = std::min<size_t>(w.rows, begin + m.tile_rows[j]);
    float* y = m.outputs[j];
    const size_t stride = m.output_strides[j];
    const k::KernelSet& ks = *m.kernels;
    const bool one = m.rows == 1;
    switch (w.dtype) {
      case DType::F32: {
        const float* data = static_cast<const float*>(w.data);
        if (one) return ks.matvec_f32(data, m.input, y, w.cols, begin, end);
        return ks.gemm_f32(data, m.input, m.input_stride, m.rows, y, stride, w.cols, begin, end);
      }
      case DType::F16: {
        const uint16_t* data = static_cast<const uint16_t*>(w.data);
        if (one) return ks.matvec_f16(data, m.input, y, w.cols, begin, end);
        return ks.gemm_f16(data, m.input, m.input_stride, m.rows, y, stride, w.cols, begin, end);
      }
      case DType::Q8:
        if (one) return ks.matvec_q8_residual(m.views[j], m.quantized_input.row(0), m.residual_input.row(0), y, begin, end);
        return ks.gemm_q8_residual(m.views[j], m.quantized_input, m.residual_input, y, stride, begin, end);
      case DType::Q4:
        if (one) return ks.matvec_q4(m.views[j], m.quantized_input.row(0), y, begin, end);
        return ks.gemm_q4(m.views[j], m.quantized_input, y, stride, begin, end);
      case DType::Q4A:
        if (one) return ks.matvec_q4a(m.views[j], m.quantized_input.row(0), y, begin, end);
        return ks.gemm_q4a(m.views[j], m.quantized_input, y, stride, begin, end);
    }
  }
};

// Rows per tile, whole multiples of 8 so the kernels' row tiles stay full. Prefill (a compute-
// bound GEMM) takes a few tiles per thread so uneven finishing evens out. Decode streams each
// matrix once and a thread that finishes first waits up to one tile at the region's end, so its
// tiles also hold at most kDecodeTileBytes of weights: a quarter of a thread's share of the 1B
// model's 8192-row matrices was 1.2 MB, and the waits were 5% of the threads' time.
constexpr size_t kDecodeTileBytes = 64 * 1024;

size_t rows_per_tile(const TensorView& w, size_t threads, bool decode) {
  if (threads <= 1) return w.rows;
  const size_t tiles = threads * 4;
  size_t rows = (w.rows + tiles - 1) / tiles;
  if (decode) {
    const uint64_t bytes = tensor_layout(w.dtype, w.rows, w.cols, w.group).total_bytes;
    rows = std::min(rows, kDecodeTileBytes / std::max<size_t>(1, bytes / std::max<size_t>(1, w.rows)));
  }
  return std::max<size_t>(8, rows + 7) / 8 * 8;
}

// The jobs in one parallel region; the quantized ones share the input's quantization, so they
// must share one group.
void run_region(const MatmulContext& c, const MatmulJob* jobs, size_t count, const float* input, size_t input_stride,
                size_t rows) {
  MatmulRegion m{};
  m.kernels = c.kernels;
  m.jobs = count;
  m.input = input;
  m.input_stride = input_stride;
  m.rows = rows;
  size_t total_tiles = 0, columns = 0;
  bool two_terms = false;
  for (size_t j = 0; j < count; ++j) {
    const TensorView& w = *jobs[j].weights;
    m.weights[j] = &w;
    m.outputs[j] = jobs[j].output;
    m.output_strides[j] = jobs[j].output_stride;
    m.tile_rows[j] = rows_per_tile(w, c.threads, rows == 1);
    m.tiles[j] = (w.rows + m.tile_rows[j] - 1) / m.tile_rows[j];
    total_tiles += m.tiles[j];
    if (!quantized(w.dtype)) continue;
    m.views[j] = quantized_view(w);
    if (w.dtype == DType::Q8) two_terms = true;
    if (m.quantized_input.quants) continue;
    // The jobs share the input and the group: quantize each batch row once, back to back.
    const size_t blocks = m.views[j].blocks_per_row;
    const MatmulContext::Scratch &q = c.quantized_input, &residual = c.residual_input;
    m.quantized_input = {q.quants, q.scales, q.sums, blocks, w.group, rows};
    m.residual_input = {residual.quants, residual.scales, residual.sums, blocks, w.group, rows};
    columns = w.cols;
  }
  // On the calling thread: an O(columns) pass next to the matmul's O(rows x columns).
  for (size_t r = 0; r < rows && m.quantized_input.quants; ++r) {
    k::QuantizedActivations x = m.quantized_input.row(r);
    if (!two_terms) {
      c.kernels->quantize_activations(input + r * input_stride, columns, x);
      continue;
    }
    k::QuantizedActivations residual = m.residual_input.row(r);
    c.kernels->quantize_activations_residual(input + r * input_stride, columns, x, residual);
  }
  // Small work (stories260K: every matrix) stays on the calling thread.
  size_t macs = 0;
  for (size_t j = 0; j < count; ++j) macs += size_t(jobs[j].weights->rows) * jobs[j].weights->cols * rows;
  pthreadpool* pool = macs >= c.min_parallel_macs ? c.pool : nullptr;
  pthreadpool_parallelize_1d(pool, &MatmulRegion::run_tile, &m, total_tiles, 0);
}

// Whether the quantized jobs among these share one block size (f32 and f16 take no quantized input).
bool one_group(const MatmulJob* jobs, size_t count) {
  size_t group = 0;
  for (size_t j = 0; j < count; ++j) {
    const TensorView& w = *jobs[j].weights;
    if (!quantized(w.dtype)) continue;
    if (group && group != w.group) return false;
    group = w.group;
  }
  return true;
}

}  // namespace

void run_matmuls(const MatmulContext& c, std::span<const MatmulJob> jobs, const float* input, size_t input_stride,
                 size_t rows) {
  MatmulJob rest[kMaxMatmulJobs];
  size_t remaining = 0;
  for (const MatmulJob& job : jobs) {
    if (c.offload) {
      // The same rule as sprig's kernels: small products stay on the calling thread.
      const size_t macs = size_t(job.weights->rows) * job.weights->cols * rows;
      pthreadpool* pool = macs >= c.min_parallel_macs ? c.pool : nullptr;
      if (c.offload->multiply(job.matrix, input, input_stride, job.output, job.output_stride, rows, pool)) continue;
    }
    if (remaining < kMaxMatmulJobs) rest[remaining++] = job;
    else run_region(c, &job, 1, input, input_stride, rows);
  }
  if (remaining == 0) return;
  // Together when they share one quantization group, else one by one.
  if (one_group(rest, remaining)) return run_region(c, rest, remaining, input, input_stride, rows);
  for (size_t j = 0; j < remaining; ++j) run_region(c, &rest[j], 1, input, input_stride, rows);
}

}  // namespace sprig
