#include "rcn/sched/pending_queue.hpp"

#include <algorithm>

namespace rcn {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

double runtime(const PendingJob& j, std::size_t c) { return c < j.runtime_on.size() ? j.runtime_on[c] : kNever; }

}  // namespace

// ---- Shape -------------------------------------------------------------------

void PendingQueue::Shape::add(const PendingJob& job) {
  if (slots_.empty() && live_ == 0 && leaves_ == 0) clusters_ = job.runtime_on.size();
  const Key key{job.submit_time, job.joined};
  ++live_;
  for (std::size_t c = 0; c < by_runtime_.size(); ++c) by_runtime_[c].emplace(runtime(job, c), key, &job);
  if (keys_.empty() || keys_.back() < key) {  // the usual case: it joins at the back
    slots_.push_back(&job);
    keys_.push_back(key);
    slot_of_[job.job] = slots_.size() - 1;
    if (slots_.size() > leaves_) rebuild();
    else update(slots_.size() - 1);
    return;
  }
  // A restarted job regains its place in the middle: rebuild (failures are rare next to arrivals).
  const auto at = static_cast<std::size_t>(std::upper_bound(keys_.begin(), keys_.end(), key) - keys_.begin());
  slots_.insert(slots_.begin() + static_cast<std::ptrdiff_t>(at), &job);
  keys_.insert(keys_.begin() + static_cast<std::ptrdiff_t>(at), key);
  rebuild();
}

void PendingQueue::Shape::remove(const PendingJob& job) {
  auto it = slot_of_.find(job.job);
  if (it == slot_of_.end()) return;
  const std::size_t slot = it->second;
  slot_of_.erase(it);
  slots_[slot] = nullptr;
  --live_;
  const Key key{job.submit_time, job.joined};
  for (std::size_t c = 0; c < by_runtime_.size(); ++c) by_runtime_[c].erase({runtime(job, c), key, &job});
  if (slots_.size() > 2 * live_ + 64) rebuild();  // drop the holes: amortised O(1) per job
  else update(slot);
}

void PendingQueue::Shape::rebuild() {
  std::size_t kept = 0;
  slot_of_.clear();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) continue;
    slots_[kept] = slots_[i];
    keys_[kept] = keys_[i];
    slot_of_[slots_[kept]->job] = kept;
    ++kept;
  }
  slots_.resize(kept);
  keys_.resize(kept);
  leaves_ = 1;
  while (leaves_ < 2 * kept) leaves_ *= 2;
  count_.assign(2 * leaves_, 0);
  least_.assign(2 * leaves_ * clusters_, kNever);
  for (std::size_t i = 0; i < kept; ++i) {
    count_[leaves_ + i] = 1;
    for (std::size_t c = 0; c < clusters_; ++c) least_[(leaves_ + i) * clusters_ + c] = runtime(*slots_[i], c);
  }
  for (std::size_t n = leaves_ - 1; n >= 1; --n) {
    count_[n] = count_[2 * n] + count_[2 * n + 1];
    for (std::size_t c = 0; c < clusters_; ++c)
      least_[n * clusters_ + c] = std::min(least_[2 * n * clusters_ + c], least_[(2 * n + 1) * clusters_ + c]);
  }
}

void PendingQueue::Shape::update(std::size_t slot) {
  std::size_t n = leaves_ + slot;
  const PendingJob* job = slots_[slot];
  count_[n] = job ? 1 : 0;
  for (std::size_t c = 0; c < clusters_; ++c) least_[n * clusters_ + c] = job ? runtime(*job, c) : kNever;
  for (n /= 2; n >= 1; n /= 2) {
    count_[n] = count_[2 * n] + count_[2 * n + 1];
    for (std::size_t c = 0; c < clusters_; ++c)
      least_[n * clusters_ + c] = std::min(least_[2 * n * clusters_ + c], least_[(2 * n + 1) * clusters_ + c]);
  }
}

std::size_t PendingQueue::Shape::first_slot_after(const PendingJob* after) const {
  if (!after) return 0;
  const Key key{after->submit_time, after->joined};
  return static_cast<std::size_t>(std::upper_bound(keys_.begin(), keys_.end(), key) - keys_.begin());
}

// The first slot >= from under `node` (covering [lo, hi)) whose node passes `ok`;
// `ok` holds for a node whenever it holds for one of its leaves.
template <class Pred>
std::size_t PendingQueue::Shape::find(std::size_t node, std::size_t lo, std::size_t hi, std::size_t from,
                                      const Pred& ok) const {
  if (hi <= from || count_[node] == 0 || !ok(node)) return kNone;
  if (hi - lo == 1) return lo;
  const std::size_t mid = (lo + hi) / 2;
  const std::size_t left = find(2 * node, lo, mid, from, ok);
  return left != kNone ? left : find(2 * node + 1, mid, hi, from, ok);
}

const PendingJob* PendingQueue::Shape::first_after(const PendingJob* after) const {
  if (live_ == 0) return nullptr;
  const std::size_t s = find(1, 0, leaves_, first_slot_after(after), [](std::size_t) { return true; });
  return s == kNone ? nullptr : slots_[s];
}

const PendingJob* PendingQueue::Shape::first_ending_by(const PendingJob* after, std::size_t c, double now,
                                                       double deadline) const {
  if (live_ == 0 || c >= clusters_) return nullptr;
  // now + t <= deadline is monotone in t, so the subtree's least run time decides.
  const std::size_t s = find(1, 0, leaves_, first_slot_after(after),
                             [&](std::size_t n) { return now + least_[n * clusters_ + c] <= deadline; });
  return s == kNone ? nullptr : slots_[s];
}

const PendingQueue::Shape::ByRuntime& PendingQueue::Shape::by_runtime_on(std::size_t c) const {
  static const ByRuntime kEmpty;
  if (by_runtime_.empty() && clusters_ > 0) {
    by_runtime_.resize(clusters_);
    for (std::size_t c = 0; c < clusters_; ++c)
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i]) by_runtime_[c].emplace(runtime(*slots_[i], c), keys_[i], slots_[i]);
  }
  return c < by_runtime_.size() ? by_runtime_[c] : kEmpty;
}

// ---- PendingQueue ------------------------------------------------------------

PendingQueue::PendingQueue(std::initializer_list<PendingJob> jobs) {
  for (const PendingJob& j : jobs) push(j);
}

PendingQueue::PendingQueue(const PendingQueue& other)
    : jobs_(other.jobs_), key_of_(other.key_of_), joined_(other.joined_) {
  rebuild_shapes();
}

PendingQueue& PendingQueue::operator=(const PendingQueue& other) {
  if (this != &other) {
    jobs_ = other.jobs_;
    key_of_ = other.key_of_;
    joined_ = other.joined_;
    rebuild_shapes();
  }
  return *this;
}

void PendingQueue::rebuild_shapes() {
  shapes_.clear();
  shape_of_.clear();
  for (const auto& [key, job] : jobs_) shape_for(job).add(job);
}

PendingQueue::Shape& PendingQueue::shape_for(const PendingJob& job) {
  auto [it, fresh] = shape_of_.emplace(std::make_tuple(job.gpus, job.site, job.not_allowed_on), shapes_.size());
  if (fresh) {
    shapes_.emplace_back();
    shapes_.back().gpus_ = job.gpus;
    shapes_.back().site_ = job.site;
    shapes_.back().not_allowed_on_ = job.not_allowed_on;
  }
  return shapes_[it->second];
}

const PendingJob& PendingQueue::push(PendingJob job) {
  erase(job.job);  // a job is queued at most once
  job.joined = joined_++;
  const Key key{job.submit_time, job.joined};
  const PendingJob& entry = jobs_.emplace(key, std::move(job)).first->second;
  key_of_[entry.job] = key;
  shape_for(entry).add(entry);
  return entry;
}

bool PendingQueue::erase(std::size_t job) {
  auto k = key_of_.find(job);
  if (k == key_of_.end()) return false;
  auto it = jobs_.find(k->second);
  shape_for(it->second).remove(it->second);
  jobs_.erase(it);
  key_of_.erase(k);
  return true;
}

const PendingJob* PendingQueue::find(std::size_t job) const {
  auto k = key_of_.find(job);
  return k == key_of_.end() ? nullptr : &jobs_.at(k->second);
}

}  // namespace rcn
