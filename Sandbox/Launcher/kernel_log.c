/* Names the syscall that seccomp killed a process for. SCMP_ACT_KILL_PROCESS leaves only SIGSYS in
 * the wait status; the kernel's audit record (type 1326 AUDIT_SECCOMP, "syscall=N") carries the
 * number. It is read from the audit netlink multicast group (root; not rate-limited), else from
 * /dev/kmsg (where printk's rate limit drops records in bursts). The sandbox uid is unique to one
 * launch, so the record is matched by uid. Where neither source works, the syscall is unknown. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int kernel_log_open(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
    if (fd >= 0) {
        struct sockaddr_nl address = { .nl_family = AF_NETLINK, .nl_groups = AUDIT_NLGRP_READLOG };
        if (bind(fd, (struct sockaddr *)&address, sizeof address) == 0) return fd;
        close(fd);
    }
    fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) lseek(fd, 0, SEEK_END); /* only records written from now on */
    return fd;
}

/* The syscall number in one audit record's text, if it is a seccomp record for uid. */
static int match(const char *text, uid_t uid) {
    char needle[48];
    snprintf(needle, sizeof needle, " uid=%u ", (unsigned)uid);
    if (!strstr(text, needle)) return -1;
    const char *syscall = strstr(text, " syscall=");
    return syscall ? atoi(syscall + 9) : -1;
}

int kernel_log_find_seccomp_kill(int fd, uid_t uid) {
    if (fd < 0) return -1;
    int type = 0;
    socklen_t length = sizeof type;
    bool netlink = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0;
    char record[8960];
    /* The audit thread delivers asynchronously: allow it a moment after the process died. */
    for (int waited = 0; waited < 20; waited++) {
        for (;;) {
            ssize_t size = read(fd, record, sizeof record - 1);
            if (size < 0) {
                if (errno == EPIPE || errno == EINTR) continue; /* kmsg: overwritten records */
                break;                                          /* EAGAIN: nothing more now */
            }
            record[size] = 0;
            if (netlink) {
                for (struct nlmsghdr *header = (struct nlmsghdr *)record; NLMSG_OK(header, (size_t)size);
                     header = NLMSG_NEXT(header, size)) {
                    if (header->nlmsg_type != AUDIT_SECCOMP) continue;
                    char *text = NLMSG_DATA(header);
                    size_t text_length = header->nlmsg_len - NLMSG_HDRLEN;
                    char saved = text[text_length];
                    text[text_length] = 0;
                    int found = match(text, uid);
                    text[text_length] = saved;
                    if (found >= 0) return found;
                }
            } else if (strstr(record, "type=1326")) {
                int found = match(record, uid);
                if (found >= 0) return found;
            }
        }
        struct pollfd wait_for = { .fd = fd, .events = POLLIN };
        poll(&wait_for, 1, 5);
    }
    return -1;
}
