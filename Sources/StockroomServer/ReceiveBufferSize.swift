import NIOCore

extension AdaptiveRecvByteBufferAllocator {
    /// How large a client connection's receive buffer starts.
    ///
    /// NIO keeps a channel's last receive buffer for its next read, so every open connection holds
    /// one, however long it stays silent. NIO's default starts at 2 KiB: 2 KiB of each idle
    /// connection's memory for a handshake of under 100 bytes. 256 bytes holds HELLO and AUTH in one
    /// read; a busy connection's buffer doubles after each read that fills it, so it reaches the
    /// default's size within a few reads.
    static let clientConnection = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65_536)
}
