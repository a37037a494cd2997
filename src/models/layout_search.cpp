#include "rcn/models/layout_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include "rcn/models/kernel_model.hpp"
#include "rcn/models/layer_cost.hpp"
#include "rcn/models/pipeline_stages.hpp"
#include "rcn/models/training_memory.hpp"

namespace rcn {

namespace {

const char* const kRecompute[] = {"none", "selective", "full"};

// Divisors of n, ascending.
std::vector<int> divisors(std::int64_t n) {
  std::vector<int> low, high;
  for (std::int64_t d = 1; d * d <= n; ++d)
    if (n % d == 0) {
      low.push_back(static_cast<int>(d));
      if (d * d != n) high.push_back(static_cast<int>(n / d));
    }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

// One layout in the search's compact form. `rank` orders equal step times
// (docs/models.md, Layout search: the tie-break).
struct Layout {
  int tp = 1, cp = 1, pp = 1, v = 1, mb = 1;
  signed char recompute = 0, zero = 1, sp = 0;
  double bound = 0;   // lower bound on the step time
  double memory = 0;  // bytes per GPU
  std::array<int, 8> rank() const { return {tp, cp, pp, v, mb, recompute, zero, sp}; }
};

// The search's split of `layers` over `p` stages (pipeline_split_units()): even, or
// Megatron-Core's embedding-and-loss split with one layer fewer on the first and the last.
void set_stage_split(std::int64_t layers, int p, ParallelismSpec& par) {
  par.first_stage_layers = par.last_stage_layers = embedding_loss_stage_layers(layers, p);
}

// Sets `par` to layout `l` with `dp` replicas of a model of `layers`; `plain` is the
// schedule of v = 1 (1f1b, or gpipe when the user fixed it), v >= 2 being interleaved-1f1b.
void apply(const Layout& l, int dp, std::int64_t layers, const std::string& plain, ParallelismSpec& par) {
  par.tp = l.tp;
  par.cp = l.cp;
  par.pp = l.pp;
  par.dp = dp;
  par.virtual_stages = l.v;
  par.schedule = l.v >= 2 ? "interleaved-1f1b" : plain;
  par.micro_batch = l.mb;
  par.recompute = kRecompute[l.recompute];
  par.zero = l.zero;
  par.sequence_parallel = l.sp != 0;
  set_stage_split(layers, l.pp, par);
}

// Candidate values of one key: the job's when the user fixed it, else `all`.
template <class T>
std::vector<T> keep_or(bool fixed, T given, std::vector<T> all) {
  if (fixed) return {given};
  return all;
}

// The rules both the enumeration and count_layouts() apply, one place each.
// Searched tp stays within a server and divides the heads and the KV groups (Megatron's
// divide() of num_attention_heads and num_query_groups); a fixed tp is taken as given.
std::vector<int> tp_candidates(const ModelSpec& m, const ParallelismSpec& given, int gps) {
  const int kv_heads = m.kv_heads > 0 ? m.kv_heads : m.heads;
  std::vector<int> tps;
  for (int t : keep_or(given.fixed.tp, given.tp, divisors(gps)))
    if (given.fixed.tp || (m.heads % t == 0 && kv_heads % t == 0)) tps.push_back(t);
  return tps;
}
// Virtual stages: 1 (1f1b, or gpipe when fixed); >= 2 interleaved, which Megatron
// allows with pp >= 2, units % (pp v) == 0 (the layers, or the layers + 2 of the
// embedding-and-loss split: pipeline_split_units()) and micro-batches % pp == 0.
bool virtual_stages_allowed(std::int64_t units, const ParallelismSpec& given, int p, int v,
                            std::int64_t micro_batches) {
  const bool interleaved = v >= 2;
  if (given.fixed.schedule && interleaved != (given.schedule == "interleaved-1f1b")) return false;
  return !interleaved || (p >= 2 && units % (std::int64_t{p} * v) == 0 && micro_batches % p == 0);
}
// A fixed `schedule: dualpipe` pairs each rank's stage with its mirror: an even pp >= 2
// (the loader's rule for a fixed layout).
bool dualpipe(const ParallelismSpec& given) { return given.fixed.schedule && given.schedule == "dualpipe"; }
// What `p` stages split (pipeline_split_units()), or 0 when the search offers no layout with
// them: no split of the layers, or an odd pp under a fixed DualPipe.
std::int64_t stage_units(const ModelSpec& m, const ParallelismSpec& given, int p) {
  if (dualpipe(given) && (p < 2 || p % 2 != 0)) return 0;
  return pipeline_split_units(m.layers, p);
}

// Per-layer compute for the lower bound: a MoE model's cheaper layer kind, term by term.
LayerCost bound_layer_cost(const ModelSpec& m, const TrainingJobSpec& trial, const KernelModel& kernels) {
  LayerCost lc = layer_cost(m, LayerShard::of(trial), kernels);
  if (!m.is_moe()) return lc;
  const LayerCost moe = layer_cost(m, LayerShard::of(trial), kernels, LayerKind::Moe);
  lc.forward_s = std::min(lc.forward_s, moe.forward_s);
  lc.backward_s = std::min(lc.backward_s, moe.backward_s);
  lc.attention_forward_s = std::min(lc.attention_forward_s, moe.attention_forward_s);
  return lc;
}

// The job's expert parallelism (kept as given) needs etp x ep to divide tp x cp x dp.
bool experts_fit(const ParallelismSpec& given, int t, int c, std::int64_t dp) {
  return (std::int64_t{t} * c * dp) % (std::int64_t{given.ep} * given.etp) == 0;
}

bool recompute_allowed(const ParallelismSpec& given, int rc) {
  return !given.fixed.recompute || given.recompute == kRecompute[rc];
}
// Sequence parallelism exists only with tp > 1 (one layout, sp off, otherwise).
bool sequence_parallel_allowed(const ParallelismSpec& given, int t, int sp) {
  return given.fixed.sequence_parallel ? sp == (given.sequence_parallel ? 1 : 0) : !(t == 1 && sp == 1);
}
// Without data-parallel peers (dp x cp = 1) the stages are the same layout: zero 1 only.
bool zero_allowed(const ParallelismSpec& given, std::int64_t dp, int c, int z) {
  if (given.fixed.zero) return z == given.zero;
  return given.optimizer == "apex" ? z == 1 : !(dp * c == 1 && z != 1);  // apex shards over dp x cp with zero 1
}

// Orders finished layouts: step time, then memory per GPU, then the layout's rank.
bool faster(const TrainingStep& a, const Layout& la, const TrainingStep& b, const Layout& lb) {
  if (a.step_time_s != b.step_time_s) return a.step_time_s < b.step_time_s;
  if (a.memory.total_bytes != b.memory.total_bytes) return a.memory.total_bytes < b.memory.total_bytes;
  return la.rank() < lb.rank();
}

}  // namespace

bool can_hold(const TrainingJobSpec& job, const ClusterSpec& c, const HardwareProfile* gpu) {
  return gpu && c.gpus() >= job.gpus && gpu->peak(job.precision) > 0;
}

std::string layout_search_key(const ModelSpec& m, const TrainingJobSpec& job, const std::string& gpu_name,
                              const ClusterLinks& links) {
  const ParallelismSpec& q = job.parallelism;
  const ParallelismSpec::Fixed& f = q.fixed;
  // A fixed key's value, or "*".
  auto key = [](bool fixed, const auto& value) { return fixed ? fmt::format("{}", value) : std::string("*"); };
  const std::string model = fmt::format("{}|{},{},{},{},{},{},{},{},{},{}", m.name, m.layers, m.hidden, m.heads,
                                        m.kv_heads, m.ffn, m.vocab, m.seq, m.gated_mlp, m.tied_embeddings, m.dropout);
  const std::string fixed = fmt::format("{},{},{},{},{},{},{},{},{},{}", key(f.tp, q.tp), key(f.cp, q.cp),
                                        key(f.pp, q.pp), key(f.dp, q.dp), key(f.micro_batch, q.micro_batch),
                                        key(f.schedule, q.schedule), key(f.virtual_stages, q.virtual_stages),
                                        key(f.recompute, q.recompute),
                                        key(f.sequence_parallel, q.sequence_parallel), key(f.zero, q.zero));
  const std::string cluster = fmt::format("{}|{},{},{},{},{},{}", gpu_name, links.gpus_per_server,
                                          links.scale_up_bandwidth, links.nic_bandwidth, links.nics_per_server,
                                          links.net_latency, links.in_network_reduction);
  return fmt::format("{}|{},{},{}|{}|{},{},{},{}|{}", model, job.gpus, job.global_batch, job.precision, fixed,
                     q.cp_comm, q.gradient_dtype, q.optimizer, q.optimizer_dtype, cluster);
}

TrainingJobSpec with_layout(const TrainingJobSpec& job, const ParallelismSpec& par) {
  TrainingJobSpec out = job;
  out.parallelism = par;
  return out;
}

std::int64_t count_layouts(const ModelSpec& m, const TrainingJobSpec& job, const ClusterLinks& links,
                           std::int64_t cap) {
  const ParallelismSpec& given = job.parallelism;
  const ParallelismSpec::Fixed& fixed = given.fixed;
  const std::int64_t gpus = job.gpus, batch = job.global_batch;
  if (gpus < 1 || batch < 1 || m.layers < 1 || m.heads < 1) return 0;
  std::int64_t total = 0;
  std::map<std::int64_t, std::vector<int>> micro_batch_sizes;  // by dp: the divisors of batch / dp
  for (int t : tp_candidates(m, given, std::max(1, links.gpus_per_server))) {
    if (gpus % t != 0) continue;
    // Recompute and sequence-parallel choices are independent of the rest: a factor.
    std::int64_t rc_sp = 0;
    for (int rc = 0; rc < 3; ++rc)
      for (int sp = 0; sp < 2; ++sp) rc_sp += recompute_allowed(given, rc) && sequence_parallel_allowed(given, t, sp);
    for (int c : keep_or(fixed.cp, given.cp, divisors(gpus / t))) {
      if (gpus % (std::int64_t{t} * c) != 0) continue;
      if (c > 1 && m.seq % (2 * std::int64_t{c}) != 0) continue;
      for (int p : keep_or(fixed.pp, given.pp, divisors(gpus / (std::int64_t{t} * c)))) {
        const std::int64_t replica = std::int64_t{t} * c * p;
        const std::int64_t units = stage_units(m, given, p);
        if (gpus % replica != 0 || units == 0) continue;
        const std::int64_t dp = gpus / replica;
        if ((fixed.dp && dp != given.dp) || batch % dp != 0 || !experts_fit(given, t, c, dp)) continue;
        std::int64_t zeros = 0;
        for (int z = 0; z < 4; ++z) zeros += zero_allowed(given, dp, c, z);
        // Virtual stages allowed when micro-batches % pp is 0 and when it is not.
        const auto v_choices = keep_or(fixed.virtual_stages, given.virtual_stages, divisors(units / p));
        std::int64_t v_divisible = 0, v_other = 0;
        for (int v : v_choices) {
          v_divisible += virtual_stages_allowed(units, given, p, v, p);
          v_other += virtual_stages_allowed(units, given, p, v, p + 1);
        }
        auto mbs = micro_batch_sizes.find(dp);
        if (mbs == micro_batch_sizes.end()) mbs = micro_batch_sizes.emplace(dp, divisors(batch / dp)).first;
        for (int mb : keep_or(fixed.micro_batch, given.micro_batch, mbs->second)) {
          if ((batch / dp) % mb != 0) continue;
          const std::int64_t micro_batches = batch / dp / mb;
          total += (micro_batches % p == 0 ? v_divisible : v_other) * rc_sp * zeros;
          if (total > cap) return total;
        }
      }
    }
  }
  return total;
}

LayoutSearchResult search_layouts(const ModelSpec& m, const TrainingJobSpec& job, const HardwareProfile& gpu,
                                  const ClusterLinks& links, const LayoutSearchOptions& options) {
  LayoutSearchResult res;
  res.memory_capacity = gpu.memory_bytes;
  const ParallelismSpec& given = job.parallelism;
  const ParallelismSpec::Fixed& fixed = given.fixed;
  const int top = std::max(1, options.top);
  const std::int64_t gpus = job.gpus, batch = job.global_batch;
  if (gpus < 1 || batch < 1 || m.layers < 1 || m.heads < 1) return res;
  const int gps = std::max(1, links.gpus_per_server);
  if (count_layouts(m, job, links, options.max_layouts) > options.max_layouts) {
    res.too_many_layouts = true;
    return res;
  }

  TrainingJobSpec trial = job;  // the layout being enumerated (its memory), changed in place
  ParallelismSpec& par = trial.parallelism;
  par.min_dp = 0;
  const std::string plain = fixed.schedule && given.schedule != "interleaved-1f1b" ? given.schedule : "1f1b";

  // Layouts that fit and may still win, with their bounds, up to options.chunk at a time.
  std::vector<Layout> layouts;
  layouts.reserve(std::min<std::size_t>(options.chunk, 1 << 16));
  std::vector<std::pair<TrainingStep, Layout>> best;  // sorted by faster(), at most `top`
  best.reserve(top + 1);
  // The bound and the step model sum the same terms in different orders: a margin
  // of 1e-9 keeps rounding from pruning a layout that could tie.
  auto beaten = [&](double bound) {
    return options.prune && static_cast<int>(best.size()) == top && bound * (1 - 1e-9) > best.back().first.step_time_s;
  };
  TrainingJobSpec evaluated = job;  // the layout the step model runs on
  evaluated.parallelism.min_dp = 0;
  // Runs the step model on the held layouts, best bound first, so that the N-th best
  // is found early and the rest fall to it; equal bounds in rank order.
  auto drain = [&] {
    std::sort(layouts.begin(), layouts.end(), [](const Layout& a, const Layout& b) {
      return a.bound != b.bound ? a.bound < b.bound : a.rank() < b.rank();
    });
    for (std::size_t i = 0; i < layouts.size(); ++i) {
      const Layout& l = layouts[i];
      if (beaten(l.bound)) {
        res.counts.pruned_bound += static_cast<std::int64_t>(layouts.size() - i);
        break;
      }
      apply(l, static_cast<int>(gpus / (std::int64_t{l.tp} * l.cp * l.pp)), m.layers, plain, evaluated.parallelism);
      TrainingStep st = training_step(m, evaluated, gpu, links);
      ++res.counts.evaluated;
      if (static_cast<int>(best.size()) == top && !faster(st, l, best.back().first, best.back().second)) continue;
      auto at = std::upper_bound(best.begin(), best.end(), std::make_pair(st, l), [](const auto& a, const auto& b) {
        return faster(a.first, a.second, b.first, b.second);
      });
      best.insert(at, {std::move(st), l});
      if (static_cast<int>(best.size()) > top) best.pop_back();
    }
    layouts.clear();
  };
  std::int64_t enumerated = 0;
  double least_memory = 0;
  const KernelModel kernels(gpu);
  std::map<std::array<int, 4>, LayerCost> layer_costs;  // by (tp, cp, micro_batch, sp)

  for (int t : tp_candidates(m, given, gps)) {
    if (gpus % t != 0) continue;
    for (int c : keep_or(fixed.cp, given.cp, divisors(gpus / t))) {
      if (gpus % (std::int64_t{t} * c) != 0) continue;
      if (c > 1 && m.seq % (2 * std::int64_t{c}) != 0) continue;  // 2 cp chunks per sequence
      for (int p : keep_or(fixed.pp, given.pp, divisors(gpus / (std::int64_t{t} * c)))) {
        const std::int64_t replica = std::int64_t{t} * c * p;
        const std::int64_t units = stage_units(m, given, p);
        if (gpus % replica != 0 || units == 0) continue;
        const std::int64_t dp = gpus / replica;
        if ((fixed.dp && dp != given.dp) || batch % dp != 0 || !experts_fit(given, t, c, dp)) continue;
        for (int mb : keep_or(fixed.micro_batch, given.micro_batch, divisors(batch / dp))) {
          if ((batch / dp) % mb != 0) continue;
          const std::int64_t micro_batches = batch / dp / mb;
          std::vector<int> vs;
          for (int v : keep_or(fixed.virtual_stages, given.virtual_stages, divisors(units / p)))
            if (virtual_stages_allowed(units, given, p, v, micro_batches)) vs.push_back(v);
          for (int v : vs) {
            par.tp = t;
            par.cp = c;
            par.pp = p;
            set_stage_split(m.layers, p, par);
            par.dp = static_cast<int>(dp);
            par.micro_batch = mb;
            par.virtual_stages = v;
            par.schedule = v >= 2 ? "interleaved-1f1b" : plain;
            for (signed char rc = 0; rc < 3; ++rc) {
              if (!recompute_allowed(given, rc)) continue;
              par.recompute = kRecompute[rc];
              for (signed char sp = 0; sp < 2; ++sp) {
                if (!sequence_parallel_allowed(given, t, sp)) continue;
                par.sequence_parallel = sp != 0;
                for (signed char z = 0; z < 4; ++z) {
                  if (!zero_allowed(given, dp, c, z)) continue;
                  par.zero = z;
                  ++enumerated;
                  const TrainingMemory mem = training_memory(m, trial);
                  if (least_memory == 0 || mem.total_bytes < least_memory) least_memory = mem.total_bytes;
                  if (mem.total_bytes > gpu.memory_bytes) {
                    ++res.counts.skipped_memory;
                    continue;
                  }
                  // Lower bound: the stage's compute (layers, embedding or logits, recomputed
                  // forward) for every micro-batch plus the bubble on it, and the optimizer step;
                  // the step model adds communication and ring-attention blocks on top.
                  auto it = layer_costs.find({t, c, mb, sp});
                  if (it == layer_costs.end())
                    it = layer_costs.emplace(std::array<int, 4>{t, c, mb, sp}, bound_layer_cost(m, trial, kernels))
                             .first;
                  const LayerCost& lc = it->second;
                  const double per_layer = lc.forward_s + lc.backward_s +
                                           (rc == 2 ? lc.forward_s : rc == 1 ? lc.attention_forward_s : 0);
                  const double head = lc.head_forward_s + lc.head_backward_s;
                  const double embedding = lc.embedding_forward_s + lc.embedding_backward_s;
                  double stage = 0;
                  if (p == 1) {
                    stage = m.layers * per_layer + head + embedding;
                  } else if (m.is_moe()) {
                    // A MoE model's stages differ in kind: its busiest one has at least the mean of all of them.
                    stage = (m.layers * per_layer + head + embedding) / p;
                  } else {
                    // The busiest of the first (with the embedding), a middle and the last stage (with the logits).
                    const double n_first = stage_layers(m, par, 0).count, n_last = stage_layers(m, par, p - 1).count;
                    const double n_middle = p > 2 ? stage_layers(m, par, 1).count : 0;
                    stage = std::max({n_first * per_layer + embedding, n_last * per_layer + head, n_middle * per_layer});
                  }
                  // Routed experts shard over their own group, which may be larger (tp > etp x ep).
                  const double shards =
                      z >= 1 ? std::max(static_cast<double>(dp) * c, m.is_moe() ? par.expert_data_parallel() : 0.0)
                             : 1.0;
                  Layout l{t, c, p, v, mb, rc, z, sp, 0, mem.total_bytes};
                  // DualPipe's bubble may be nothing (p = 2, or backward chunks that hide it).
                  const double bubble = dualpipe(given) ? 0.0 : (p - 1.0) / v;
                  l.bound = (micro_batches + bubble) * stage +
                            optimizer_step_s(mem.sync_params / shards, kernels, par.gradient_bytes());
                  if (beaten(l.bound)) {  // the layouts drained so far hold N faster ones
                    ++res.counts.pruned_bound;
                    continue;
                  }
                  layouts.push_back(l);
                  if (layouts.size() >= options.chunk) drain();
                }
              }
            }
          }
        }
      }
    }
  }
  drain();
  res.counts.enumerated = enumerated;
  res.least_memory = least_memory;
  for (auto& [st, l] : best) res.best.push_back(std::move(st));
  return res;
}

}  // namespace rcn
