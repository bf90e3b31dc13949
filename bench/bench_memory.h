// Resident memory of the benchmark process, from /proc/self (Linux): the
// peak since the last ResetPeakRss (VmHWM) and the current size (VmRSS).
#pragma once

#include <fstream>
#include <string>

namespace strata::bench {

inline double StatusMb(const char* key) {
  std::ifstream status("/proc/self/status");
  const std::string prefix = std::string(key) + ":";
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;
  return 0;
}

/// Starts a new peak: VmHWM becomes the current RSS.
inline void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
/// The peak resident set size since the last ResetPeakRss, in MiB.
inline double PeakRssMb() { return StatusMb("VmHWM"); }
/// The resident set size now, in MiB.
inline double RssMb() { return StatusMb("VmRSS"); }

}  // namespace strata::bench
