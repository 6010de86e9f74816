@_spi(GraderWire) import Challenge
import SubjectRuntime
import Synchronization
import Wire

/// The contract of `SeatReservationService` as a protocol: what the subject drives.
///
/// The grader adds this conformance to your type for you (`Adapter.swift`, compiled with your
/// files); if your declarations do not match the contract, that conformance fails to compile and
/// the report says `contract_mismatch` with the compiler's message.
public protocol SeatReservationServiceUnderTest: AnyObject {
    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation
}

/// Creates services under test; the adapter implements it with `SeatReservationService(store:)`.
public protocol SeatReservationServiceMaker: Sendable {
    func make(store: SeatStore) -> any SeatReservationServiceUnderTest
}

/// The reserve-seat challenge's side of the subject: creates the candidate's service on a seat
/// store that lives in the driver, starts the reservations it is asked for all at once, and
/// reports what each returned. It judges nothing.
public final class ReserveSeatSubject: SubjectHandler {
    private let maker: any SeatReservationServiceMaker
    private let services = Mutex<[Int: ServiceBox]>([:])

    public init(maker: some SeatReservationServiceMaker) { self.maker = maker }

    public func perform(_ operation: String, _ arguments: inout WireReader) async throws -> [UInt8] {
        switch operation {
        case ReserveSeatOperationName.create: return try create(&arguments)
        case ReserveSeatOperationName.reserveAll: return try await reserveAll(&arguments)
        default: throw UnknownOperation(operation)
        }
    }

    private func create(_ arguments: inout WireReader) throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int(Int32.max))
        let store = try arguments.int(in: 0...Int(Int32.max))
        try arguments.finish()
        guard let transport = ServiceTransports.current else { throw WireError("no service transport") }
        let service = maker.make(store: SeatStore(remoteStore: store, transport: transport))
        let added = services.withLock { services -> Bool in
            guard services[id] == nil else { return false }
            services[id] = ServiceBox(service)
            return true
        }
        guard added else { throw WireError("service \(id) exists already") }
        return []
    }

    private func reserveAll(_ arguments: inout WireReader) async throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int(Int32.max))
        let requests = try arguments.array(maximum: ReserveSeatLimits.maximumRequests) { try ReservationRequest(from: &$0) }
        try arguments.finish()
        guard let box = services.withLock({ $0[id] }) else { throw WireError("no service \(id)") }
        guard let transport = ServiceTransports.current else { throw WireError("no service transport") }
        let (started, answers) = await CallerRound.run(
            requests, caller: \.caller, placeholder: ReservationAnswer.otherError("no answer"),
            report: ReserveSeatUsersService.name, transport: transport, encode: { $0.encode(to: &$1) }
        ) { request -> ReservationAnswer in
            do {
                let reservation = try await box.service.reserveSeat(seatId: request.seatId, userId: request.userId)
                return .reserved(seatId: reservation.seatId, userId: reservation.userId)
            } catch let error as ReservationError {
                switch error {
                case .seatNotFound(let seat): return .seatNotFound(seat)
                case .seatTaken(let seat): return .seatTaken(seat)
                case .storeUnavailable: return .storeUnavailable
                }
            } catch is StoreTimeout {
                return .storeTimeout
            } catch {
                return .otherError(String(describing: error))
            }
        }
        var answer = WireWriter()
        answer.int(started)
        answer.array(answers) { $1.encode(to: &$0) }
        return answer.bytes
    }
}

/// The candidate's service, shared by the reservation tasks on purpose: sharing it is what is
/// under test.
final class ServiceBox: @unchecked Sendable {
    // Safe: `service` is immutable here; whatever state it holds is the candidate's to protect,
    // which is what the checks (and the race pass) judge.
    let service: any SeatReservationServiceUnderTest
    init(_ service: any SeatReservationServiceUnderTest) { self.service = service }
}
