#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization
import Wire

/// The driver's end of the channel to the subject (the candidate's sandboxed process).
///
/// Every byte read here is hostile: frames are parsed strictly and bounded (``FrameReader``), a
/// response must answer a request that is waiting, a service call must name a service this check
/// serves, and anything else breaks the connection for good (``SubjectError/malformed(_:)``). A
/// reader thread reads the frames; requests wait for their answer until the check's deadline.
public final class SubjectConnection: Sendable {
    /// Which subject of the check this is: 0 for the one it started with, then in the order the
    /// check started them (``CheckContext/startSubject()``).
    public let index: Int
    private let descriptor: Int32
    private let writer: FrameWriter
    private let state = Mutex<State>(State())
    /// The check's deadline (a ``DriverClock`` reading), shared with the writer, which gives up at it.
    private let deadline: Deadline
    /// Writes happen here, in order, never on the tasks' threads: a subject slow to read its
    /// channel then holds this queue's thread, not the few the driver's tasks run on.
    private let writes = DispatchQueue(label: "subject-channel-writes")
    /// Frames queued on ``writes`` and not yet written: traffic the kernel's queues do not show
    /// yet (``channelBusy``).
    private let queuedWrites = Atomic<Int>(0)
    /// The reader has taken frames off the socket and not handled them all: traffic the kernel's
    /// queues no longer show.
    private let readerHolds = Atomic<Bool>(false)

    private final class Deadline: Sendable {
        let nanos = Atomic<UInt64>(.max)
        var now: UInt64 { nanos.load(ordering: .acquiring) }
    }

    /// Largest service call body accepted.
    static let maximumServiceCallBytes = 1 << 20
    /// Most service calls in flight at once (more breaks the channel: the driver's memory is not
    /// the subject's to fill).
    static let maximumServiceCallsInFlight = 10_000
    /// Most bytes of service calls in flight at once, for the same reason (a driver that ran out of
    /// memory would be the grader's fault).
    static let maximumServiceCallBytesInFlight = 64 << 20

    private struct Waiter {
        var continuation: UnsafeContinuation<WireReader, any Error>
        var operation: String
    }

    private struct State {
        var nextID: UInt64 = 1
        var waiting: [UInt64: Waiter] = [:]
        var hello: UnsafeContinuation<Void, any Error>?
        var saidHello = false
        /// Once set, every waiting and future request fails with it.
        var broken: SubjectError?
        var services: [String: any ServiceHandler] = [:]
        var serviceCallsInFlight: [UInt64: Int] = [:]
        var serviceCallBytesInFlight = 0
        var serviceCallsReceived = 0
    }

    /// `descriptor` is the driver's end of the subject channel; the connection owns it.
    public init(descriptor: Int32, index: Int = 0) {
        self.index = index
        self.descriptor = descriptor
        // A subject that stops reading its channel holds none of the driver's threads past the
        // check's deadline (the write then times out, as a request would).
        let deadline = Deadline()
        self.deadline = deadline
        writer = FrameWriter(descriptor: descriptor, deadline: { deadline.now })
    }

    /// Starts reading the subject's frames and watching the deadline.
    public func start() {
        startDetachedThread { [self] in readFrames() }
        startDetachedThread { [self] in watchDeadline() }
    }

    /// Requests still waiting when `nanos` (a ``DriverClock`` reading) passes fail with
    /// ``SubjectError/timedOut(during:)``, and so does every request after it.
    public func setDeadline(_ nanos: UInt64) {
        state.withLock { _ in deadline.nanos.store(nanos, ordering: .releasing) }
    }

    /// Waits for the subject's hello (its runtime is up and speaks this protocol version).
    public func waitForHello() async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let outcome: Result<Void, SubjectError>? = state.withLock { state in
                if state.saidHello { return .success(()) }
                if let broken = state.broken { return .failure(broken) }
                state.hello = continuation
                return nil
            }
            if let outcome { continuation.resume(with: outcome.mapError { $0 as any Error }) }
        }
    }

    /// Sends `operation` with the arguments `encode` writes and waits for the subject's answer.
    ///
    /// Throws ``SubjectError``: the subject ended, the deadline passed, its bytes broke the
    /// protocol, or its runtime could not perform the request. `describing` names the operation
    /// in messages ("put(3, …)"); the operation's name is used otherwise.
    public func request(_ operation: String, describing description: String? = nil,
                        _ encode: (inout WireWriter) -> Void = { _ in }) async throws -> WireReader {
        var body = WireWriter()
        body.string(operation)
        encode(&body)
        let what = description ?? operation
        return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<WireReader, any Error>) in
            let registered: Result<UInt64, SubjectError> = state.withLock { state in
                if let broken = state.broken { return .failure(broken.during(what)) }
                if DriverClock.nanos() >= deadline.now { return .failure(.timedOut(during: what)) }
                let id = state.nextID
                state.nextID += 1
                state.waiting[id] = Waiter(continuation: continuation, operation: what)
                return .success(id)
            }
            switch registered {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(let id):
                let frame = Frame(.request, id: id, body: body.bytes)
                queuedWrites.add(1, ordering: .sequentiallyConsistent)
                writes.async { [self] in
                    defer { queuedWrites.subtract(1, ordering: .sequentiallyConsistent) }
                    do {
                        try writer.send(frame)
                    } catch let error as ChannelIOError where error.code == ETIMEDOUT {
                        fail(.timedOut(during: what))
                    } catch {
                        fail(.ended(during: what))
                    }
                }
            }
        }
    }

    /// Serves calls to `service` from the candidate's code with `handler` (for this check).
    public func serve(_ service: String, with handler: any ServiceHandler) {
        state.withLock { $0.services[service] = handler }
    }

    /// Fails everything waiting and marks the connection broken with `error` (the first one wins).
    func fail(_ error: SubjectError) {
        let (waiters, hello) = state.withLock { state -> ([Waiter], UnsafeContinuation<Void, any Error>?) in
            if state.broken == nil { state.broken = error }
            let waiters = Array(state.waiting.values)
            state.waiting.removeAll()
            let hello = state.hello
            state.hello = nil
            return (waiters, hello)
        }
        let broken = state.withLock { $0.broken! }
        for waiter in waiters { waiter.continuation.resume(throwing: broken.during(waiter.operation)) }
        hello?.resume(throwing: broken.during("starting"))
    }

    /// How the connection broke, if it did.
    public var failure: SubjectError? { state.withLock { $0.broken } }

    /// The subject's runtime said hello.
    public var saidHello: Bool { state.withLock { $0.saidHello } }

    /// Ends the check: the candidate's calls overran a simulated service (``SubjectError/overran(_:)``).
    public func overran(_ what: String) {
        fail(.overran(what))
    }

    /// Service calls accepted from the subject so far (each handed to its service).
    public var serviceCallsReceived: Int { state.withLock { $0.serviceCallsReceived } }

    /// Whether bytes are on their way across the channel: the subject's, not yet read here, or
    /// the driver's, not yet read by the subject (the kernel's queues; `FIONREAD` and `SIOCOUTQ`,
    /// which for a Unix socket counts what the peer has not consumed), or here but not yet through
    /// (frames queued to be written, or read and not yet handled). Unknown counts as moving.
    public var channelBusy: Bool {
        if queuedWrites.load(ordering: .sequentiallyConsistent) > 0 || readerHolds.load(ordering: .sequentiallyConsistent) {
            return true
        }
        var unread: Int32 = 0, unconsumed: Int32 = 0
        guard ioctl(descriptor, 0x541B /* FIONREAD */, &unread) == 0,
              ioctl(descriptor, 0x5411 /* SIOCOUTQ */, &unconsumed) == 0 else { return true }
        return unread > 0 || unconsumed > 0
    }

    // MARK: Reading

    private func readFrames() {
        let reader = FrameReader(descriptor: descriptor)
        while true {
            let frame: Frame?
            do {
                frame = try reader.next()
            } catch let error as WireError {
                fail(.malformed(error.message))
                return
            } catch {
                fail(.ended(during: ""))
                return
            }
            guard let frame else {
                fail(.ended(during: ""))
                return
            }
            readerHolds.store(true, ordering: .sequentiallyConsistent)
            let violation = handle(frame)
            // Frames read in the same system call wait in the reader's buffer: still traffic.
            readerHolds.store(reader.hasBufferedBytes, ordering: .sequentiallyConsistent)
            if let violation {
                fail(.malformed(violation))
                return
            }
        }
    }

    /// Dispatches one frame; returns why it breaks the protocol, if it does.
    private func handle(_ frame: Frame) -> String? {
        switch frame.kind {
        case .hello:
            var body = WireReader(frame.body)
            guard let version = try? body.unsigned(), body.isAtEnd, version == ChannelProtocol.version else {
                return "the subject's hello does not announce protocol version \(ChannelProtocol.version)"
            }
            let waiter: UnsafeContinuation<Void, any Error>?? = state.withLock { state in
                if state.saidHello { return .none }
                state.saidHello = true
                defer { state.hello = nil }
                return .some(state.hello)
            }
            guard let waiter else { return "the subject said hello twice" }
            waiter?.resume()
            return nil
        case .response, .failure:
            guard let waiter = state.withLock({ $0.waiting.removeValue(forKey: frame.id) }) else {
                return "an answer to request #\(frame.id), which was not waiting for one"
            }
            if frame.kind == .response {
                waiter.continuation.resume(returning: WireReader(frame.body))
            } else {
                let message = (try? String(wireBytes: frame.body)) ?? "(unreadable)"
                waiter.continuation.resume(throwing: SubjectError.refused(operation: waiter.operation, message: message))
            }
            return nil
        case .serviceCall:
            var body = WireReader(frame.body)
            guard let service = try? body.string(maximumBytes: 64),
                  let call = try? body.data(maximumBytes: Self.maximumServiceCallBytes), body.isAtEnd else {
                return "a malformed service call"
            }
            let size = frame.body.count
            let handler: Result<any ServiceHandler, ServiceCallRefusal> = state.withLock { state in
                guard let handler = state.services[service] else { return .failure(.unknownService) }
                guard state.serviceCallsInFlight.count < Self.maximumServiceCallsInFlight else { return .failure(.tooMany) }
                guard state.serviceCallBytesInFlight + size <= Self.maximumServiceCallBytesInFlight else { return .failure(.tooLarge) }
                guard state.serviceCallsInFlight[frame.id] == nil else { return .failure(.duplicate) }
                state.serviceCallsInFlight[frame.id] = size
                state.serviceCallBytesInFlight += size
                state.serviceCallsReceived += 1
                return .success(handler)
            }
            let accepted: any ServiceHandler
            switch handler {
            case .success(let found): accepted = found
            case .failure(.unknownService): return "a call to service \"\(service)\", which this check does not offer"
            case .failure(.tooMany): return "more than \(Self.maximumServiceCallsInFlight) service calls in flight at once"
            case .failure(.tooLarge): return "more than \(Self.maximumServiceCallBytesInFlight >> 20) MiB of service calls in flight at once"
            case .failure(.duplicate): return "service call #\(frame.id) while a call with that number was in flight"
            }
            let id = frame.id
            let writer = writer
            Task {
                let reply: Frame
                do {
                    reply = Frame(.serviceReply, id: id, body: try await accepted.handle(ServiceCall(id: id, service: service, body: call)))
                } catch {
                    reply = Frame(.serviceFailure, id: id, body: "\(error)".wireBytes)
                }
                self.state.withLock { state in
                    if let size = state.serviceCallsInFlight.removeValue(forKey: id) { state.serviceCallBytesInFlight -= size }
                }
                self.queuedWrites.add(1, ordering: .sequentiallyConsistent)
                self.writes.async {
                    defer { self.queuedWrites.subtract(1, ordering: .sequentiallyConsistent) }
                    do {
                        try writer.send(reply)
                    } catch let error as ChannelIOError where error.code == ETIMEDOUT {
                        self.fail(.timedOut(during: "the reply to a service call (the subject stopped reading its channel)"))
                    } catch {
                        // The subject went away; the reader sees the end of the stream and says so.
                    }
                }
            }
            return nil
        default:
            return "an unexpected \(frame.kind) frame"
        }
    }

    private func watchDeadline() {
        while true {
            let (due, broken) = state.withLock { (deadline.now, $0.broken) }
            if broken != nil { return }
            if DriverClock.nanos() >= due {
                // Only what waits now times out; the deadline may be moved for a last request.
                let waiters = state.withLock { state -> [Waiter] in
                    guard DriverClock.nanos() >= deadline.now else { return [] }
                    let waiters = Array(state.waiting.values)
                    state.waiting.removeAll()
                    return waiters
                }
                for waiter in waiters { waiter.continuation.resume(throwing: SubjectError.timedOut(during: waiter.operation)) }
            }
            usleep(2_000)
        }
    }
}

/// Why a request to the subject did not get an answer.
public enum SubjectError: Error, CustomStringConvertible, Equatable {
    /// The subject closed the channel or died (the grader names the cause from the sandbox).
    case ended(during: String)
    /// The check's deadline passed first.
    case timedOut(during: String)
    /// The subject's bytes broke the protocol: something in its process wrote to the channel.
    case malformed(String)
    /// The subject's runtime could not perform the request (a grader fault).
    case refused(operation: String, message: String)
    /// The candidate's calls went beyond what a simulated service holds (rows, writes): the
    /// driver's memory is not the subject's to fill.
    case overran(String)

    func during(_ operation: String) -> SubjectError {
        switch self {
        case .ended(let what) where what.isEmpty: .ended(during: operation)
        case .timedOut(let what) where what.isEmpty: .timedOut(during: operation)
        default: self
        }
    }

    /// The subject closed the channel or died.
    var hasEnded: Bool {
        if case .ended = self { return true }
        return false
    }

    /// The check's deadline passed first.
    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .ended(let what): "the subject ended" + (what.isEmpty ? "" : " during \(what)")
        case .timedOut(let what): "no answer in time" + (what.isEmpty ? "" : " to \(what)")
        case .malformed(let why): "the subject's channel carried bytes that are not a well-formed answer: \(why)"
        case .refused(let operation, let message): "the subject's runtime could not perform \(operation): \(message)"
        case .overran(let what): "the candidate's code overran a simulated service: \(what)"
        }
    }
}

private enum ServiceCallRefusal: Error {
    case unknownService, tooMany, tooLarge, duplicate
}

/// A simulated service that lives in the driver and answers the candidate's calls.
public protocol ServiceHandler: Sendable {
    /// Answers one call. Throwing answers the call with a failure the caller receives (the error's
    /// description is its message).
    func handle(_ call: ServiceCall) async throws -> [UInt8]
}

/// One call from the candidate's code to a simulated service.
public struct ServiceCall: Sendable {
    public let id: UInt64
    public let service: String
    public let body: [UInt8]
}
