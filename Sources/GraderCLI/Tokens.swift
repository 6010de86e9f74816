import ArgumentParser
import Foundation
import GraderServer
import GraderStore

extension APIToken.Role: ExpressibleByArgument {}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke the daemon's bearer tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it, alone on the last line.",
            discussion: "The token is shown once: only a hash of its secret is stored.")
        @Option(help: "candidate, reviewer or admin.") var role: APIToken.Role
        @Option(help: "Who holds it (a candidate's submissions are stored under this name).") var name: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try GraderDatabase(dataDirectory: data.resolved)
            let created: (token: APIToken, bearer: String)
            do {
                created = try TokenAuthority(store: database).create(name: name, role: role)
            } catch let error as TokenError {
                throw CLIExit.input(error.description)
            }
            print("created \(created.token.role.rawValue) token \(created.token.id) for \(created.token.name); it is shown once:")
            print(created.bearer)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try GraderDatabase(dataDirectory: data.resolved, create: false)
            let formatter = ISO8601DateFormatter()
            for token in try database.tokens() {
                let state = token.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "active"
                print([token.id, token.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                       formatter.string(from: token.createdAt), state, token.name].joined(separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: it is refused from then on.")
        @Argument(help: "The token's id (tok_…).") var id: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try GraderDatabase(dataDirectory: data.resolved, create: false)
            guard try database.revokeToken(id: id, at: Date()) else {
                throw CLIExit.input("no active token \(id)")
            }
            print("revoked \(id)")
        }
    }
}
