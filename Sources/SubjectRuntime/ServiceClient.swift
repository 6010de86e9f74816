import Synchronization
import Wire

/// The subject's side of the simulated services: each call is a frame to the driver, and the
/// caller suspends until the driver's reply frame arrives. Many calls may be in flight at once,
/// from any number of tasks and threads; the driver decides when, and in which order, each completes.
final class ServiceClient: ServiceTransport {
    private let writer: FrameWriter
    private let state = Mutex<State>(State())

    private struct State {
        var nextID: UInt64 = 1
        var waiting: [UInt64: UnsafeContinuation<[UInt8], any Error>] = [:]
    }

    init(writer: FrameWriter) { self.writer = writer }

    func call(service: String, _ call: [UInt8]) async throws -> [UInt8] {
        var body = WireWriter(capacity: call.count + service.utf8.count + 8)
        body.string(service)
        body.data(call)
        return try await withUnsafeThrowingContinuation { continuation in
            let id = state.withLock { state in
                let id = state.nextID
                state.nextID += 1
                state.waiting[id] = continuation
                return id
            }
            do {
                try writer.send(Frame(.serviceCall, id: id, body: body.bytes))
            } catch {
                // The driver has gone: the process ends as soon as the reader sees the channel close.
                if let waiting = state.withLock({ $0.waiting.removeValue(forKey: id) }) { waiting.resume(throwing: error) }
            }
        }
    }

    /// Resumes call `id` (replies to unknown ids are ignored: the driver never sends them).
    func complete(_ id: UInt64, with result: Result<[UInt8], any Error>) {
        guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        continuation.resume(with: result)
    }
}
