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

    /// What a forger needs to reach the subject runtime's memory or channel is evidence for the
    /// reviewer (never a red flag: the driver does not trust the subject's bytes anyway).
    /// Class 7 of issue 17: an import with an attribute that takes arguments was not seen.
    @Test func importsWithAttributesAreSeen() {
        let found = scan("""
            @_spi(GraderWire) import Wire
            @testable import SubjectRuntime
            @preconcurrency import Foundation
            @_implementationOnly   import DriverKit
            internal import Wire
            import Foundation; import SubjectRuntime
            @_spi(X) public import Wire
            """)
        #expect(found.map(\.rule) == ["import", "import", "import", "import", "import", "import"], "\(found)")
        #expect(found.map(\.line) == [1, 2, 4, 5, 6, 7])
    }

    /// Class 8 of issue 17: only what is compiled here (Linux, no `-D` flags) is scanned, so a
    /// platform branch the compiler skips costs nothing; a condition that cannot be decided is
    /// scanned, and nothing compiled can hide in a branch the compiler takes.
    @Test func branchesTheCompilerSkipsHereAreNotScanned() {
        let found = scan("""
            #if canImport(UIKit)
            import UIKit
            #elseif canImport(AppKit)
            import AppKit
            #else
            import Foundation
            #endif
            #if os(macOS)
            let task = Process()
            #endif
            #if DEBUG && os(Linux)
            system("rm -rf /")
            #endif
            #if !os(Linux)
            import Darwin
            #elseif swift(>=5.9)
            import Network2
            #endif
            #if os(Linux) || canImport(UIKit)
            import Wire
            #endif
            #if canImport(Glibc)
            #else
            let forbidden = fork()
            #endif
            #if compiler(>=5)
              #if os(iOS)
              import UIKit
              #else
              let spawned = fork()
              #endif
            #endif
            """)
        #expect(found.map(\.rule) == ["import", "import", "process-spawn"], "\(found)")
        #expect(found.map(\.line) == [17, 20, 30])
    }

    @Test func conditionsAreDecidedOnlyWhenCertain() {
        #expect(ConditionalCompilation.evaluate("canImport(UIKit)") == false)
        #expect(ConditionalCompilation.evaluate("canImport(Foundation)") == true)
        #expect(ConditionalCompilation.evaluate("canImport(SomethingElse)") == nil)
        #expect(ConditionalCompilation.evaluate("os(Linux) && !canImport(AppKit)") == true)
        #expect(ConditionalCompilation.evaluate("os(iOS) || swift(>=5)") == nil)
        #expect(ConditionalCompilation.evaluate("os(iOS) || (DEBUG && arch(x86_64))") == false)
        #expect(ConditionalCompilation.evaluate("(os(Linux)") == nil, "malformed: not decided")
        #expect(ConditionalCompilation.evaluate("os(Linux) &&") == nil)
        #expect(ConditionalCompilation.evaluate("!canImport(Foundation, _version: 999)") == nil, "a version asked for: undecided")
    }

    /// Class 6 of issue 17: how code tells that it is instrumented (where its heap is) is a finding.
    @Test func turningAnAddressIntoAnIntegerIsAFinding() {
        let found = scan("""
            let a = UInt(bitPattern: Unmanaged.passUnretained(probe).toOpaque()) >> 40 == 0x72
            let b = unsafeBitCast(probe, to: Int.self)
            let c = ObjectIdentifier(probe).hashValue
            let d = Int(bitPattern: someUInt)
            let p = Unmanaged.passUnretained(probe).toOpaque()
            """)
        #expect(found.map(\.rule) == ["address-inspection", "address-inspection", "address-inspection", "address-inspection"],
                "\(found)")
        #expect(found.allSatisfy { !$0.dangerous })
    }

    @Test func rawMemoryProcPathsAndForeignDescriptorsAreFindings() {
        let forger = scan("""
            import Glibc
            let maps = ["", "proc", "self", "maps"].joined(separator: "/")
            let page = UnsafePointer<UInt8>(bitPattern: 0x7000)
            let raw = UnsafeMutableRawPointer(bitPattern: address)
            for descriptor in Int32(3)..<64 { _ = write(descriptor, "x", 1) }
            close(100)
            """)
        #expect(forger.map(\.rule) == ["proc-path", "raw-memory", "raw-memory", "foreign-descriptor", "foreign-descriptor"])
        #expect(forger.allSatisfy { !$0.dangerous })
        #expect(scan(#"let s = "/proc/self/mem""#).map(\.rule) == ["proc-path"])
        // Integers from bit patterns, a descriptor the code opened itself, and words that merely
        // contain "proc" are not findings.
        #expect(scan("""
            import Glibc
            let value = UInt64(bitPattern: -1)
            let fd = open("data", O_RDONLY)
            _ = read(fd, &buffer, 4)
            close(fd)
            let name = "process"
            """).map(\.rule) == [])
        #expect(scan("let fd = socketpair(0, 0, 0, &pair)\n_ = write(1, \"x\", 1)").map(\.rule) == ["foreign-descriptor"])
    }

    /// Putting a descriptor of its own on standard error is how a subject would filter out
    /// ThreadSanitizer's reports: a finding even when the code opened that descriptor itself.
    @Test func replacingAStandardStreamIsAFinding() {
        let filter = SourcePolicy.scan([SubmittedFile(name: "S.swift", content: Data("""
            import Glibc
            var ends: [Int32] = [0, 0]
            _ = pipe(&ends)
            let saved = dup(2)
            dup2(ends[1], STDERR_FILENO)
            Glibc.dup3(ends[1], 2, 0)
            dup2(saved, 7)
            dup2(Int32(ends[1]), fileno( stderr ))
            _ = fcntl(ends[1], F_DUPFD, 2)
            freopen("/dev/null", "w", stderr)
            dup2(ends[1], Glibc.STDERR_FILENO)
            dup2(ends[1], Int32(2))
            freopen("/tmp/a,b🙂", "w", Glibc.stderr)
            dup2(ends[1], "🙂".count)
            """.utf8))])
        // `dup(2)` (saving standard error) and eight replacements; `dup2(saved, 7)` and the last
        // (its target is no standard stream the scan can name) are neither.
        let descriptors = filter.filter { $0.rule == "foreign-descriptor" }
        #expect(descriptors.map(\.line) == [4, 5, 6, 8, 9, 10, 11, 12, 13])
        #expect(descriptors.filter { $0.message.contains("replaces a standard stream") }.map(\.line) == [5, 6, 8, 9, 10, 11, 12, 13])
        #expect(filter.allSatisfy { !$0.dangerous })
    }

    /// Releasing a kept value's pages behind its back would hide a leak from resident memory.
    @Test func mappingMemoryDirectlyIsAFinding() {
        let found = scan("""
            import Glibc
            _ = madvise(page, 4096, MADV_DONTNEED)
            Glibc.munmap(page, 4096)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
            """)
        #expect(found.map(\.rule) == ["memory-mapping", "memory-mapping"])
        #expect(found.allSatisfy { !$0.dangerous })
    }

    @Test func hostileInputNeverStopsTheScan() {
        #expect(scan("let s = \"unterminated\nfork()").map(\.rule) == ["process-spawn"])
        #expect(scan("/* never closed fork()").isEmpty)
        _ = scan(String(repeating: "\"\\(", count: 10_000))
    }
}
