#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time this process has used, user and system, over all its threads: what the harness itself
/// costs per request, on a machine whose cores it shares with the server and Redis.
public enum ProcessCPU {
    /// Microseconds of CPU per request, for `seconds` of CPU spent on `requests`; nil without requests.
    public static func microsecondsPerRequest(_ seconds: Double, requests: Int) -> Double? {
        requests > 0 ? seconds * 1e6 / Double(requests) : nil
    }

    public static func seconds() -> Double { usage(RUSAGE_SELF.rawValue) }

    /// CPU time of the child processes this process has waited for, such as redis-benchmark.
    public static func childrenSeconds() -> Double { usage(RUSAGE_CHILDREN.rawValue) }

    private static func usage(_ who: Int32) -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(who), &usage)
        #else
        getrusage(who, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
