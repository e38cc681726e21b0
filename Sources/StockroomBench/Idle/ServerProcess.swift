import Foundation

/// What `/proc/<pid>` says about the server process: its resident memory and open descriptors.
public struct ServerProcess: Sendable {
    public let pid: Int32

    public init(pid: Int32) {
        self.pid = pid
    }

    /// VmRSS in bytes.
    public func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let bytes = Self.residentBytes(status: status) else { throw BenchError("/proc/\(pid)/status has no VmRSS line") }
        return bytes
    }

    /// CPU time the process has used, user and system, over all its threads: fields 14 and 15 of
    /// `/proc/<pid>/stat`, in clock ticks.
    public func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let seconds = Self.cpuSeconds(stat: stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK)))) else {
            throw BenchError("/proc/\(pid)/stat has no CPU times")
        }
        return seconds
    }

    /// utime + stime of a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may
    /// hold spaces, so fields are counted after its closing parenthesis.
    public static func cpuSeconds(stat: String, ticksPerSecond: Double) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": field 3 (state) is fields[0], so utime (14) and stime (15) are fields[11] and [12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticksPerSecond > 0 else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// Descriptors the process holds open (its connections among them).
    public func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    /// The `VmRSS:   45236 kB` line of a `/proc/<pid>/status` text, in bytes.
    public static func residentBytes(status: String) -> Int? {
        for line in status.split(whereSeparator: \.isNewline) where line.hasPrefix("VmRSS:") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count == 3, fields[2] == "kB", let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes * 1024
        }
        return nil
    }
}
