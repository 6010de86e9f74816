#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Wire

/// The entry point of a subject process: the candidate's code, the challenge's public support
/// module and this runtime, in the sandbox. It holds nothing hidden: it performs what the driver
/// asks and sends back what the candidate's code answered.
///
/// Standard input is the channel to the driver (a socket). Before any candidate code runs, the
/// runtime moves it to a high descriptor, points standard input at `/dev/null` and standard output
/// at standard error (so the candidate's prints cannot touch the channel by accident), says hello,
/// and reads frames on a thread of its own: each request runs in a task of its own, service replies
/// resume the calls waiting for them. When the driver closes the channel the process leaves with
/// `_exit(0)`. Nothing here decides a verdict: the driver treats every byte it reads as hostile.
public enum SubjectMain {
    public static func run(_ handler: any SubjectHandler) async -> Never {
        let channel = fcntl(0, F_DUPFD_CLOEXEC, 100)
        guard channel >= 0 else {
            writeToStandardError("subject: standard input is not the driver's channel\n")
            _exit(71)
        }
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); close(null) }
        dup2(2, 1)

        let writer = FrameWriter(descriptor: channel)
        let services = ServiceClient(writer: writer)
        ServiceTransports.install(services)
        var hello = WireWriter()
        hello.unsigned(ChannelProtocol.version)
        do { try writer.send(Frame(.hello, body: hello.bytes)) } catch { _exit(0) }

        let loop = ReaderLoop(channel: channel, writer: writer, services: services, handler: handler)
        startDetachedThread { loop.run() }
        // The main thread stays in the concurrency runtime's main loop, so a solution that uses
        // the main queue or the main actor behaves as in any Swift program.
        await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        _exit(0)
    }
}

/// Reads the driver's frames and dispatches them; ends the process when the channel closes.
private final class ReaderLoop: Sendable {
    let channel: Int32
    let writer: FrameWriter
    let services: ServiceClient
    let handler: any SubjectHandler

    init(channel: Int32, writer: FrameWriter, services: ServiceClient, handler: any SubjectHandler) {
        self.channel = channel
        self.writer = writer
        self.services = services
        self.handler = handler
    }

    func run() -> Never {
        let reader = FrameReader(descriptor: channel)
        while true {
            let frame: Frame?
            do { frame = try reader.next() } catch {
                writeToStandardError("subject: malformed frame from the driver: \(error)\n")
                _exit(70)
            }
            guard let frame else { _exit(0) }
            switch frame.kind {
            case .request:
                if Finish.isFinish(frame) {
                    // On this thread, not in a task: it must answer even when every thread of
                    // the cooperative pool is stuck in the candidate's code.
                    Self.answer(frame, with: Result { try Finish.perform(frame) }, writer: writer)
                    continue
                }
                let writer = writer
                let handler = handler
                Task.detached { await Self.perform(frame, handler: handler, writer: writer) }
            case .serviceReply:
                services.complete(frame.id, with: .success(frame.body))
            case .serviceFailure:
                let message = (try? String(wireBytes: frame.body)) ?? "the service failed"
                services.complete(frame.id, with: .failure(ServiceCallFailed(message: message)))
            default:
                writeToStandardError("subject: unexpected \(frame.kind) frame from the driver\n")
                _exit(70)
            }
        }
    }

    static func perform(_ frame: Frame, handler: any SubjectHandler, writer: FrameWriter) async {
        var reader = WireReader(frame.body)
        let result: Result<[UInt8], any Error>
        RequestOrder.shared.mark()
        do {
            let operation = try reader.string(maximumBytes: 128)
            result = .success(try await handler.perform(operation, &reader))
        } catch {
            result = .failure(error)
        }
        RequestOrder.shared.mark()
        answer(frame, with: result, writer: writer)
    }

    static func answer(_ frame: Frame, with result: Result<[UInt8], any Error>, writer: FrameWriter) {
        let answer: Frame
        switch result {
        case .success(let body): answer = Frame(.response, id: frame.id, body: body)
        case .failure(let error): answer = Frame(.failure, id: frame.id, body: "\(error)".wireBytes)
        }
        do { try writer.send(answer) } catch { _exit(0) }
    }
}

/// Orders requests for ThreadSanitizer: each request's task marks one ``PthreadOrder`` as it
/// starts and as it ends, so everything a request did happens-before a request the driver sent
/// after reading its answer. Without it the race pass could not see that order (it runs through
/// the driver and a socket), and would report the candidate's plain, correctly sequential use of
/// a cache from two tasks as a race.
enum RequestOrder {
    static let shared = PthreadOrder()
}

/// A happens-before edge ThreadSanitizer sees: locking and unlocking a pthread mutex, which it
/// intercepts whatever the caller (the runtime is not instrumented in the race pass's build).
final class PthreadOrder: @unchecked Sendable {
    // Safe: the mutex is allocated once, never freed, and only used through pthread calls.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    func mark() {
        pthread_mutex_lock(mutex)
        pthread_mutex_unlock(mutex)
    }
}

/// The last request of a check: writes the end marker on standard error, where ThreadSanitizer
/// reports, so the grader can tell that standard error stayed connected to the end. The nonce is
/// the driver's, sent only now.
enum Finish {
    static let operation = "finish"

    static func isFinish(_ frame: Frame) -> Bool {
        var reader = WireReader(frame.body)
        return (try? reader.string(maximumBytes: 128)) == operation
    }

    static func perform(_ frame: Frame) throws -> [UInt8] {
        var arguments = WireReader(frame.body)
        _ = try arguments.string(maximumBytes: 128)
        let nonce = try arguments.string(maximumBytes: 128)
        try arguments.finish()
        guard !nonce.isEmpty, nonce.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw WireError("the finish nonce must be lowercase hex")
        }
        writeToStandardError("\n\(StandardErrorMarker.prefix)\(nonce)\n")
        return []
    }
}
