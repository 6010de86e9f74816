import Wire

// The reserve-seat challenge's operations on the channel: what the driver may ask the subject to
// do with the candidate's `SeatReservationService`, and how the answers are written. Compiled into
// both sides; public, like everything the subject holds.

/// Names of the subject's operations.
public enum ReserveSeatOperationName {
    /// Arguments: service id, store id. Creates `SeatReservationService(store:)` on a seat store
    /// that lives in the driver. Answer: empty.
    public static let create = "create-service"
    /// Arguments: service id, ``ReservationRequest``s. Starts every request at once, each in a task
    /// of its own running as its caller (`ServiceCaller`), reports each outcome on the
    /// ``ReserveSeatUsersService`` as it comes, and answers when all are done: how many requests had
    /// started when the first one finished, then every request's ``ReservationAnswer`` in order.
    public static let reserveAll = "reserve-all"
}

/// The service the subject reports each reservation's outcome on, the moment it is known:
/// arguments caller, ``ReservationAnswer``; the driver answers at once, with nothing.
public enum ReserveSeatUsersService {
    public static let name = "seat-users"
}

/// Limits on what either side accepts.
public enum ReserveSeatLimits {
    public static let maximumRequests = 5_000
    /// Callers are numbered across a check's rounds.
    public static let maximumCaller = 1 << 20
    public static let maximumIDBytes = 256
    public static let maximumMessageBytes = 2_048
}

/// One user's `reserveSeat(seatId:userId:)` call, run as `caller`.
public struct ReservationRequest: Sendable, Equatable {
    public var caller: Int
    public var seatId: String
    public var userId: String

    public init(caller: Int, seatId: String, userId: String) {
        self.caller = caller
        self.seatId = seatId
        self.userId = userId
    }

    public func encode(to writer: inout WireWriter) {
        writer.int(caller)
        writer.string(seatId)
        writer.string(userId)
    }

    public init(from reader: inout WireReader) throws {
        caller = try reader.int(in: 0...ReserveSeatLimits.maximumCaller)
        seatId = try reader.string(maximumBytes: ReserveSeatLimits.maximumIDBytes)
        userId = try reader.string(maximumBytes: ReserveSeatLimits.maximumIDBytes)
    }
}

/// What `reserveSeat` did: returned a reservation, or threw.
public enum ReservationAnswer: Sendable, Equatable, CustomStringConvertible {
    case reserved(seatId: String, userId: String)
    case seatNotFound(String)
    case seatTaken(String)
    case storeUnavailable
    /// The store's `StoreTimeout` escaped `reserveSeat`.
    case storeTimeout
    /// Any other error (its description).
    case otherError(String)

    public var description: String {
        switch self {
        case .reserved(let seat, let user): "success (reservation of \(seat) for \(user))"
        case .seatNotFound(let seat): ".seatNotFound(\"\(seat)\")"
        case .seatTaken(let seat): ".seatTaken(\"\(seat)\")"
        case .storeUnavailable: ".storeUnavailable"
        case .storeTimeout: "StoreTimeout thrown out of reserveSeat"
        case .otherError(let message): "an unexpected error: \(message)"
        }
    }

    public var isSuccess: Bool {
        if case .reserved = self { return true }
        return false
    }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .reserved(let seat, let user):
            writer.byte(0)
            writer.string(seat)
            writer.string(user)
        case .seatNotFound(let seat):
            writer.byte(1)
            writer.string(seat)
        case .seatTaken(let seat):
            writer.byte(2)
            writer.string(seat)
        case .storeUnavailable:
            writer.byte(3)
        case .storeTimeout:
            writer.byte(4)
        case .otherError(let message):
            writer.byte(5)
            writer.string(String(message.prefix(ReserveSeatLimits.maximumMessageBytes / 4)))
        }
    }

    public init(from reader: inout WireReader) throws {
        let limit = ReserveSeatLimits.maximumIDBytes
        switch try reader.byte() {
        case 0: self = .reserved(seatId: try reader.string(maximumBytes: limit), userId: try reader.string(maximumBytes: limit))
        case 1: self = .seatNotFound(try reader.string(maximumBytes: limit))
        case 2: self = .seatTaken(try reader.string(maximumBytes: limit))
        case 3: self = .storeUnavailable
        case 4: self = .storeTimeout
        case 5: self = .otherError(try reader.string(maximumBytes: ReserveSeatLimits.maximumMessageBytes))
        default: throw WireError("an unknown reservation answer")
        }
    }
}
