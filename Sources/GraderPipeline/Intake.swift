import Foundation
import GraderModel
import GraderStore

/// A file as submitted: a plain name and its bytes.
public struct SubmittedFile: Sendable, Equatable {
    public var name: String
    public var content: Data
    public init(name: String, content: Data) {
        self.name = name
        self.content = content
    }
}

/// Validates a submission before anything is stored or compiled (SPEC §3): known challenge,
/// 1 to 8 `.swift` files with plain names, UTF-8 without NUL bytes, none empty, 256 KiB in total.
///
/// Also refused: `main.swift` (the submission is a library; a top-level-code file cannot be part
/// of it), two names differing only in case (they collide on some file systems), and candidate
/// names with control characters.
public enum Intake {
    /// Validates a submission to a challenge of `catalog` and builds what would be stored, storing
    /// nothing. Throws ``IntakeError`` or ``CatalogError``.
    public static func prepare(challenge id: String, catalog: ChallengeCatalog, candidate: String, files: [SubmittedFile],
                               ownerTokenID: String? = nil, at date: Date = Date()) throws -> StoredSubmission {
        _ = try catalog.load(id)
        let accepted = try validate(files: files, candidate: candidate)
        // Whole seconds: stored and reported exactly, so a stored submission equals the one returned.
        let submittedAt = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return StoredSubmission(
            id: Identifier.make(prefix: "sub"), challenge: id, candidate: candidate, createdAt: submittedAt,
            sha256: SubmissionDigest.of(accepted),
            files: accepted.map { .init(name: $0.name, content: $0.content, sha256: SubmissionDigest.hex($0.content)) },
            ownerTokenID: ownerTokenID)
    }

    public static let maximumFiles = 8
    public static let maximumTotalBytes = 256 * 1024
    public static let maximumNameLength = 100
    public static let maximumCandidateLength = 100

    /// The files, sorted by name, or the first reason to reject them.
    public static func validate(files: [SubmittedFile], candidate: String) throws -> [SubmittedFile] {
        try validateCandidate(candidate)
        guard !files.isEmpty else { throw IntakeError.noFiles }
        guard files.count <= maximumFiles else { throw IntakeError.tooManyFiles(files.count) }
        var seen: Set<String> = []
        var total = 0
        for file in files {
            try validateName(file.name)
            guard seen.insert(file.name.lowercased()).inserted else { throw IntakeError.duplicateName(file.name) }
            total += file.content.count
            guard total <= maximumTotalBytes else { throw IntakeError.tooLarge(totalAtLeast: total) }
            if file.content.contains(0) { throw IntakeError.nulByte(file.name) }
            guard let text = String(validating: file.content, as: UTF8.self) else { throw IntakeError.notUTF8(file.name) }
            guard text.contains(where: { !$0.isWhitespace }) else { throw IntakeError.emptyFile(file.name) }
        }
        return files.sorted { $0.name < $1.name }
    }

    static func validateName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= maximumNameLength else { throw IntakeError.badName(name, "must be 1 to \(maximumNameLength) bytes") }
        guard name.hasSuffix(".swift"), name.count > ".swift".count else { throw IntakeError.badName(name, "must end in .swift") }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }) else {
            throw IntakeError.badName(name, "only letters, digits, '_', '-' and '.' are allowed (no paths)")
        }
        guard name.first!.isLetter || name.first!.isNumber || name.first! == "_" else {
            throw IntakeError.badName(name, "must start with a letter, digit or '_'")
        }
        guard !name.contains("..") else { throw IntakeError.badName(name, "must not contain '..'") }
        guard name.lowercased() != "main.swift" else {
            throw IntakeError.badName(name, "main.swift is reserved: the submission is compiled as a library; put the code in another file")
        }
    }

    /// Whether a name may stand as a candidate's (1 to 100 characters, no control, format or
    /// line-separator characters): a token's name is one, since its submissions carry it.
    public static func isAcceptableCandidateName(_ name: String) -> Bool {
        (try? validateCandidate(name)) != nil
    }

    static func validateCandidate(_ candidate: String) throws {
        guard !candidate.isEmpty, candidate.count <= maximumCandidateLength,
              candidate.unicodeScalars.allSatisfy({ !$0.properties.generalCategory.isControlOrFormat }) else {
            throw IntakeError.badCandidate
        }
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControlOrFormat: Bool {
        self == .control || self == .format || self == .lineSeparator || self == .paragraphSeparator
    }
}

public enum IntakeError: Error, CustomStringConvertible, Equatable {
    case noFiles
    case tooManyFiles(Int)
    case badName(String, String)
    case duplicateName(String)
    case tooLarge(totalAtLeast: Int)
    case nulByte(String)
    case notUTF8(String)
    case emptyFile(String)
    case badCandidate
    case unreadableFile(String, String)

    public var description: String {
        switch self {
        case .noFiles: "no files submitted; submit 1 to \(Intake.maximumFiles) .swift files"
        case .tooManyFiles(let count): "\(count) files submitted; at most \(Intake.maximumFiles) are accepted"
        case .badName(let name, let why): "file name \"\(name.debugDescriptionLimited)\" is not accepted: \(why)"
        case .duplicateName(let name): "file name \"\(name)\" is submitted twice (names are compared ignoring case)"
        case .tooLarge(let total): "the files hold at least \(total) bytes; at most \(Intake.maximumTotalBytes) (256 KiB) in total are accepted"
        case .nulByte(let name): "\(name) contains a NUL byte; source files must be text"
        case .notUTF8(let name): "\(name) is not valid UTF-8"
        case .emptyFile(let name): "\(name) is empty; every submitted file must hold source"
        case .badCandidate: "the candidate name must be 1 to \(Intake.maximumCandidateLength) printable characters"
        case .unreadableFile(let path, let why): "cannot read \(path): \(why)"
        }
    }
}

extension String {
    /// At most 80 characters, control characters escaped: safe to echo back in an error.
    var debugDescriptionLimited: String {
        let escaped = unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined()
        return escaped.count > 80 ? String(escaped.prefix(80)) + "…" : escaped
    }
}
