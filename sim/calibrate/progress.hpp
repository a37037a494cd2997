// Progress lines on stderr, prefixed with the time since start, so a long run shows
// where it is while stdout stays clean for the JSON.
#pragma once

#include <chrono>
#include <cstdarg>
#include <cstdio>

namespace rcn::calibrate {

inline const std::chrono::steady_clock::time_point g_start = std::chrono::steady_clock::now();

inline double seconds_since_start() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline void progress(const char* fmt, ...) {
    std::fprintf(stderr, "[%7.2fs] ", seconds_since_start());
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

}  // namespace rcn::calibrate
