// Durations as Redis takes them: whole milliseconds (XPENDING IDLE, XCLAIM, script arguments, logs).

extension Duration {
    /// Whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
