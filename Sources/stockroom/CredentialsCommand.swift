import ArgumentParser
import Foundation
import StockroomServer
import StockroomWire

/// `stockroom credentials`: the server's credentials file, which keeps token hashes, never tokens.
struct CredentialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Add, remove or list the credentials a server started with --credentials FILE accepts.",
        discussion: "The file keeps NAME ROLE SHA-256(token). After a change, send the server SIGHUP to reload it.",
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a credential and print its new token, once: it is kept nowhere."
        )
        @Argument(help: "A name for who holds it (letters, digits, . _ - @).") var name: String
        @Argument(help: "sales (buy and read), admin (everything) or ops (read only).") var role: String
        @Option(help: "The credentials file (created readable by you only).") var file: String

        func run() throws {
            guard let role = Role(name: role) else { throw ValidationError("the role is sales, admin or ops, not \(role)") }
            let token = try CredentialFile.add(name: name, role: role, to: file)
            print(token)
            FileHandle.standardError.write(Data("added \(name) (\(role.name)) to \(file); the token above is shown only now\n".utf8))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a credential: its token stops working at the server's next reload.")
        @Argument(help: "The credential's name.") var name: String
        @Option(help: "The credentials file.") var file: String

        func run() throws {
            try CredentialFile.remove(name: name, from: file)
            print("removed \(name) from \(file)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per credential: name= role=.")
        @Option(help: "The credentials file.") var file: String

        func run() throws {
            for credential in try CredentialFile.read(file).all {
                print("name=\(credential.name) role=\(credential.role.name)")
            }
        }
    }
}
