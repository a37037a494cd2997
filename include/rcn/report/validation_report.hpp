#pragma once
// The validation figures of docs/validation.md: each a model output next to
// a published or measured figure, its source and its tolerance. The tests
// assert the same rows; `rcn-validation-report` regenerates the document.
// Where the figures come from and why each was chosen:
// docs/validation-sources.md (collected before looking at rcnsim's output).
#include <string>
#include <vector>

namespace rcn {

struct ValidationRow {
  std::string what;      // "GPT-3 175B, 300B tokens, 1,024 A100: days to train"
  double model = 0;      // rcnsim's figure (NaN when it could not be computed, see `failure`)
  double reference = 0;  // the published or measured figure
  double tolerance = 0;  // relative, e.g. 0.10
  std::string source;
  std::string kind = "training";  // training | collective | serving | kernel
  std::string failure{};          // why `model` could not be computed (e.g. the scenario does not load)
  // Non-empty: the row is outside its tolerance for a reason the model does not capture yet,
  // stated here and in docs/validation.md ("Known gaps"). Such a row is still computed and
  // printed, must stay within `gap_bound` (a ratchet: it may not get worse), and must lose
  // the label once it is within tolerance again (the suite checks both).
  std::string known_gap{};
  double gap_bound = 0;  // the largest |error| a known gap may have
  bool within() const;
  double error() const { return reference != 0 ? model / reference - 1 : 0; }
};

// The most a row of each kind may be off (issue #11: training and collectives 10%, serving 15%).
double max_tolerance(const std::string& kind);

// `source_dir` is the repository root (for scenarios/validation/).
std::vector<ValidationRow> validation_rows(const std::string& source_dir);
// Leave-one-shape-out GEMM rows: every measured bf16 transformer-shaped GEMM
// of the h200-sxm profile predicted from the others.
std::vector<ValidationRow> gemm_leave_one_out_rows();

std::string validation_markdown(const std::vector<ValidationRow>& rows, const std::vector<ValidationRow>& gemm_rows);

}  // namespace rcn
