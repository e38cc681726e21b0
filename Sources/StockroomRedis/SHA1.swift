// SHA1: the digest Redis names scripts by, from the system OpenSSL.

import COpenSSL

enum SHA1 {
    /// Lower-case hex SHA-1 of `text`'s UTF-8 bytes: what `SCRIPT LOAD` answers for that script.
    static func hexDigest(of text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = Array(text.utf8).withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha1(), nil) == 1
        }
        precondition(succeeded && length == 20, "OpenSSL could not compute a SHA-1")
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
