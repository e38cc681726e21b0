import Foundation

extension CharacterSet {
    /// RFC 3986's unreserved characters, `A–Z a–z 0–9 - . _ ~`: the only ones a URL component may
    /// carry unencoded whatever its position (a user name, a query value). ASCII only, unlike
    /// `alphanumerics`, which would let non-ASCII letters through unencoded.
    public static let rfc3986Unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
}
