// A data-free estimate of column importance: in a pre-norm block, the query/key/value and the
// gate/up matrices multiply rmsnorm(x) * g, so input column c is scaled by the norm weight g[c]
// and its weights' errors are multiplied by as much. The squares of g stand in for the measured
// activation mean squares when there is no calibration text.
#pragma once

#include "calibrate.h"

namespace sprig::convert {

// Per matrix name (attn_q/k/v, ffn_gate/up, the output head and a tied embedding), g^2 normalised
// to mean 1 plus a small floor. Matrices whose input is not a norm's output have no entry, nor do
// any whose norm tensor the checkpoint lacks.
ColumnImportance norm_importance(const Checkpoint& checkpoint);

}  // namespace sprig::convert
