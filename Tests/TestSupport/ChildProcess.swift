// ChildProcess: runs the openssl CLI for tests, collecting its output so tests can wait for text with a deadline.

import Foundation
import StockroomEmbeddedRedis

/// A child process (started as every Stockroom child is, by ``SpawnedProcess``) whose standard
/// output and error are read on a background thread. Every wait has a deadline and `kill()` is meant
/// for a `defer`, so a misbehaving peer cannot hang the suite.
public final class ChildProcess: @unchecked Sendable {
    private let process: SpawnedProcess
    private let input: FileHandle
    // Guards `collected`, `outputEnded` and `inputClosed`; the reader thread writes the first two.
    private let condition = NSCondition()
    private var collected = Data()
    private var outputEnded = false
    private var inputClosed = false

    public init(_ executable: String, _ arguments: [String]) throws {
        // Writing to the stdin of a child that already exited must fail with EPIPE, not kill the test runner.
        signal(SIGPIPE, SIG_IGN)
        self.process = try SpawnedProcess.spawn(executable, arguments: arguments, input: .pipe, output: .pipe)
        self.input = FileHandle(fileDescriptor: self.process.standardInput!, closeOnDealloc: false)
        let reader = FileHandle(fileDescriptor: self.process.standardOutput!, closeOnDealloc: true)
        Thread.detachNewThread { [self] in
            while true {
                let chunk = reader.availableData
                self.condition.lock()
                if chunk.isEmpty {
                    self.outputEnded = true
                } else {
                    self.collected.append(chunk)
                }
                self.condition.broadcast()
                self.condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    deinit {
        self.closeInput()
    }

    public static func openssl(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("/usr/bin/openssl", arguments)
    }

    /// Runs the openssl CLI to completion, failing if it takes too long or exits non-zero.
    public static func runOpenSSL(_ arguments: [String], timeout: TimeInterval = 30) throws {
        let child = try ChildProcess.openssl(arguments)
        defer { child.kill() }
        child.closeInput()
        guard let status = child.waitForExit(timeout: timeout) else {
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) did not finish: \(child.outputText)")
        }
        guard status == 0 else {
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) exited \(status): \(child.outputText)")
        }
    }

    public var outputText: String {
        self.condition.lock()
        defer { self.condition.unlock() }
        return String(decoding: self.collected, as: UTF8.self)
    }

    public var processIdentifier: Int32 { self.process.pid }

    public func send(_ text: String) {
        try? self.input.write(contentsOf: Data(text.utf8))
    }

    public func closeInput() {
        self.condition.lock()
        defer { self.condition.unlock() }
        guard !self.inputClosed else { return }
        self.inputClosed = true
        try? self.input.close()
    }

    /// The whole output so far once it contains `text`, or nil if the deadline passes first.
    public func waitForOutput(containing text: String, timeout: TimeInterval) -> String? {
        self.waitForOutput(timeout: timeout) { $0.contains(text) }
    }

    /// The whole output so far once `isComplete` accepts it, or nil if the deadline passes first.
    public func waitForOutput(timeout: TimeInterval, until isComplete: (String) -> Bool) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        self.condition.lock()
        defer { self.condition.unlock() }
        while true {
            let current = String(decoding: self.collected, as: UTF8.self)
            if isComplete(current) {
                return current
            }
            if self.outputEnded || !self.condition.wait(until: deadline) {
                return nil
            }
        }
    }

    /// The exit code (128 + signal for a killed child), or nil if it is still running at the deadline.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let status = self.process.exitStatus() {
                return SpawnedProcess.exitCode(status)
            }
            if Date() > deadline {
                return nil
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    public func kill() {
        self.process.send(signal: SIGKILL)
        _ = self.process.waitForExit()
        self.closeInput()
    }
}
