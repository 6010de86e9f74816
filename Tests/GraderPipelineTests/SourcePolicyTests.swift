import Foundation
@testable import GraderPipeline
import Testing

@Suite struct SourcePolicyTests {
    func scan(_ source: String) -> [(rule: String, line: Int, dangerous: Bool)] {
        SourcePolicy.scan([SubmittedFile(name: "S.swift", content: Data(source.utf8))]).map { ($0.rule, $0.line, $0.dangerous) }
    }

    @Test func commentsAndStringLiteralsNeverMatch() {
        let source = """
            // fork() and system("rm") in a comment
            /* dlopen( /* nested */ @_silgen_name("x") */
            let text = "socket(AF_INET) kill(1, 9)"
            let raw = #"popen("x")"#
            let block = \"\"\"
                Process() execv(
                \"\"\"
            """
        #expect(scan(source).isEmpty)
    }

    @Test func codeInsideAnInterpolationIsScanned() {
        #expect(scan(#"let s = "\(kill(1, 9))""#).map(\.rule) == ["process-control"])
        #expect(scan(##"let s = #"\#(system("x"))"#"##).map(\.rule) == ["process-spawn"])
    }

    @Test func forbiddenAPIsAreDangerousFindingsWithTheirLines() {
        let found = scan("""
            import Glibc
            @_silgen_name("system") func run(_ c: UnsafePointer<CChar>) -> Int32
            let p = Process()
            let h = dlopen(nil, RTLD_NOW)
            let s = Glibc.socket(AF_INET, 1, 0)
            """)
        #expect(found.map(\.rule) == ["symbol-linkage", "process-spawn", "dynamic-loading", "network"])
        #expect(found.map(\.line) == [2, 3, 4, 5])
        #expect(found.allSatisfy { $0.dangerous })
    }

    @Test func ownDeclarationsAndMemberCallsAreNotFindings() {
        #expect(scan("""
            func kill() {}
            final class Pool { func connect() {} }
            func use(_ pool: Pool) { kill(); pool.connect() }
            """).isEmpty)
    }

    @Test func importsOutsideTheAllowListAndAbsolutePathsAreNotesNotRedFlags() {
        let found = scan("""
            import Foundation
            import FoundationNetworking
            let path = "/etc/passwd"
            """)
        #expect(found.map(\.rule) == ["import", "absolute-path"])
        #expect(found.allSatisfy { !$0.dangerous })
        let findings = SourcePolicy.scan([SubmittedFile(name: "S.swift", content: Data("import FoundationNetworking".utf8))])
        #expect(SourcePolicy.redFlag(for: findings) == nil)
    }

    @Test func hostileInputNeverStopsTheScan() {
        #expect(scan("let s = \"unterminated\nfork()").map(\.rule) == ["process-spawn"])
        #expect(scan("/* never closed fork()").isEmpty)
        _ = scan(String(repeating: "\"\\(", count: 10_000))
    }
}
