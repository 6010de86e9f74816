// Glue between your `LRUCache` and the subject runtime, compiled with the grader's generated entry
// file. `CandidateSubmission` is the module your files are compiled into. Names are
// module-qualified so that whatever you name your own types cannot clash.

extension CandidateSubmission.LRUCache: @retroactive ChallengeSubject.LRUCacheUnderTest {}

struct CandidateMaker: ChallengeSubject.LRUCacheMaker {
    func make<Key: Hashable, Value>(capacity: Int) -> any ChallengeSubject.LRUCacheUnderTest<Key, Value> {
        CandidateSubmission.LRUCache<Key, Value>(capacity: capacity)
    }
}

let subjectHandler = ChallengeSubject.LRUCacheSubject(maker: CandidateMaker())
