#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderModel
@testable import GraderPipeline
import GraderProcess
import Testing
import Wire

/// The subject holds nothing hidden (SPEC §3, "The trust boundary"): neither its binary nor its
/// memory, while it serves the driver's requests, contains any text of the hidden checks. The
/// driver binary does, which shows the search would find it.
@Suite(.serialized, .enabled(if: getuid() == 0, "reading another process's memory from /proc needs root"))
struct HiddenTextTests {
    @Test func theHiddenChecksHaveTextToLookFor() {
        #expect(HiddenText.fragments.count > 50, "\(HiddenText.fragments.count) fragments")
        #expect(HiddenText.fragments.contains { $0.contains("was the least recently used") })
    }

    @Test func neitherTheSubjectBinaryNorItsMemoryHoldsHiddenText() async throws {
        let pipeline = try await Corpus.pipeline()
        let challenge = try pipeline.catalog.load("lru-cache")
        let version = try GraderVersion.current(for: challenge, layout: pipeline.layout)
        let module = try await pipeline.cache.module(for: challenge, set: .full, graderVersion: version)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hidden-text-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let reference = try Data(contentsOf: Corpus.root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift"))
        let compiler = SubmissionCompiler(toolchain: pipeline.toolchain, runner: pipeline.runner,
                                          clangModuleCache: pipeline.cache.clangModuleCache)
        let outcome = try await compiler.compile(files: [SubmittedFile(name: "LRUCache.swift", content: reference)], module: module,
                                                 entryTypeName: "LRUCache", workDirectory: work)
        guard case .compiled(let subject, _, _, _, _) = outcome else {
            Issue.record("the reference did not compile: \(outcome)")
            return
        }
        let subjectBytes = [UInt8](try Data(contentsOf: subject))
        #expect(HiddenText.leaked(in: subjectBytes).isEmpty, "the subject binary holds \(HiddenText.leaked(in: subjectBytes).prefix(5))")
        let driverBytes = [UInt8](try Data(contentsOf: module.driverExecutable))
        #expect(!HiddenText.leaked(in: driverBytes).isEmpty, "the search found no hidden text even in the driver")

        // The subject, serving requests (a cache created and used), its memory read from outside.
        let memory = try await memoryOfServingSubject(subject)
        #expect(memory.count > 1 << 20, "only \(memory.count) bytes of the subject's memory were read")
        #expect(String(decoding: memory, as: UTF8.self).contains("perform-ints"), "the requests are not in the memory read")
        #expect(HiddenText.leaked(in: memory).isEmpty, "the subject's memory holds \(HiddenText.leaked(in: memory).prefix(5))")
    }

    /// Starts `subject` on a socket, sends it the requests of a small check, and returns every
    /// readable byte of its memory while it waits for more.
    func memoryOfServingSubject(_ subject: URL) async throws -> [UInt8] {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let process = Process()
        process.executableURL = subject
        process.standardInput = FileHandle(fileDescriptor: pair[0], closeOnDealloc: true)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        try process.run()
        defer { process.terminate(); close(pair[1]) }
        let reader = FrameReader(descriptor: pair[1])
        let writer = FrameWriter(descriptor: pair[1])
        #expect(try reader.next()?.kind == .hello)
        func request(_ id: UInt64, _ encode: (inout WireWriter) -> Void) throws {
            var body = WireWriter()
            encode(&body)
            try writer.send(Frame(.request, id: id, body: body.bytes))
            let answer = try reader.next()
            #expect(answer?.kind == .response && answer?.id == id, "request \(id): \(String(describing: answer))")
        }
        try request(1) { $0.string("create"); $0.int(1); $0.int(16); $0.byte(0); $0.byte(0); $0.int(0) }
        try request(2) { writer in
            writer.string("perform-ints"); writer.int(1); writer.bool(true)
            writer.unsigned(40)
            for key in 0..<40 { writer.byte(1); writer.byte(0); writer.int(key); writer.byte(0); writer.int(key * 7) }
        }
        return readMemory(of: process.processIdentifier)
    }

    /// The process's anonymous memory (heap, stacks, the runtime's buffers) and the mappings of
    /// its own executable: where anything it was sent or built in lives. The toolchain's and the
    /// system's libraries are public and left out.
    func readMemory(of pid: Int32) -> [UInt8] {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? "?"
        guard let maps = try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8) else { return [] }
        let memory = open("/proc/\(pid)/mem", O_RDONLY)
        guard memory >= 0 else { return [] }
        defer { close(memory) }
        var bytes: [UInt8] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 5, fields[1].hasPrefix("r") else { continue }
            let backing = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
            guard backing.isEmpty || backing == executable || backing == "[heap]" || backing.hasPrefix("[stack") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16) else { continue }
            var chunk = [UInt8](repeating: 0, count: Int(end - start))
            let read = chunk.withUnsafeMutableBytes { pread(memory, $0.baseAddress, $0.count, off_t(start)) }
            if read > 0 { bytes += chunk.prefix(read) }
        }
        return bytes
    }
}
