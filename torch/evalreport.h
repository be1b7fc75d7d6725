#pragma once
// The eval report as JSON (the shape README.md documents, which the GUI's Evaluate view reads) and as text.
#include "base/json.h"
#include "evaluator.h"

#include <cstdio>

namespace ql::eval {

/// {"model", "checkpoint", "num_inputs", "outputs": [{"name", "snr_db", "max_abs_diff", "cosine",
/// "top1_agreement"}], "sensitivity": [{"tensor", "weight_snr_db", "outputs": [{"name", "snr_db",
/// "top1_agreement"}], "keep_fp32_outputs": [...]}], "warnings"}. snr_db is null when the outputs are identical;
/// top1_agreement is null for outputs not marked as logits.
Json reportJson(const EvalReport &r);

/// The human tables: per output, then the sensitivity ranking.
void printReport(std::FILE *out, const EvalReport &r);

} // namespace ql::eval
