/// Unguessable tokens: an order's callback token, a console session and its CSRF token.
public enum RandomToken {
    /// 128 random bits from the system's CSPRNG, as 32 hex digits: safe in a URL and in a cookie.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
