/* The seccomp policies of the two profiles (SPEC §6). Everything is allowed except what is listed;
 * a listed call kills the whole process (SCMP_ACT_KILL_PROCESS: killing one thread hangs a Swift
 * process), except clone3, which answers ENOSYS so glibc falls back to clone, where flags are visible. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>

/* Denied in both profiles. */
static const char *const denied_always[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "setns", "unshare",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "bpf", "perf_event_open", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "reboot",
    "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "acct", "syslog", "vhangup",
    "iopl", "ioperm", "quotactl", "lookup_dcookie", "fanotify_init", "sethostname", "setdomainname",
    "execveat",
};

/* Denied in the run profile only: no new processes, and no seccomp filter of the program's own
 * (one that traps writes could hide ThreadSanitizer's reports and pass the end marker through). */
static const char *const denied_run[] = { "fork", "vfork", "seccomp" };

static int deny(scmp_filter_ctx ctx, const char *name, char *error, size_t error_size) {
    int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) return 0; /* not a syscall on this architecture */
    int rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, number, 0);
    if (rc < 0) snprintf(error, error_size, "seccomp rule for %s: %s", name, strerror(-rc));
    return rc;
}

char *place_exec_path(const char *path) {
    size_t length = strlen(path) + 1;
    if (length > 4096) return NULL;
    for (int attempt = 0; attempt < 64; attempt++) {
        uint64_t random = 0;
        if (getrandom(&random, sizeof random, 0) != sizeof random) return NULL;
        /* Page-aligned, between 4 GiB and 64 TiB: about 2^34 possible pages. */
        uintptr_t address = (uintptr_t)((random % ((1ULL << 46) - (1ULL << 32))) + (1ULL << 32)) & ~(uintptr_t)4095;
        char *page = mmap((void *)address, 4096, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (page == MAP_FAILED) continue;
        if ((uintptr_t)page != address) { munmap(page, 4096); continue; }
        memcpy(page, path, length);
        return page;
    }
    return NULL;
}

int install_seccomp(enum profile profile, const char *exec_path, char *error, size_t error_size) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) { snprintf(error, error_size, "seccomp_init failed"); return -1; }
    int rc = 0;
    /* Only the native architecture: a 32-bit or x32 syscall kills the process. */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0) goto fail;
    /* The launcher already set no_new_privs; libseccomp must not depend on it being set here. */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0) goto fail;

    for (size_t i = 0; i < sizeof denied_always / sizeof *denied_always; i++)
        if ((rc = deny(ctx, denied_always[i], error, error_size)) < 0) goto out;

    /* Sockets: AF_UNIX only (the network namespace, when applied, has no interfaces anyway). The
     * compiler driver opens a UDP socket to probe interfaces and copes with a refusal, so the
     * compile profile refuses with EACCES; in the run profile, where candidate code runs, it kills. */
    uint32_t socket_action = profile == PROFILE_RUN ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EACCES);
    if ((rc = seccomp_rule_add(ctx, socket_action, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX))) < 0) goto fail;
    if ((rc = seccomp_rule_add(ctx, socket_action, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX))) < 0) goto fail;
    /* personality: only the query (0xffffffff) ThreadSanitizer makes at start-up. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(personality), 1,
                               SCMP_A0(SCMP_CMP_NE, 0xffffffffULL))) < 0) goto fail;

    if (profile == PROFILE_RUN) {
        for (size_t i = 0; i < sizeof denied_run / sizeof *denied_run; i++)
            if ((rc = deny(ctx, denied_run[i], error, error_size)) < 0) goto out;
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(prctl), 1,
                                   SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP))) < 0) goto fail;
        /* clone only for threads. */
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0))) < 0) goto fail;
        /* One execve: the launcher's own, whose path sits at an address nobody else knows. */
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execve), 1,
                                   SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)(uintptr_t)exec_path))) < 0) goto fail;
    }
    /* No new namespaces through clone in either profile (unshare and setns are denied above). */
    static const unsigned long namespace_flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC,
                                                     CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME };
    for (size_t i = 0; i < sizeof namespace_flags / sizeof *namespace_flags; i++)
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]))) < 0) goto fail;
    /* clone3 passes its flags in memory, where a filter cannot look: ENOSYS makes glibc use clone. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0) goto fail;

    if ((rc = seccomp_load(ctx)) < 0) goto fail;
    seccomp_release(ctx);
    return 0;
fail:
    snprintf(error, error_size, "seccomp: %s", strerror(-rc));
out:
    seccomp_release(ctx);
    return -1;
}

const char *syscall_name(int number) {
    /* libseccomp allocates the name; the launcher prints it once and exits, so it is not freed. */
    return seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
}
