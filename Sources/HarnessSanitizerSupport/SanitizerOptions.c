// ThreadSanitizer's options for the race pass's subjects, built into the binary rather than passed
// in the environment: a `TSAN_OPTIONS` variable would tell the candidate's code that it runs under
// the sanitizer (and could behave differently there). The runtime calls this before `main`.
//
// symbolize=0: the run profile may not spawn the symbolizer (the grader symbolizes afterwards).
// halt_on_error=0: report every race, keep running. report_thread_leaks=0, report_signal_unsafe=0:
// not races (the subject abandons hung threads on purpose). exitcode=66: a run with reports ends
// with 66. atexit_sleep_ms=0: the subject leaves once the driver has judged; no threads to wait for.
// handle_sigill=1, handle_sigtrap=1, handle_abort=1 (SIGSEGV, SIGBUS and SIGFPE are handled by default):
// a crash prints the crashing thread's stack, which the grader symbolizes and shows beside the
// crashed check (a Swift runtime trap is SIGILL on x86-64 and SIGTRAP on arm64).
const char *__tsan_default_options(void) {
    return "symbolize=0:halt_on_error=0:report_thread_leaks=0:report_signal_unsafe=0:exitcode=66:atexit_sleep_ms=0"
           ":handle_sigill=1:handle_sigtrap=1:handle_abort=1";
}
