/// What every client connection of one server reads and none changes: the configuration and who
/// may use the server. Each connection holds this one reference rather than its own copies, which
/// came to about 300 bytes of every open connection, idle or not.
final class ConnectionSettings: Sendable {
    let configuration: ServerConfiguration
    let access: ServerAccess

    init(configuration: ServerConfiguration, access: ServerAccess) {
        self.configuration = configuration
        self.access = access
    }
}
