// Where redis-server is, where its data goes, and what is cleaned up when this process exits.

import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds redis-server on PATH, else /usr/bin/redis-server.
func findRedisServer() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = path.split(separator: ":").map { "\($0)/redis-server" } + ["/usr/bin/redis-server"]
    for candidate in candidates where access(candidate, X_OK) == 0 {
        return candidate
    }
    throw EmbeddedRedisError(
        "redis-server not found on PATH or at /usr/bin/redis-server: `apt-get install redis-server` (ops/run and ops/test do it)"
    )
}

/// Creates the caller's data directory if needed, and refuses one that a live embedded Redis uses:
/// two servers writing one append-only file would corrupt it.
func prepareDataDirectory(_ path: String) throws -> String {
    let directory = URL(fileURLWithPath: path).standardizedFileURL.path
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
        throw EmbeddedRedisError("cannot create the data directory \(directory): \(error)")
    }
    let pidFile = "\(directory)/\(RedisServerProcess.pidFileName)"
    if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
        let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0
    {
        throw EmbeddedRedisError("another Redis (pid \(pid)) is using \(directory); stop it or choose another data directory")
    }
    return directory
}

func makeTemporaryDirectory() throws -> String {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(base)/stockroom-redis-XXXXXX".utf8CString)
    guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw EmbeddedRedisError("cannot create a temporary directory in \(base): errno \(errno)")
    }
    return String(cString: result)
}

/// Every live child and every temporary data directory, so that none outlives this process, even
/// when a caller forgets to stop its server. Directories stay until then: `restart()` reuses them.
enum ChildRegistry {
    private struct Entries {
        var children: Set<pid_t> = []
        var directories: Set<String> = []
    }

    private static let entries = NIOLockedValueBox(Entries())
    private static let installExitHook: Void = {
        atexit {
            let entries = ChildRegistry.entries.withLockedValue { $0 }
            for pid in entries.children {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
            for directory in entries.directories {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }()

    static func add(temporaryDirectory directory: String) {
        _ = self.installExitHook
        self.entries.withLockedValue { _ = $0.directories.insert(directory) }
    }

    static func add(pid: pid_t) {
        _ = self.installExitHook
        self.entries.withLockedValue { _ = $0.children.insert(pid) }
    }

    static func remove(pid: pid_t) {
        self.entries.withLockedValue { _ = $0.children.remove(pid) }
    }
}
