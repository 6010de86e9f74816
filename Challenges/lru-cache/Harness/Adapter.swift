// Glue between your `LRUCache` and the checks, compiled with the grader's generated entry file.
// `CandidateSubmission` is the module your files are compiled into. Names are module-qualified so
// that whatever you name your own types cannot clash with the checks'.

extension CandidateSubmission.LRUCache: @retroactive ChallengeChecks.LRUCacheUnderTest {}

struct CandidateMaker: ChallengeChecks.LRUCacheMaker {
    func make<Key: Hashable, Value>(capacity: Int) -> any ChallengeChecks.LRUCacheUnderTest<Key, Value> {
        CandidateSubmission.LRUCache<Key, Value>(capacity: capacity)
    }
}

let checkSubject = CandidateMaker()
