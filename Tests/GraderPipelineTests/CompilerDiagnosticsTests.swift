@testable import GraderPipeline
import Testing

@Suite struct CompilerDiagnosticsTests {
    let output = """
        /data/work/grd_x-1/src/LRUCache.swift:12:9: warning: capture of 'self' with non-Sendable type 'LRUCache<Key, Value>' in a '@Sendable' closure
        /data/work/grd_x-1/src/LRUCache.swift:20:5: warning: variable 'unused' was never used; consider replacing with '_' or removing it
        /data/work/grd_x-1/src/LRUCache.swift:20:5: warning: variable 'unused' was never used; consider replacing with '_' or removing it
        /opt/swift/usr/lib/swift/linux/Glibc.swiftmodule:1:1: warning: something in the toolchain
        /data/work/grd_x-1/src/Other.swift:3:1: error: cannot find 'x' in scope
        """

    @Test func keepsOnlyTheCandidatesWarningsSplitByKind() {
        let (compiler, concurrency) = CompilerDiagnostics.warnings(in: output, candidateFiles: ["LRUCache.swift", "Other.swift"])
        #expect(concurrency.map(\.line) == [12])
        #expect(compiler.count == 1)
        #expect(compiler.first?.message.hasPrefix("variable 'unused' was never used") == true)
        #expect(compiler.first?.file == "LRUCache.swift")
    }

    /// A lock taken in async code (`NSLock.lock()` is unavailable there in Swift 6) is a concurrency finding.
    @Test func aLockInAsyncCodeIsAConcurrencyWarning() {
        let text = "/w/src/Service.swift:14:14: warning: instance method 'lock' is unavailable from asynchronous contexts; Use async-safe scoped locking instead; this is an error in the Swift 6 language mode\n"
        let (compiler, concurrency) = CompilerDiagnostics.warnings(in: text, candidateFiles: ["Service.swift"])
        #expect(concurrency.map(\.line) == [14])
        #expect(compiler.isEmpty)
    }

    @Test func parsesErrorsWithLocations() {
        let errors = CompilerDiagnostics.parse(output).filter { $0.severity == "error" }
        #expect(errors.map(\.file) == ["Other.swift"])
        #expect(errors.first?.line == 3)
    }

    @Test func sanitizingRemovesTheGradersPaths() {
        let text = CompilerDiagnostics.sanitize(output, removing: ["/data/work/grd_x-1", "/data"])
        #expect(!text.contains("/data"))
        #expect(text.contains("src/LRUCache.swift:12:9"))
    }

    @Test func sanitizingBoundsTheOutput() {
        let text = CompilerDiagnostics.sanitize(String(repeating: "e", count: 100_000), removing: [], limit: 1000)
        #expect(text.utf8.count < 1100)
        #expect(text.hasSuffix("[… compiler output truncated …]"))
    }
}
