#pragma once
// Bounds on every number that comes from input (scenario YAML, job and request
// traces, sweep files, nccl-tests logs, microbenchmark JSON). Scenario files
// are shared between people, so a number is checked for range *before* any
// arithmetic: a cast of 1e20 to int is undefined behaviour, and a product of
// two in-range ints can still overflow. Every reader goes through these
// helpers so that the limits and their wording are the same everywhere.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rcn {

// The largest values rcnsim accepts. They are far above any real system
// (the largest published training runs use ~1e5 GPUs) and far below where
// 64-bit arithmetic, memory or SimGrid would fail.
namespace limits {
inline constexpr std::int64_t kMaxInt = 2'000'000'000;           // any int field (fits int32 with room)
inline constexpr std::int64_t kMaxServersTotal = 1'000'000;      // SimGrid hosts in one platform
// Links and node positions of all tori and dragonflies together (SimGrid builds each: a
// 1e6-node 3-dimensional torus, 4e6 of them, took 4.5 GB).
inline constexpr std::int64_t kMaxDirectFabricLinksTotal = 3'000'000;
inline constexpr std::int64_t kMaxGpusTotal = 16'000'000;        // servers x gpus_per_server, all sites
inline constexpr std::int64_t kMaxFailureEvents = 1'000'000;     // pre-generated failure events in one run (~3 GB at the limit)
inline constexpr std::int64_t kMaxTraceRows = 20'000'000;        // rows of one job or request trace
inline constexpr std::size_t kMaxTraceRowsReserved = 2'000'000;  // job rows reserved before reading (beyond: growth)
inline constexpr std::size_t kMaxErrorsPerTraceFile = 50;        // then stop: a wrong file would otherwise bury the first errors
inline constexpr std::int64_t kMaxSweepRuns = 100'000;           // points x seeds of one sweep
inline constexpr std::int64_t kMaxSweepVariants = 1'000;         // named variants of one sweep
inline constexpr std::size_t kMaxSweepVariantName = 64;          // characters of a variant's name
inline constexpr std::size_t kMaxSweepPathsPerPoint = 256;       // --set paths one sweep point sets (each costs a tree walk)
inline constexpr std::int64_t kMaxSeed = (std::int64_t{1} << 53); // exact in a double, so YAML/JSON keep it
inline constexpr std::uint64_t kMaxInputFileBytes = 2ull << 30;  // one referenced file (trace, profile, log)
inline constexpr std::int64_t kMaxMeasuredBytes = std::int64_t{1} << 50;  // one measured message or copy (1 PiB)
inline constexpr double kMaxHorizonSeconds = 1000.0 * 365 * 86400;  // 1000 years of simulated time
// Physical bounds on scenario quantities: outside them a number is a typo or a
// unit mistake, and the simulation would hold servers forever (a 1e-320 B/s
// link) or lose precision (a 1e300 s latency).
inline constexpr double kMinBandwidth = 1e3;                     // bytes/s (1 kB/s), any link, NIC or storage
inline constexpr double kMaxBandwidth = 1e18;                    // bytes/s (8 Ebit/s)
inline constexpr double kMaxLatencySeconds = 3600;               // one way, any link or fabric
inline constexpr double kMinIntervalSeconds = 1;                 // checkpoint and autoscale intervals
inline constexpr double kMaxBytes = 1e18;                        // a dataset (1 EB); fits uint64 transfers
inline constexpr double kMaxModelParams = 1e15;                  // parameters of one model
inline constexpr double kMaxMoeImbalance = 1000;                 // busiest expert rank's tokens over the mean
inline constexpr double kMaxTrainingTokens = 1e18;               // tokens of one training job
inline constexpr double kMaxTrainingSteps = 1e12;                // steps of one training job
// Prompt or output tokens of one request (10M: above any model's context window). The serving
// engine counts a request's tokens in float, exact for integers up to 2^24 = 16.7M: past that,
// adding one generated token would be lost to rounding and the request would never finish.
inline constexpr double kMaxRequestTokens = 1e7;
inline constexpr double kMaxRequestsPerRun = 1e9;                // inference requests (rate x horizon)
// Load checks (horizon / autoscale.interval) and fast-mode intervals (horizon / fast_interval),
// summed over the services of a run (each service's alone was once bounded by 1e8, which
// many services multiplied). Measured (Release, 2 December 2026): an autoscale check costs
// about 31 us and a fast-mode interval about 9 us of wall time, so 1e7 is at most about 5
// minutes; scenarios/regional/maas.yaml (three models, a year of minutes) takes 1.6e6.
inline constexpr double kMaxPeriodicChecks = 1e7;
// Checkpoints of a run with a given interval: (horizon - submit) / interval summed over its
// jobs. Measured: 1e6 checkpoints of one job took 43 s and 2.5 GB (their timeline and trace).
// A Young/Daly (`interval: auto`) interval is never shorter than horizon / kMaxCheckpoints.
inline constexpr double kMaxCheckpoints = 1e6;
inline constexpr std::int64_t kMaxSwitchPorts = 100'000;         // radix of one fabric switch, and any count a tier multiplies
inline constexpr std::int64_t kMaxSites = 1000;                  // sites (the platform routes every pair)
inline constexpr std::int64_t kMaxWanLinks = 10000;              // WAN links
inline constexpr double kMaxMoney = 1e12;                         // one price in the `cost` sections (a server, a PB,
                                                                 // a MW, a Gbps-month): far above any, sums stay finite
inline constexpr double kMinAmortisationYears = 0.1;             // amortisation periods of capex
inline constexpr double kMaxAmortisationYears = 100;
inline constexpr double kMaxServerPower = 1e6;                   // W of IT load of one server
inline constexpr double kMinWeibullShape = 0.1;                  // failure time distribution shape k
inline constexpr double kMaxWeibullShape = 10;
}  // namespace limits

// `v` as an integer in [lo, hi], or nothing when it is not finite, not whole,
// or out of range. Never casts an out-of-range double.
std::optional<std::int64_t> bounded_integer(double v, std::int64_t lo, std::int64_t hi);

// Parses `text` as a count ("1024", "16k", "1e3") and bounds it as above.
// On failure `why` (when given) says what was expected, in the form
// "expected an integer in [lo, hi], got \"text\"".
std::optional<std::int64_t> parse_bounded_integer(std::string_view text, std::int64_t lo, std::int64_t hi,
                                                  std::string* why = nullptr);

// a*b (and a*b*c) when every factor is >= 0 and the product is <= hi;
// nothing otherwise (negative factors, overflow, or above hi).
std::optional<std::int64_t> bounded_product(std::int64_t a, std::int64_t b, std::int64_t hi);
std::optional<std::int64_t> bounded_product(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t hi);

// "an integer in [1, 2000000000]" for messages.
std::string describe_integer_range(std::int64_t lo, std::int64_t hi);

// The layouts one `parallelism: auto` search (or `estimate --search`) may enumerate:
// 405B on 16,384 GPUs is 133,500 (0.4 s); at 300k-700k layouts/s (docs/performance.md)
// this many take a few seconds, while spaces within the other limits reach 1e8 and
// more (minutes). Counted before the search (count_layouts()).
namespace limits {
inline constexpr std::int64_t kMaxLayoutsPerSearch = 2'000'000;
}  // namespace limits

}  // namespace rcn
