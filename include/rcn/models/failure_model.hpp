#pragma once
// Hardware and software failures as per-component classes: a rate per GPU
// and hour, a distribution of the time between failures of one unit, what a
// failure takes out (its blast radius) and how long the repair takes. The
// built-in `llama3` mix is the Llama 3 405B pre-training record (Dubey et al.
// 2024, Table 5, via REFERENCES.md): 419 unexpected interruptions in 54 days
// on 16,384 H100, i.e. 16,384 x 54 x 24 = 21,233,664 GPU-hours.
#include <string>
#include <vector>

#include "rcn/scenario/scenario.hpp"

namespace rcn {

enum class BlastRadius {
  Job,     // the job's processes (software): no hardware goes down
  Server,  // the server of the failed part: every job rank on it
  Rack,    // a leaf switch: the servers behind it
  Site,    // the whole site
  Uplink,  // a spine switch or a leaf's uplink cable: uplink capacity only, no server down
};

struct ComponentFailure {
  std::string name;
  double rate = 0;            // failures per GPU-second, at scale 1 (Uplink classes: per switch or cable)
  std::string distribution = "exponential";  // or weibull
  double shape = 1;           // Weibull shape k (1 = exponential)
  double repair = 0;          // seconds until the hardware is back
  BlastRadius blast = BlastRadius::Server;
  int llama3_count = 0;       // Table 5 interruptions behind the rate (0 for classes outside the mix)
};

// The classes with the mix's rates (all zero for mix `none`), the
// scenario's component overrides applied, and `scale` multiplied in.
std::vector<ComponentFailure> failure_components(const FailureSpec& spec);

// The spine class's default rate, per switch-second: Singh et al., "Surviving
// switch failures in cloud datacenters" (ACM SIGCOMM CCR 51(2), 2021), 180,000
// switches of a cloud fleet: a 98 % likelihood of running uninterrupted for the
// first 3 months in production, so -ln(0.98) failures per switch per 90 days.
double spine_failure_rate();

// The cable class's default rate, per cable-second: Qian et al., "Alibaba HPN: A
// Data Center Network for Large Language Model Training" (ACM SIGCOMM 2024, sec.
// 2.3): "0.057% of NIC-ToR links fail each month" in Alibaba's LLM training
// clusters, so -ln(1 - 0.00057) failures per link per month (365.25 / 12 days).
// Measured on server-to-leaf links and applied to leaf uplinks: the same optics.
double cable_failure_rate();

// Failures per second that interrupt a job of `gpus` GPUs: every class whose
// blast radius reaches a job's ranks (all but Uplink), at the site's scale.
double job_failure_rate(const std::vector<ComponentFailure>& classes, int gpus, double site_scale = 1.0);

// Young/Daly optimum for checkpoint interval: sqrt(2 x write time x MTBF).
double young_daly_interval(double write_s, double mtbf_s);

// Expected work lost per failure with exponential failures and checkpoints
// every `interval` seconds of work: interval / 2 when failures are rare.
double expected_lost_work_per_failure(double interval_s, double mtbf_s);

}  // namespace rcn
