import Crypto
import Foundation
import GraderModel

/// The signature on a delivered event, as Stripe signs its webhooks: the header
/// `Grader-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
///
/// The timestamp is signed with the body, so a receiver can refuse replays older than it likes
/// (Stripe's default tolerance is 5 minutes). <https://docs.stripe.com/webhooks#verify-manually>
public enum WebhookSignature {
    public static let header = "Grader-Signature"

    public static func sign(body: Data, secret: [UInt8], timestamp: Int) -> String {
        "t=\(timestamp),v1=\(hmac(body: body, secret: secret, timestamp: timestamp))"
    }

    static func hmac(body: Data, secret: [UInt8], timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return code.hexString
    }

    /// Checks a header against the body, as a receiver would (in constant time); `tolerance` bounds
    /// the timestamp's age.
    public static func verify(header: String, body: Data, secret: [UInt8], now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signatures.append(String(pair[1])) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = hmac(body: body, secret: secret, timestamp: timestamp)
        return signatures.contains { TokenAuthority.constantTimeEqual($0, expected) }
    }
}
