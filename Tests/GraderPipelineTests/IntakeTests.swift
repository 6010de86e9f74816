import Foundation
@testable import GraderPipeline
import Testing

@Suite struct IntakeTests {
    func file(_ name: String, _ text: String = "final class A {}") -> SubmittedFile {
        SubmittedFile(name: name, content: Data(text.utf8))
    }

    @Test func acceptsPlainSwiftFilesSortedByName() throws {
        let accepted = try Intake.validate(files: [file("Z.swift"), file("LRU_Cache-2.swift")], candidate: "Ada Lovelace")
        #expect(accepted.map(\.name) == ["LRU_Cache-2.swift", "Z.swift"])
    }

    @Test(arguments: [
        ("../x.swift", "no paths"), ("dir/x.swift", "no paths"), ("/etc/x.swift", "no paths"), (".hidden.swift", "must start"),
        ("x.txt", "must end in .swift"), (".swift", "must end in .swift"), ("x..swift", "'..'"), ("main.swift", "reserved"),
        ("MAIN.swift", "reserved"), ("x y.swift", "no paths"), ("naïve.swift", "no paths"), ("x\u{0}.swift", "no paths"),
        (String(repeating: "a", count: 101) + ".swift", "1 to 100 bytes"),
    ])
    func rejectsBadNames(name: String, why: String) {
        #expect { try Intake.validate(files: [file(name)], candidate: "c") } throws: { error in
            guard case IntakeError.badName(_, let reason) = error else { return false }
            return reason.contains(why)
        }
    }

    @Test func rejectsNoFilesAndTooManyFiles() {
        #expect(throws: IntakeError.noFiles) { try Intake.validate(files: [], candidate: "c") }
        let nine = (1...9).map { file("F\($0).swift") }
        #expect(throws: IntakeError.tooManyFiles(9)) { try Intake.validate(files: nine, candidate: "c") }
        #expect(throws: Never.self) { try Intake.validate(files: Array(nine.prefix(8)), candidate: "c") }
    }

    @Test func rejectsNamesDifferingOnlyInCase() {
        #expect(throws: IntakeError.duplicateName("a.swift")) {
            try Intake.validate(files: [file("A.swift"), file("a.swift")], candidate: "c")
        }
    }

    @Test func enforcesTheTotalSizeExactly() {
        let half = String(repeating: "x", count: 128 * 1024)
        #expect(throws: Never.self) { try Intake.validate(files: [file("A.swift", half), file("B.swift", half)], candidate: "c") }
        #expect(throws: IntakeError.tooLarge(totalAtLeast: 256 * 1024 + 1)) {
            try Intake.validate(files: [file("A.swift", half), file("B.swift", half + "y")], candidate: "c")
        }
    }

    @Test func rejectsEmptyAndBlankFiles() {
        for blank in ["", " \n\t\n"] {
            #expect(throws: IntakeError.emptyFile("B.swift")) {
                try Intake.validate(files: [file("A.swift"), file("B.swift", blank)], candidate: "c")
            }
        }
        #expect(throws: Never.self) { try Intake.validate(files: [file("A.swift", "// only a comment\n")], candidate: "c") }
    }

    @Test func rejectsNulBytesAndInvalidUTF8() {
        #expect(throws: IntakeError.nulByte("A.swift")) {
            try Intake.validate(files: [SubmittedFile(name: "A.swift", content: Data([0x61, 0x00, 0x62]))], candidate: "c")
        }
        #expect(throws: IntakeError.notUTF8("A.swift")) {
            try Intake.validate(files: [SubmittedFile(name: "A.swift", content: Data([0x61, 0xFF, 0xFE]))], candidate: "c")
        }
    }

    @Test(arguments: ["", "a\nb", "bell\u{7}", String(repeating: "n", count: 101), "rtl\u{202E}"])
    func rejectsBadCandidateNames(candidate: String) {
        #expect(throws: IntakeError.badCandidate) { try Intake.validate(files: [file("A.swift")], candidate: candidate) }
    }

    @Test func errorsEchoHostileNamesSafely() {
        let error = IntakeError.badName("evil\u{1B}[2J\nname.swift", "x")
        #expect(!error.description.contains("\u{1B}"))
        #expect(!error.description.contains("\n"))
    }

    @Test func digestsIgnoreSubmissionOrderButNotContent() {
        let a = [file("A.swift", "1"), file("B.swift", "2")]
        #expect(SubmissionDigest.of(a) == SubmissionDigest.of(a.reversed()))
        #expect(SubmissionDigest.of(a) != SubmissionDigest.of([file("A.swift", "1"), file("B.swift", "3")]))
        // Name/content boundaries are part of the digest.
        #expect(SubmissionDigest.of([file("A.swift", "12")]) != SubmissionDigest.of([file("A.swift1", "2")]))
        #expect(SubmissionDigest.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
