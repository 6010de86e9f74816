#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Wire

/// Runs the jobs of a round's callers on a few threads of its own, each new job on the next
/// thread in turn: the candidate's code for different callers then runs on different threads
/// (and at the same time where it can), whatever the cooperative pool would have done with a
/// burst of short tasks (run most of them one after another on one thread, where ThreadSanitizer
/// sees program order, not a race). Each thread's queue is a pthread mutex and condition, which
/// order a job after its enqueuer as any executor's queue does.
final class RoundRobinExecutor: TaskExecutor, @unchecked Sendable {
    // Safe: `workers` is set once in init and never changed; each worker guards its own queue.
    private let workers: [Worker]
    private let next = Atomic<Int>(0)

    static let shared = RoundRobinExecutor(threads: 4)

    init(threads: Int) {
        workers = (0..<max(1, threads)).map { _ in Worker() }
        for worker in workers {
            let executor = self
            startDetachedThread { worker.run(on: executor) }
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        workers[next.add(1, ordering: .relaxed).oldValue % workers.count].push(job)
    }

    /// One thread's queue.
    final class Worker: @unchecked Sendable {
        // Safe: `jobs` is only touched with `mutex` held; the mutex and condition are allocated
        // once and never freed.
        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private let condition: UnsafeMutablePointer<pthread_cond_t>
        private var jobs: [UnownedJob] = []

        init() {
            mutex = .allocate(capacity: 1)
            condition = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(condition, nil)
        }

        func push(_ job: UnownedJob) {
            pthread_mutex_lock(mutex)
            jobs.append(job)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }

        func run(on executor: RoundRobinExecutor) -> Never {
            while true {
                pthread_mutex_lock(mutex)
                while jobs.isEmpty { pthread_cond_wait(condition, mutex) }
                let job = jobs.removeFirst()
                pthread_mutex_unlock(mutex)
                job.runSynchronously(on: executor.asUnownedTaskExecutor())
            }
        }
    }
}
