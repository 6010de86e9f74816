// Tells ThreadSanitizer about the slow paths of Synchronization.Mutex, for the race pass's builds.
//
// On Linux `Mutex.withLock` inlines a compare-and-swap fast path into the caller, which the
// sanitizer instruments, but falls back to `_MutexHandle._lockSlow` / `_unlockSlow` (futexes, in
// the uninstrumented libswiftSynchronization.so) when the lock is contended. The sanitizer never
// sees those acquire and release, so a correct solution built on `Mutex` would be reported as
// racing: a false failure. Linked into the race pass's check binaries only, these definitions take
// the place of the library's (the static link resolves the calls to them), call the library's
// real functions and add the missing happens-before edges on the lock word, the same address the
// instrumented fast path synchronises on. Not compiled with the sanitizer itself.
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

void __tsan_acquire(void *address);
void __tsan_release(void *address);

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"

// Swift methods of a noncopyable struct take `self` indirectly, in the swiftself register.
#define SWIFT_SELF __attribute__((swift_context))
typedef __attribute__((swiftcall)) void (*lock_slow_fn)(uint32_t, void *SWIFT_SELF);
typedef __attribute__((swiftcall)) void (*unlock_slow_fn)(void *SWIFT_SELF);
typedef __attribute__((swiftcall)) bool (*try_lock_slow_fn)(void *SWIFT_SELF);

static lock_slow_fn real_lock_slow;
static unlock_slow_fn real_unlock_slow;
static try_lock_slow_fn real_try_lock_slow;

static void *library_function(const char *name) {
    void *function = dlsym(RTLD_NEXT, name);
    if (function == NULL) {
        void *library = dlopen("libswiftSynchronization.so", RTLD_NOW | RTLD_LOCAL);
        if (library != NULL) function = dlsym(library, name);
    }
    return function;
}

// Resolved before main, while the process has one thread.
__attribute__((constructor)) static void resolve_library_functions(void) {
    real_lock_slow = (lock_slow_fn)library_function(LOCK_SLOW);
    real_unlock_slow = (unlock_slow_fn)library_function(UNLOCK_SLOW);
    real_try_lock_slow = (try_lock_slow_fn)library_function(TRY_LOCK_SLOW);
}

__attribute__((swiftcall)) void annotated_lock_slow(uint32_t self_id, void *SWIFT_SELF handle) __asm__(LOCK_SLOW);
__attribute__((swiftcall)) void annotated_lock_slow(uint32_t self_id, void *SWIFT_SELF handle) {
    if (real_lock_slow == NULL) abort();
    real_lock_slow(self_id, handle);
    __tsan_acquire(handle);
}

__attribute__((swiftcall)) void annotated_unlock_slow(void *SWIFT_SELF handle) __asm__(UNLOCK_SLOW);
__attribute__((swiftcall)) void annotated_unlock_slow(void *SWIFT_SELF handle) {
    if (real_unlock_slow == NULL) abort();
    __tsan_release(handle);
    real_unlock_slow(handle);
}

__attribute__((swiftcall)) bool annotated_try_lock_slow(void *SWIFT_SELF handle) __asm__(TRY_LOCK_SLOW);
__attribute__((swiftcall)) bool annotated_try_lock_slow(void *SWIFT_SELF handle) {
    if (real_try_lock_slow == NULL) abort();
    bool locked = real_try_lock_slow(handle);
    if (locked) __tsan_acquire(handle);
    return locked;
}
