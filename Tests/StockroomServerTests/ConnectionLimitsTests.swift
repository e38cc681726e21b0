import NIOCore
import StockroomServer
import StockroomWire
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What one peer may cost the server: back-pressure, frame and handshake limits, deadlines, and the
/// connection limit. Each test awaits a condition with a deadline; none asserts a timing.
final class ConnectionLimitsTests: XCTestCase {
    /// A peer that sends 60 KiB PINGs and never reads its answers: once the unsent answers pass the
    /// high-water mark, the server stops reading, so the peer's writes stall at a bounded total
    /// instead of the server buffering every answer. Reading the answers lets it go on.
    func testAPeerThatNeverReadsIsNoLongerReadFrom() async throws {
        try await withSalesServer { harness in
            let peer = try NonReadingPeer(port: harness.port)
            defer { peer.close() }
            var hello = ByteBuffer()
            RequestEnvelope(requestID: 1, request: .hello(Hello(minVersion: 1, maxVersion: 1, clientName: "never-reads"))).encode(into: &hello)
            var ping = ByteBuffer()
            RequestEnvelope(requestID: 2, request: .ping(ByteBuffer(repeating: 0x61, count: 60_000))).encode(into: &ping)
            _ = try peer.write(Array(hello.readableBytesView), stallAfter: .seconds(5))

            let cap = 256 << 20  // 256 MiB: far above what back-pressure lets through, far below "everything"
            var sent = 0
            while sent < cap {
                let accepted = try peer.write(Array(ping.readableBytesView), stallAfter: .seconds(2))
                sent += accepted
                if accepted < ping.readableBytes { break }  // stalled: nobody reads our bytes any more
            }
            XCTAssertLessThan(sent, cap, "the server kept reading although its answers were not taken")

            // Another client is served meanwhile.
            let client = try await harness.client()
            try await client.ping()
            await client.close()

            // Taking the answers lets the server read again: the stall was back-pressure, not a dead connection.
            let drained = try peer.drain(atLeast: 4 << 20, within: .seconds(20))
            XCTAssertGreaterThanOrEqual(drained, 4 << 20)
            let more = try peer.write(Array(ping.readableBytesView), stallAfter: .seconds(10))
            XCTAssertEqual(more, ping.readableBytes, "writes go through again once answers are read")
        }
    }

    /// Before AUTH, only small frames: a 2 KB PING closes the connection with FRAME_TOO_LARGE.
    /// After AUTH, the same PING is answered.
    func testAnUnauthenticatedPeerMaySendOnlySmallFrames() async throws {
        try await withSalesServer(configure: { $0.credentials = Credentials(salesToken: "s3cret-sales", adminToken: nil) }) { harness in
            let bigPing = Request.ping(ByteBuffer(repeating: 0x62, count: 2_000))
            try await withRawConnection(port: harness.port) { connection in
                let accepted = try await connection.hello()
                XCTAssertEqual(accepted.maxFrameLength, UInt32(FrameDecoder.defaultMaxFrameLength), "HELLO_OK announces the authenticated limit")
                try await connection.send(bigPing, id: 2)
                try await connection.expectError(.frameTooLarge, id: 0)
                let after = try await connection.receive()
                XCTAssertNil(after, "the connection is closed")
            }
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.send(.auth(token: "s3cret-sales"), id: 2)
                guard case .authOK = try await connection.receive()?.response else { return XCTFail("AUTH refused") }
                try await connection.send(bigPing, id: 3)
                let answer = try await connection.receive()
                XCTAssertEqual(answer?.requestID, 3)
                XCTAssertEqual(answer?.response, .pong(ByteBuffer(repeating: 0x62, count: 2_000)))
            }
        }
    }

    func testAPeerThatDoesNotAuthenticateInTimeIsClosed() async throws {
        try await withSalesServer(configure: {
            $0.credentials = Credentials(salesToken: "s3cret-sales", adminToken: nil)
            $0.limits.handshakeTimeout = .milliseconds(300)
        }) { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.send(.ping(ByteBuffer(bytes: [1])), id: 2)
                _ = try await connection.receive()  // PONG: talking is not authenticating
                let message = try await connection.expectError(.unauthenticated, id: 0)
                XCTAssertEqual(message, "no HELLO and AUTH within 0.3 s")
                let after = try await connection.receive()
                XCTAssertNil(after)
            }
        }
    }

    func testAPeerThatNeverSaysHelloIsClosed() async throws {
        try await withSalesServer(configure: { $0.limits.handshakeTimeout = .milliseconds(300) }) { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.expectError(.helloRequired, id: 0)
                let after = try await connection.receive()
                XCTAssertNil(after)
            }
        }
    }

    /// One byte of a frame now and then keeps the connection busy, not alive: the frame must be
    /// complete within the frame timeout.
    func testAFrameTrickledTooSlowlyClosesTheConnection() async throws {
        try await withSalesServer(configure: { $0.limits.frameTimeout = .milliseconds(300) }) { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.sendBytes([0x00, 0x00])  // half of a length prefix, then nothing
                let message = try await connection.expectError(.badFrame, id: 0)
                XCTAssertTrue(message?.contains("not complete") == true, message ?? "")
                let after = try await connection.receive()
                XCTAssertNil(after)
            }
        }
    }

    func testAnIdleConnectionIsClosedQuietly() async throws {
        try await withSalesServer(configure: { $0.limits.idleTimeout = .milliseconds(300) }) { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                let after = try await connection.receive()
                XCTAssertNil(after, "closed without an answer")
            }
        }
    }

    /// Past the maximum, a new connection is closed at once; when one closes, the next is served.
    func testConnectionsPastTheMaximumAreClosedAtOnce() async throws {
        try await withSalesServer(configure: { $0.limits.maxConnections = 2 }) { harness in
            let first = try await harness.client()
            let second = try await harness.client()
            do {
                let third = try await harness.client()
                await third.close()
                XCTFail("a third connection was served")
            } catch {
                // Refused: closed before HELLO_OK.
            }
            await first.close()
            let next = try await eventually("a connection is served again once one closed") {
                try? await harness.client()
            }
            try await next.ping()
            await next.close()
            await second.close()
        }
    }
}

/// A plain non-blocking TCP socket, so a test can write without reading and see its writes stall.
private struct NonReadingPeer {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestSupportError("connect() failed: errno \(errno)") }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Writes `bytes`, waiting for the socket to take more while it does within `stallAfter`;
    /// returns how many bytes it took (fewer than `bytes.count` when it stalled).
    func write(_ bytes: [UInt8], stallAfter limit: Duration) throws -> Int {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
                continue
            }
            guard written < 0, errno == EAGAIN || errno == EWOULDBLOCK else {
                throw TestSupportError("send() failed: errno \(errno)")
            }
            guard wait(for: Int16(POLLOUT), within: limit) else { return offset }
        }
        return offset
    }

    /// Reads and discards until `atLeast` bytes arrived or `within` passed; returns how many.
    func drain(atLeast wanted: Int, within limit: Duration) throws -> Int {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while total < wanted {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                total += count
            } else if count == 0 {
                throw TestSupportError("the server closed the connection")
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                guard wait(for: Int16(POLLIN), within: limit) else { break }
            } else {
                throw TestSupportError("recv() failed: errno \(errno)")
            }
        }
        return total
    }

    private func wait(for events: Int16, within limit: Duration) -> Bool {
        var request = pollfd(fd: descriptor, events: events, revents: 0)
        return poll(&request, 1, Int32(limit.components.seconds * 1000)) > 0
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
