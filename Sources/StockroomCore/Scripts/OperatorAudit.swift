/// The one way a script records an operator's action in its partition's audit stream
/// (`KeySpace.auditStream`): in the same script as the change, so a change is never without its
/// record, nor a record without its change.
///
/// Every record has `action actor at`; the rest names what changed: `topic group partition filter
/// count ids effects` for redrives and purges, `order sku status` for order cancels and retries,
/// `sku change stock` for stock changes.
public enum OperatorAudit {
    public static let lua = #"""
-- Appends one record to the audit stream `stream` (kept near \#(KeySpace.auditLength) records) and
-- returns its id: `action`, `actor`, `at` (ms since 1970), then the name/value pairs given.
local function auditRecord(stream, action, actor, now, ...)
    return redis.call('XADD', stream, 'MAXLEN', '~', '\#(KeySpace.auditLength)', '*',
        'action', action, 'actor', actor, 'at', string.format('%d', now), ...)
end

"""#

    /// Who acted when nobody signed in: the server runs without credentials.
    public static func unauthenticatedActor(peer: String) -> String { "unauthenticated@\(peer)" }
}
