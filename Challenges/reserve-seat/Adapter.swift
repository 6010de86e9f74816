// Glue between your `SeatReservationService` and the subject runtime, compiled with the grader's
// generated entry file. `CandidateSubmission` is the module your files are compiled into. Names
// are module-qualified so that whatever you name your own types cannot clash.

extension CandidateSubmission.SeatReservationService: @retroactive ChallengeSubject.SeatReservationServiceUnderTest {}

struct CandidateMaker: ChallengeSubject.SeatReservationServiceMaker {
    func make(store: Challenge.SeatStore) -> any ChallengeSubject.SeatReservationServiceUnderTest {
        CandidateSubmission.SeatReservationService(store: store)
    }
}

let subjectHandler = ChallengeSubject.ReserveSeatSubject(maker: CandidateMaker())
