import Crypto
import Foundation
import GraderModel

/// SHA-256 digests of submitted sources.
public enum SubmissionDigest {
    public static func hex(_ data: Data) -> String {
        SHA256.hash(data: data).hexString
    }

    /// The submission's digest: SHA-256 over each file's name, length and bytes, in name order.
    /// Equal file sets give equal digests, whatever order they were submitted in.
    public static func of(_ files: [SubmittedFile]) -> String {
        var hasher = SHA256()
        for file in files.sorted(by: { $0.name < $1.name }) {
            hasher.update(data: Data("\(file.name)\n\(file.content.count)\n".utf8))
            hasher.update(data: file.content)
        }
        return hasher.finalize().hexString
    }
}
