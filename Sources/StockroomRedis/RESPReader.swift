// RESPReader: one long-lived hiredis redisReader per channel, turning inbound bytes into RESPValues.

import CHiredis
import NIOCore

/// Owns a hiredis `redisReader`. hiredis buffers partial replies itself, so bytes can be fed in
/// whatever pieces TCP delivers them. Each complete `redisReply` tree is copied into a
/// ``RESPValue`` and freed at once.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>
    private let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        guard let reader = redisReaderCreate() else {
            fatalError("hiredis could not allocate a reply reader (out of memory)")
        }
        self.reader = reader
        self.allocator = allocator
    }

    deinit {
        redisReaderFree(self.reader)
    }

    func feed(_ buffer: ByteBuffer) throws(RedisError) {
        let status = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(self.reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else {
            throw self.currentError()
        }
    }

    /// The next complete reply, or nil when more bytes are needed.
    func next() throws(RedisError) -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(self.reader, &reply) == REDIS_OK else {
            throw self.currentError()
        }
        guard let reply else {
            return nil
        }
        defer { freeReplyObject(reply) }
        return Self.value(of: UnsafePointer(reply.assumingMemoryBound(to: redisReply.self)), allocator: self.allocator)
    }

    private func currentError() -> RedisError {
        let text = withUnsafeBytes(of: &self.reader.pointee.errstr) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return RedisError(.protocolError, "cannot parse Redis reply: \(text)")
    }

    private static func value(of reply: UnsafePointer<redisReply>, allocator: ByteBufferAllocator) -> RESPValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulkString(allocator.buffer(bytes: UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(reply.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_STATUS:
            return .simpleString(Self.string(reply))
        case REDIS_REPLY_ERROR:
            return .error(Self.string(reply))
        case REDIS_REPLY_ARRAY:
            var values: [RESPValue] = []
            values.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                guard let element = reply.element[index] else {
                    values.append(.null)
                    continue
                }
                values.append(Self.value(of: element, allocator: allocator))
            }
            return .array(values)
        default:
            preconditionFailure("hiredis returned unknown reply type \(reply.type)")
        }
    }

    private static func string(_ reply: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self)
    }
}

@available(*, unavailable)
extension RESPReader: Sendable {}
