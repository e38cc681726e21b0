import Logging
import NIOCore

extension Logger.Metadata {
    /// `metadata` with `sr.peer`, the connection's remote address: what each line a client connection
    /// logs carries.
    ///
    /// Added line by line rather than set once on a copy of the logger per connection: that copy (its
    /// metadata dictionary, its log handler boxed anew and the address's text) cost every open
    /// connection about 600 bytes, and most connections never log a line. Logging calls take their
    /// metadata as an autoclosure, so a line below the log level builds none of it.
    static func peer(_ address: SocketAddress?, _ metadata: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = metadata
        metadata["sr.peer"] = "\(address.map { "\($0)" } ?? "?")"
        return metadata
    }
}
