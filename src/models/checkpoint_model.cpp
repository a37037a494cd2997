#include "rcn/models/checkpoint_model.hpp"

#include "rcn/models/transformer_size.hpp"

namespace rcn {

double checkpoint_bytes(const ModelSpec& m) { return 14.0 * transformer_size(m).total_params; }

}  // namespace rcn
