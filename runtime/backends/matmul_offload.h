// What a matmul backend sees of the session: the list of matrices the forward pass multiplies
// (each with the strides of its input and output rows), numbered, and the calls to multiply one
// of them. The session's matmul dispatch (session/matmul.h) offers every product to the backend
// first; what the backend declines runs on sprig's kernels.
#pragma once

#include <cstddef>
#include <string>

#include "sprig/model.h"

struct pthreadpool;

namespace sprig {

// One matrix the forward pass multiplies: y[r] = W x[r], rows of x input_stride floats apart,
// rows of y output_stride apart.
struct MatrixUse {
  const TensorView* weights = nullptr;
  size_t input_stride = 0, output_stride = 0;
};

// Every matrix the forward pass multiplies; a product names its matrix by its index here.
class MatrixList {
 public:
  virtual size_t size() const = 0;
  virtual MatrixUse at(size_t index) const = 0;

 protected:
  ~MatrixList() = default;
};

// A backend's share of the products, set up at session creation in the session's arena.
class MatmulOffload {
 public:
  virtual ~MatmulOffload() = default;
  // y[r] = W x[r] for `rows` rows of matrix `matrix` (an index into the MatrixList the backend
  // was created from) when it takes that matrix with these strides; false, and nothing computed,
  // otherwise. `pool` may be nullptr.
  virtual bool multiply(size_t matrix, const float* input, size_t input_stride, float* output, size_t output_stride,
                        size_t rows, pthreadpool* pool) = 0;
  // One line for the start-up log: which matrices it takes and what that costs.
  virtual std::string summary() const = 0;
};

}  // namespace sprig
