// Parsing of redis://[user:password@]host[:port][,host[:port]…][/db] URLs into a RedisConfiguration.

import Foundation

extension RedisConfiguration {
    private static let expectedForm = "expected redis://[user:password@]host[:port][,host[:port]…][/db]"

    /// Parses `redis://[user:password@]host[:port][,host[:port]…][/db]`; each port defaults to 6379,
    /// the database to 0. User and password are percent-decoded. IPv6 hosts go in brackets
    /// (`redis://[::1]`). Several hosts are a seed list (see ``moreSeeds``); credentials and database
    /// apply to all of them.
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

        // A seed list: every node shares the credentials and the database.
        var nodes: [RedisNodeAddress] = []
        for node in hostPort.split(separator: ",", omittingEmptySubsequences: false) {
            nodes.append(try Self.parseNode(node, invalid: invalid))
        }
        self.host = nodes[0].host
        self.port = nodes[0].port
        self.moreSeeds = Array(nodes.dropFirst())

        let dbText = path.dropFirst()
        if !dbText.isEmpty {
            guard dbText.allSatisfy({ $0.isASCIIDigit }), let database = Int(dbText) else {
                throw invalid("bad database '\(dbText)', must be a number")
            }
            self.database = database
        }
    }

    /// `host[:port]` or `[IPv6][:port]`; the port defaults to 6379.
    private static func parseNode(_ hostPort: Substring, invalid: (String) -> RedisError) throws(RedisError) -> RedisNodeAddress {
        let host: String
        let portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw invalid("unterminated '[' in the IPv6 host")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterHost = hostPort[hostPort.index(after: close)...]
            if afterHost.isEmpty {
                portText = nil
            } else if afterHost.hasPrefix(":") {
                portText = afterHost.dropFirst()
            } else {
                throw invalid("unexpected characters after the IPv6 host")
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
            portText = nil
        }
        guard !host.isEmpty else {
            throw invalid("missing host")
        }
        if !hostPort.hasPrefix("["), host.contains(where: { $0 == "[" || $0 == "]" }) {
            throw invalid("bad host '\(host)'")
        }
        guard let portText else {
            return RedisNodeAddress(host: host, port: 6379)
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCIIDigit }), let port = Int(portText), (1...65535).contains(port)
        else {
            throw invalid("bad port '\(portText)', must be 1…65535")
        }
        return RedisNodeAddress(host: host, port: port)
    }

    static func percentDecode(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    static func percentEncode(_ text: String) -> String {
        // Only RFC 3986's unreserved characters stay as they are: the user name sits before '@'.
        text.addingPercentEncoding(withAllowedCharacters: .rfc3986Unreserved) ?? text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        self.isASCII && self.isNumber
    }
}
