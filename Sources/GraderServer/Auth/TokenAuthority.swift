import Crypto
import Foundation
import GraderModel
import GraderPipeline
import GraderStore

/// Mints and verifies the API's bearer tokens.
///
/// A token reads `tok_<id>.<secret>`: the id finds the stored row, the secret (256 random bits,
/// hex) is compared with the stored SHA-256 in constant time. Only the digest is stored, so a copy
/// of the database grants nothing.
public struct TokenAuthority: Sendable {
    public let store: any DaemonStore

    public init(store: any DaemonStore) {
        self.store = store
    }

    /// Creates a token and returns it with its secret, which is shown once and never stored.
    public func create(name: String, role: APIToken.Role, at date: Date = Date()) throws -> (token: APIToken, bearer: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        // A candidate's submissions are stored under the token's name, so it must pass intake.
        guard (1...64).contains(trimmed.count), Intake.isAcceptableCandidateName(trimmed) else {
            throw TokenError.badName
        }
        let token = APIToken(id: Identifier.make(prefix: "tok"), name: trimmed, role: role,
                             createdAt: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.hexString
        try store.insertToken(token, secretSha256: Self.digest(secret))
        return (token, "\(token.id).\(secret)")
    }

    /// The live token a bearer string stands for; nil when it is malformed, unknown, wrong or revoked.
    public func verify(bearer: String) throws -> APIToken? {
        let parts = bearer.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, Identifier.isWellFormed(String(parts[0])), parts[0].hasPrefix("tok_"),
              parts[1].utf8.count == 64 else { return nil }
        // The digest is computed and compared even for an unknown id, so the time taken does not
        // say whether an id exists.
        let presented = Self.digest(String(parts[1]))
        let stored = try store.token(id: String(parts[0]))
        let expected = stored?.secretSha256 ?? String(repeating: "0", count: 64)
        guard Self.constantTimeEqual(presented, expected), let stored, stored.token.revokedAt == nil else { return nil }
        return stored.token
    }

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Compares two strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

public enum TokenError: Error, CustomStringConvertible {
    case badName
    public var description: String { "a token's name is 1 to 64 printable characters (no control or line-separator characters)" }
}
