/* Names the syscall that seccomp killed a process for. SCMP_ACT_KILL_PROCESS leaves only SIGSYS in
 * the wait status; the kernel's audit record (type 1326, "syscall=N") carries the number. The sandbox
 * uid is unique to one launch, so the record is matched by uid. Reading /dev/kmsg needs root; where it
 * is unreadable or the record was not logged, the verdict says the syscall is unknown. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kernel_log_open(void) {
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) lseek(fd, 0, SEEK_END); /* only records written from now on */
    return fd;
}

int kernel_log_find_seccomp_kill(int fd, uid_t uid) {
    if (fd < 0) return -1;
    char record[8192], needle[48];
    snprintf(needle, sizeof needle, " uid=%u ", (unsigned)uid);
    int found = -1;
    for (;;) {
        ssize_t length = read(fd, record, sizeof record - 1);
        if (length < 0) {
            if (errno == EPIPE) continue; /* overwritten records: go on with the next */
            break;                        /* EAGAIN: nothing more */
        }
        record[length] = 0;
        if (!strstr(record, "type=1326") || !strstr(record, needle)) continue;
        char *syscall = strstr(record, " syscall=");
        if (syscall) { found = atoi(syscall + 9); break; }
    }
    return found;
}
