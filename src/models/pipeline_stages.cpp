#include "rcn/models/pipeline_stages.hpp"

#include <algorithm>
#include <cstdint>

namespace rcn {

bool custom_stage_split(const ParallelismSpec& par) {
  return par.first_stage_layers >= 0 || par.last_stage_layers >= 0;
}

std::int64_t pipeline_split_units(std::int64_t layers, int pp) {
  if (layers < 1 || pp < 1) return 0;
  if (layers % pp == 0) return layers;
  if ((layers + 2) % pp == 0 && (layers + 2) / pp >= 2) return layers + 2;
  return 0;
}

int embedding_loss_stage_layers(std::int64_t layers, int pp) {
  const std::int64_t units = pipeline_split_units(layers, pp);
  return units == layers + 2 ? static_cast<int>(units / pp - 1) : -1;
}

StageLayers stage_layers(const ModelSpec& m, const ParallelismSpec& par, int i) {
  const std::int64_t layers = std::max(0, m.layers);
  const std::int64_t p = std::max(1, par.pp);
  i = static_cast<int>(std::clamp<std::int64_t>(i, 0, p - 1));
  if (!custom_stage_split(par) || p == 1) {
    const std::int64_t c = (layers + p - 1) / p;
    const std::int64_t first = std::min(i * c, layers);
    return {static_cast<int>(first), static_cast<int>(std::min(c, layers - first))};
  }
  const bool f_set = par.first_stage_layers >= 0, l_set = par.last_stage_layers >= 0;
  const std::int64_t f = f_set ? std::min<std::int64_t>(par.first_stage_layers, layers) : 0;
  const std::int64_t l = l_set ? std::min<std::int64_t>(par.last_stage_layers, layers - f) : 0;
  const std::int64_t others = p - f_set - l_set;  // >= 0 since p >= 2
  const std::int64_t middle = others > 0 ? (layers - f - l) / others : 0;
  const std::int64_t first_count = f_set ? f : middle;
  std::int64_t first = i == 0 ? 0 : first_count + (i - 1) * middle;
  std::int64_t count = i == 0 ? first_count : middle;
  // The last stage holds whatever is left (its own count once the loader has checked the split).
  if (i == p - 1 && p > 1) count = layers - std::min(first, layers);
  first = std::min(first, layers);
  return {static_cast<int>(first), static_cast<int>(std::clamp<std::int64_t>(count, 0, layers - first))};
}

}  // namespace rcn
