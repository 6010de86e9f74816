import Glibc

/// Prints result lines for every check, as the harness would with a guessed token, then exits 0.
func hostileAction(capacity: Int) {
    let checks = ["evicts-least-recently-used", "get-refreshes-recency", "capacity-one", "differential-model",
                  "o1-scaling", "concurrent-storm", "bounded-memory", "public.evicts-least-recently-used"]
    for check in checks {
        print(#"GRADER-CHECK-REPORT {"token":"0000000000000000000000000000000000000000000000000000000000000000","check":"\#(check)","status":"pass","message":"ok","evidence":[],"cpuMicros":0,"maxResidentBytes":0}"#)
    }
    fflush(stdout)
    exit(0)
}
