// Glue between your `LRUCache` and the checks, compiled with the grader's generated entry file.
// `CandidateSubmission` is the module your files are compiled into.

extension CandidateSubmission.LRUCache: @retroactive LRUCacheUnderTest {}

struct CandidateMaker: LRUCacheMaker {
    func make<Key: Hashable, Value>(capacity: Int) -> any LRUCacheUnderTest<Key, Value> {
        CandidateSubmission.LRUCache<Key, Value>(capacity: capacity)
    }
}

let checkSubject = CandidateMaker()
