// Glue between your `PaymentWebhookHandler` and the subject runtime, compiled with the grader's
// generated entry file. `CandidateSubmission` is the module your files are compiled into. Names
// are module-qualified so that whatever you name your own types cannot clash.

extension CandidateSubmission.PaymentWebhookHandler: @retroactive ChallengeSubject.PaymentWebhookHandlerUnderTest {}

struct CandidateMaker: ChallengeSubject.PaymentWebhookHandlerMaker {
    func make(database: Challenge.SubscriptionDatabase, sleeper: any Challenge.Sleeper,
              maxAttempts: Int) -> any ChallengeSubject.PaymentWebhookHandlerUnderTest {
        CandidateSubmission.PaymentWebhookHandler(database: database, sleeper: sleeper, maxAttempts: maxAttempts)
    }
}

let subjectHandler = ChallengeSubject.WebhookSubject(maker: CandidateMaker())
