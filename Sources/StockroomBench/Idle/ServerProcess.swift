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
