import NIOCore

/// Monotonic nanoseconds: what latencies and schedules are measured in.
public enum MonotonicClock {
    public static func now() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }
}
