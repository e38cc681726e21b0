import Foundation
import StockroomWire

/// The credentials file: one line per credential, `NAME ROLE SHA256-OF-TOKEN`, `#` comments.
///
/// ```
/// # Stockroom credentials: NAME ROLE SHA-256 of the token. Tokens are shown once, at `credentials add`.
/// shop-frontend sales 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
/// ```
///
/// It holds no secret a reader could use (a token cannot be recovered from its hash), but it decides
/// who may do what: the server refuses a file others may write, and `credentials add` creates it
/// readable and writable by its owner only.
public enum CredentialFile {
    static let header = "# Stockroom credentials: NAME ROLE SHA-256 of the token. Tokens are shown once, at `credentials add`.\n"

    /// Reads and checks the file: every line well formed, names unique.
    public static func read(_ path: String) throws(CredentialFileError) -> Credentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CredentialFileError("cannot read credentials file \(path): \(error.localizedDescription)")
        }
        try checkPermissions(path)
        return Credentials(try parse(text, path: path))
    }

    static func parse(_ text: String, path: String) throws(CredentialFileError) -> [Credential] {
        var credentials: [Credential] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let place = "\(path):\(index + 1)"
            guard fields.count == 3 else {
                throw CredentialFileError("\(place): expected NAME ROLE SHA256, got \(fields.count) field(s)")
            }
            guard let role = Role(name: fields[1]) else {
                throw CredentialFileError("\(place): the role is sales, admin or ops, not \(fields[1])")
            }
            guard fields[2].count == 64, fields[2].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw CredentialFileError("\(place): the token hash is 64 lower-case hex digits")
            }
            guard !credentials.contains(where: { $0.name == fields[0] }) else {
                throw CredentialFileError("\(place): the name \(fields[0]) appears twice")
            }
            credentials.append(Credential(name: fields[0], role: role, tokenHash: fields[2]))
        }
        return credentials
    }

    static func format(_ credentials: [Credential]) -> String {
        header + credentials.map { "\($0.name) \($0.role.name) \($0.tokenHash)\n" }.joined()
    }

    /// Adds a credential with a fresh token; returns the token (the only time it is ever shown).
    public static func add(name: String, role: Role, to path: String) throws(CredentialFileError) -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            throw CredentialFileError("a credential name is letters, digits and . _ - @, got \"\(name)\"")
        }
        var credentials = FileManager.default.fileExists(atPath: path) ? try read(path).all : []
        guard !credentials.contains(where: { $0.name == name }) else {
            throw CredentialFileError("\(path) already has a credential named \(name): remove it first to rotate it")
        }
        let (credential, token) = Credential.generate(name: name, role: role)
        credentials.append(credential)
        try write(credentials, to: path)
        return token
    }

    /// Removes the credential named `name`; its token stops working at the server's next reload.
    public static func remove(name: String, from path: String) throws(CredentialFileError) {
        var credentials = try read(path).all
        guard credentials.contains(where: { $0.name == name }) else {
            throw CredentialFileError("\(path) has no credential named \(name)")
        }
        credentials.removeAll { $0.name == name }
        try write(credentials, to: path)
    }

    /// Writes a new file beside the old one and renames it over: a reload never sees half a file.
    private static func write(_ credentials: [Credential], to path: String) throws(CredentialFileError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(format(credentials).utf8), attributes: [.posixPermissions: 0o600]
        ) else {
            throw CredentialFileError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CredentialFileError("cannot replace \(path): \(reason)")
        }
    }

    private static func checkPermissions(_ path: String) throws(CredentialFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CredentialFileError("cannot stat \(path)") }
        if status.st_mode & 0o022 != 0 {
            throw CredentialFileError(
                "\(path) may be written by group or others (mode \(String(status.st_mode & 0o777, radix: 8))): chmod 600 it"
            )
        }
    }
}

/// A credentials file that cannot be used, with the place and the reason.
public struct CredentialFileError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
