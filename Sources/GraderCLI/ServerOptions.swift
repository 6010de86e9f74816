import ArgumentParser
import Foundation
import GraderClient

/// Where the daemon is and the token to show it: `--server`/`GRADER_SERVER`, `--token`/`GRADER_TOKEN`.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The grading daemon's URL.", discussion: "Default: $GRADER_SERVER", valueName: "url"))
    var server: String?
    @Option(help: ArgumentHelp("A bearer token from `grader tokens create`.", discussion: "Default: $GRADER_TOKEN", valueName: "token"))
    var token: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether a server was named, on the command line or in the environment.
    var isGiven: Bool { !(server ?? environment["GRADER_SERVER"] ?? "").isEmpty }

    func client() throws -> GraderClient {
        guard let text = server ?? environment["GRADER_SERVER"], !text.isEmpty else {
            throw CLIExit.input("no server: give --server or set GRADER_SERVER (e.g. http://127.0.0.1:8080)")
        }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw CLIExit.input("\(text) is not an http(s) URL")
        }
        guard let token = token ?? environment["GRADER_TOKEN"], !token.isEmpty else {
            throw CLIExit.input("no token: give --token or set GRADER_TOKEN (an admin creates one with `grader tokens create`)")
        }
        return GraderClient(server: url, token: token)
    }
}

extension ClientError {
    var asExit: CLIExit { CLIExit(code: exitCode, message: description) }
}
