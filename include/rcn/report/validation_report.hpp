#pragma once
// The validation figures of docs/validation.md: each a model output next to
// a published or measured figure, its source and its tolerance. The tests
// assert the same rows; `rcn-validation-report` regenerates the document.
#include <string>
#include <vector>

namespace rcn {

struct ValidationRow {
  std::string what;      // "GPT-3 175B, 300B tokens, 1,024 A100: days to train"
  double model = 0;      // rcnsim's figure
  double reference = 0;  // the published or measured figure
  double tolerance = 0;  // relative, e.g. 0.15
  std::string source;
  bool within() const;
  double error() const { return reference != 0 ? model / reference - 1 : 0; }
};

// `source_dir` is the repository root (for scenarios/validation/).
std::vector<ValidationRow> validation_rows(const std::string& source_dir);
// Leave-one-shape-out GEMM rows: every measured bf16 transformer-shaped GEMM
// of the h200-sxm profile predicted from the others.
std::vector<ValidationRow> gemm_leave_one_out_rows();

std::string validation_markdown(const std::vector<ValidationRow>& rows, const std::vector<ValidationRow>& gemm_rows);

}  // namespace rcn
