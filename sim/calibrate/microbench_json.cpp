// Hand-written JSON writer for microbench_json.hpp. No third-party JSON library on
// purpose: the tool must build on the GPU machines, which carry none.
#include "microbench_json.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace rcn::calibrate {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

std::string json_number(double d) {
    if (!std::isfinite(d)) return "null";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

namespace {

// Streaming writer that tracks commas and indentation; callers emit keys and values
// in order. Keeps the field lists below readable.
class JsonOut {
public:
    explicit JsonOut(std::ostream& os) : os_(os) {}

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    void key(std::string_view k) {
        separate();
        os_ << '"' << json_escape(k) << "\": ";
        after_key_ = true;
    }
    void string(std::string_view s) { scalar('"' + json_escape(s) + '"'); }
    void number(double d) { scalar(json_number(d)); }
    void integer(std::int64_t i) { scalar(std::to_string(i)); }
    void uinteger(std::uint64_t u) { scalar(std::to_string(u)); }
    void boolean(bool b) { scalar(b ? "true" : "false"); }
    void null() { scalar("null"); }

    // key + value shorthands
    void kv(std::string_view k, std::string_view s) { key(k); string(s); }
    void kv(std::string_view k, const char* s) { key(k); string(s); }
    void kv_num(std::string_view k, double d) { key(k); number(d); }
    void kv_int(std::string_view k, std::int64_t i) { key(k); integer(i); }
    void kv_uint(std::string_view k, std::uint64_t u) { key(k); uinteger(u); }
    void kv_bool(std::string_view k, bool b) { key(k); boolean(b); }

private:
    void newline() {
        os_ << '\n';
        for (std::size_t i = 0; i < first_.size(); ++i) os_ << ' ';
    }
    // Comma and newline before an element, unless it directly follows its key.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_.empty()) {
            if (!first_.back()) os_ << ',';
            first_.back() = false;
            newline();
        }
    }
    void open(char c) {
        separate();
        os_ << c;
        first_.push_back(true);
    }
    void close(char c) {
        const bool empty = first_.back();
        first_.pop_back();
        if (!empty) newline();
        os_ << c;
    }
    void scalar(const std::string& text) {
        separate();
        os_ << text;
    }

    std::ostream& os_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

void write_meta(JsonOut& j, const DeviceMeta& m) {
    j.key("meta");
    j.begin_object();
    j.kv("name", m.name);
    j.kv_int("sms", m.sms);
    j.kv_uint("mem_bytes", m.mem_bytes);
    j.kv("cc", m.cc);
    j.kv_uint("l2_bytes", m.l2_bytes);
    j.kv_int("device", m.device);
    j.kv("pci_bus_id", m.pci_bus_id);
    j.kv_int("gpu_count", m.gpu_count);
    j.kv("cuda", m.cuda);
    j.kv("cuda_driver", m.cuda_driver);
    j.kv("cublas", m.cublas);
    j.kv("cublaslt", m.cublaslt);
    j.key("nccl");
    if (m.nccl.empty()) j.null(); else j.string(m.nccl);
    j.kv("smi", m.smi);
    j.kv("measured_on", m.measured_on);
    j.kv("measured_at", m.measured_at);
    j.kv("tool", m.tool);
    j.kv("mode", m.mode);
    j.kv_num("elapsed_s", m.elapsed_s);
    j.end_object();
}

void write_device(JsonOut& j, const DeviceResults& d) {
    write_meta(j, d.meta);

    j.key("gemm");
    j.begin_array();
    for (const auto& g : d.gemm) {
        j.begin_object();
        j.kv("dtype", g.dtype);
        j.kv_int("m", g.m);
        j.kv_int("n", g.n);
        j.kv_int("k", g.k);
        j.kv("label", g.label);
        j.kv_num("seconds", g.seconds);
        j.kv_num("min_s", g.min_s);
        j.kv_num("max_s", g.max_s);
        j.kv_num("tflops", g.tflops);
        j.end_object();
    }
    j.end_array();

    j.key("memcpy_d2d");
    j.begin_array();
    for (const auto& c : d.memcpy_d2d) {
        j.begin_object();
        j.kv_uint("bytes", c.bytes);
        j.kv_num("seconds", c.seconds);
        j.kv_num("min_s", c.min_s);
        j.kv_num("max_s", c.max_s);
        j.kv_num("gbps_rw", c.gbps_rw);
        j.end_object();
    }
    j.end_array();

    j.key("pcie");
    j.begin_array();
    for (const auto& p : d.pcie) {
        j.begin_object();
        j.kv("direction", p.direction);
        j.kv_bool("pinned", p.pinned);
        j.kv_uint("bytes", p.bytes);
        j.kv_num("seconds", p.seconds);
        j.kv_num("min_s", p.min_s);
        j.kv_num("max_s", p.max_s);
        j.kv_num("gbps", p.gbps);
        j.end_object();
    }
    j.end_array();

    j.key("launch");
    j.begin_object();
    j.kv_num("eager_per_kernel_s", d.launch.eager_per_kernel_s);
    j.kv_num("graph_per_kernel_s", d.launch.graph_per_kernel_s);
    j.kv_num("sync_s", d.launch.sync_s);
    j.kv_num("roundtrip_s", d.launch.roundtrip_s);
    j.end_object();
}

}  // namespace

void write_json(std::ostream& os, const Microbench& mb) {
    JsonOut j(os);
    j.begin_object();
    write_device(j, mb.primary);

    j.key("sdpa");
    j.begin_array();
    j.end_array();
    if (!mb.sdpa_skipped.empty()) j.kv("sdpa_skipped", mb.sdpa_skipped);

    j.key("nccl");
    j.begin_array();
    for (const auto& c : mb.nccl) {
        j.begin_object();
        j.kv("op", c.op);
        j.kv_int("ranks", c.ranks);
        j.kv_uint("bytes", c.bytes);
        j.kv_num("seconds", c.seconds);
        j.kv_num("min_s", c.min_s);
        j.kv_num("max_s", c.max_s);
        j.kv_num("algbw", c.algbw);
        j.kv_num("busbw", c.busbw);
        j.end_object();
    }
    j.end_array();
    if (!mb.nccl_skipped.empty()) j.kv("nccl_skipped", mb.nccl_skipped);

    if (!mb.other_devices.empty()) {
        j.key("other_devices");
        j.begin_array();
        for (const auto& d : mb.other_devices) {
            j.begin_object();
            write_device(j, d);
            j.end_object();
        }
        j.end_array();
    }
    j.end_object();
    os << '\n';
}

std::string to_json(const Microbench& mb) {
    std::ostringstream os;
    write_json(os, mb);
    return os.str();
}

}  // namespace rcn::calibrate
