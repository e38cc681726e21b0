// TestCertificates: a throwaway CA, server and client certificates made with the openssl CLI for one test.

import Foundation

/// Paths to PEM files in a temporary directory that `withTestCertificates` deletes afterwards.
public struct TestCertificates: Sendable {
    public let directory: URL
    /// Signs `serverCertificate` and `clientCertificate`.
    public let caCertificate: String
    /// A CA that signed nothing here: trusting only it must make verification fail.
    public let otherCACertificate: String
    /// CN localhost, subjectAltName DNS:localhost and IP:127.0.0.1.
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String

    fileprivate static func generate(in directory: URL) throws -> TestCertificates {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // EC keys: generating four RSA keys would dominate the test's run time.
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        func makeCA(_ name: String, _ subject: String) throws {
            try ChildProcess.runOpenSSL(
                ["req", "-x509"] + newKey + [
                    "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                    "-days", "2", "-subj", subject,
                ]
            )
        }

        func makeLeaf(_ name: String, subject: String, extensions: String, serial: Int) throws {
            try ChildProcess.runOpenSSL(
                ["req"] + newKey + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject]
            )
            try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try ChildProcess.runOpenSSL([
                "x509", "-req", "-in", path("\(name).csr"),
                "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-set_serial", "\(serial)",
                "-days", "2", "-out", path("\(name).pem"), "-extfile", path("\(name).ext"),
            ])
        }

        try makeCA("ca", "/CN=Stockroom Test CA")
        try makeCA("other-ca", "/CN=Stockroom Other CA")
        try makeLeaf(
            "server",
            subject: "/CN=localhost",
            extensions: """
                basicConstraints=CA:FALSE
                keyUsage=digitalSignature
                extendedKeyUsage=serverAuth
                subjectAltName=DNS:localhost,IP:127.0.0.1

                """,
            serial: 2
        )
        try makeLeaf(
            "client",
            subject: "/CN=stockroom-test-client",
            extensions: """
                basicConstraints=CA:FALSE
                keyUsage=digitalSignature
                extendedKeyUsage=clientAuth

                """,
            serial: 3
        )
        return TestCertificates(
            directory: directory,
            caCertificate: path("ca.pem"),
            otherCACertificate: path("other-ca.pem"),
            serverCertificate: path("server.pem"),
            serverKey: path("server.key"),
            clientCertificate: path("client.pem"),
            clientKey: path("client.key")
        )
    }
}

/// Makes fresh certificates in a new temporary directory, runs `body`, and always removes the directory.
public func withTestCertificates<Result>(_ body: (TestCertificates) throws -> Result) throws -> Result {
    let directory = try makeCertificateDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(try TestCertificates.generate(in: directory))
}

/// The same, for a body that awaits (a server and a client talking over loopback).
public func withTestCertificates<Result>(_ body: (TestCertificates) async throws -> Result) async throws -> Result {
    let directory = try makeCertificateDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(try TestCertificates.generate(in: directory))
}

private func makeCertificateDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("stockroom-tls-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
