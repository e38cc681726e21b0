// Parsing of redis://[user:password@]host[:port][/db] URLs into a RedisConfiguration.

extension RedisConfiguration {
    private static let expectedForm = "expected redis://[user:password@]host[:port][/db]"

    /// Parses `redis://[user:password@]host[:port][/db]`; the port defaults to 6379, the database
    /// to 0. User and password are percent-decoded. IPv6 hosts go in brackets (`redis://[::1]`).
    public init(url: String) throws(RedisError) {
        self.init()

        // Error messages never echo the URL: it may hold a password.
        func invalid(_ reason: String) -> RedisError {
            RedisError(.invalidURL, "invalid Redis URL: \(reason) (\(Self.expectedForm))")
        }

        guard let schemeEnd = url.firstRange(of: "://") else {
            throw invalid("no scheme")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" else {
            throw invalid("unsupported scheme '\(scheme)', only redis:// is supported")
        }
        let rest = url[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            throw invalid("query parameters and fragments are not supported")
        }
        if rest.contains(where: { $0.isWhitespace }) {
            throw invalid("whitespace is not allowed")
        }

        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var hostPort = rest[..<authorityEnd]
        let path = rest[authorityEnd...]

        if let at = hostPort.lastIndex(of: "@") {
            let userInfo = hostPort[..<at]
            hostPort = hostPort[hostPort.index(after: at)...]
            let user: Substring
            let password: Substring?
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                password = userInfo[userInfo.index(after: colon)...]
            } else {
                user = userInfo
                password = nil
            }
            guard let decodedUser = Self.percentDecode(user) else {
                throw invalid("bad percent-encoding in the user name")
            }
            var decodedPassword: String?
            if let password {
                guard let decoded = Self.percentDecode(password) else {
                    throw invalid("bad percent-encoding in the password")
                }
                decodedPassword = decoded
            }
            self.username = decodedUser.isEmpty ? nil : decodedUser
            self.password = (decodedPassword?.isEmpty ?? true) ? nil : decodedPassword
            if self.username != nil, self.password == nil {
                throw invalid("a user name needs a password (redis://user:password@host)")
            }
        }

        let portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw invalid("unterminated '[' in the IPv6 host")
            }
            self.host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterHost = hostPort[hostPort.index(after: close)...]
            if afterHost.isEmpty {
                portText = nil
            } else if afterHost.hasPrefix(":") {
                portText = afterHost.dropFirst()
            } else {
                throw invalid("unexpected characters after the IPv6 host")
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            self.host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            self.host = String(hostPort)
            portText = nil
        }
        guard !self.host.isEmpty else {
            throw invalid("missing host")
        }
        if !hostPort.hasPrefix("["), self.host.contains(where: { $0 == "[" || $0 == "]" }) {
            throw invalid("bad host '\(self.host)'")
        }

        if let portText {
            guard !portText.isEmpty, portText.allSatisfy({ $0.isASCIIDigit }), let port = Int(portText),
                (1...65535).contains(port)
            else {
                throw invalid("bad port '\(portText)', must be 1…65535")
            }
            self.port = port
        } else {
            self.port = 6379
        }

        let dbText = path.dropFirst()
        if !dbText.isEmpty {
            guard dbText.allSatisfy({ $0.isASCIIDigit }), let database = Int(dbText) else {
                throw invalid("bad database '\(dbText)', must be a number")
            }
            self.database = database
        }
    }

    static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        self.isASCII && self.isNumber
    }
}
