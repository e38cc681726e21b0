import NIOConcurrencyHelpers
import StockroomTLS

/// The TLS listener's context: new connections take the current one, so a reload (SIGHUP, after the
/// certificate was renewed) changes what they get without touching connections already open.
final class ReloadableTLSContext: Sendable {
    let configuration: TLSConfiguration
    private let box: NIOLockedValueBox<TLSContext>

    init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        self.box = NIOLockedValueBox(try TLSContext(configuration: configuration, role: .server))
    }

    var current: TLSContext { box.withLockedValue { $0 } }

    /// Reads the certificate, key and client CA files again; on any error the old context stays.
    func reload() throws(TLSError) {
        let fresh = try TLSContext(configuration: configuration, role: .server)
        box.withLockedValue { $0 = fresh }
    }
}
