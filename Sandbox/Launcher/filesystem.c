/* The private root: a read-only tmpfs holding the system directories (read-only), the granted
 * paths (read-only, at their own paths), the working directory, a private /tmp, a minimal /dev and
 * a /proc of the sandbox's own PID namespace. Everything else on the host, the data directory, the
 * other submissions and Graders/, simply does not exist inside. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Host directories every program needs: the loader, libc, /etc for the loader cache. */
static const char *const system_paths[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc" };
static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom" };

#define FAIL(...) do { snprintf(error, error_size, __VA_ARGS__); return -1; } while (0)

static int make_directories(const char *path, mode_t mode) {
    char buffer[PATH_MAX];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer) { errno = ENAMETOOLONG; return -1; }
    for (char *slash = buffer + 1; *slash; slash++) {
        if (*slash != '/') continue;
        *slash = 0;
        if (mkdir(buffer, mode) < 0 && errno != EEXIST) return -1;
        *slash = '/';
    }
    if (mkdir(buffer, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

/* Creates the mount point for source (a directory or a file) at target. */
static int make_mount_point(const char *source, const char *target) {
    struct stat info;
    if (stat(source, &info) < 0) return -1;
    if (S_ISDIR(info.st_mode)) return make_directories(target, 0755);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", target);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) { *slash = 0; if (make_directories(parent, 0755) < 0) return -1; }
    /* Read-only: the target may already exist as a file being executed (ETXTBSY on write). */
    int fd = open(target, O_CREAT | O_RDONLY | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/* Binds source at target with its whole subtree. The flags go on every mount of the subtree
 * (mount_setattr, Linux 5.12+): a remount would make only the top one read-only and leave, say,
 * a writable filesystem mounted under a granted directory writable. Older kernels get the remount. */
static int bind(const char *source, const char *target, bool writable, bool devices_allowed) {
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0) return -1;
    struct mount_attr attributes = {
        .attr_set = MOUNT_ATTR_NOSUID | (writable ? 0 : MOUNT_ATTR_RDONLY) | (devices_allowed ? 0 : MOUNT_ATTR_NODEV),
    };
    if (mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &attributes, sizeof attributes) == 0) return 0;
    if (errno != ENOSYS) return -1;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (writable ? 0 : MS_RDONLY) | (devices_allowed ? 0 : MS_NODEV);
    return mount(NULL, target, NULL, flags, NULL);
}

int build_private_root(const struct options *options, const char *root, uid_t uid, gid_t gid,
                       char *error, size_t error_size) {
    char target[PATH_MAX], data[128];
    /* Nothing mounted here propagates back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) FAIL("making mounts private: %s", strerror(errno));
    if (mount("sandbox-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0)
        FAIL("tmpfs root: %s", strerror(errno));

    for (size_t i = 0; i < sizeof system_paths / sizeof *system_paths; i++) {
        const char *path = system_paths[i];
        struct stat info;
        if (lstat(path, &info) < 0) continue;
        snprintf(target, sizeof target, "%s%s", root, path);
        if (S_ISLNK(info.st_mode)) {
            char link[PATH_MAX];
            ssize_t length = readlink(path, link, sizeof link - 1);
            if (length < 0) FAIL("readlink %s: %s", path, strerror(errno));
            link[length] = 0;
            if (symlink(link, target) < 0) FAIL("symlink %s: %s", path, strerror(errno));
        } else if (S_ISDIR(info.st_mode)) {
            if (make_directories(target, 0755) < 0 || bind(path, target, false, false) < 0)
                FAIL("binding %s: %s", path, strerror(errno));
        }
    }
    snprintf(target, sizeof target, "%s/tmp", root);
    snprintf(data, sizeof data, "size=%lld,mode=1777", options->tmp_bytes);
    if (make_directories(target, 0755) < 0 || mount("sandbox-tmp", target, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
        FAIL("private /tmp: %s", strerror(errno));

    snprintf(target, sizeof target, "%s/dev", root);
    if (make_directories(target, 0755) < 0 || mount("sandbox-dev", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") < 0)
        FAIL("private /dev: %s", strerror(errno));
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        snprintf(target, sizeof target, "%s%s", root, devices[i]);
        if (make_mount_point(devices[i], target) < 0 || bind(devices[i], target, true, true) < 0)
            FAIL("binding %s: %s", devices[i], strerror(errno));
    }
    snprintf(target, sizeof target, "%s/dev/shm", root);
    if (make_directories(target, 01777) < 0 ||
        mount("sandbox-shm", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16m,mode=1777") < 0)
        FAIL("private /dev/shm: %s", strerror(errno));
    static const char *const links[][2] = {
        { "/proc/self/fd", "/dev/fd" }, { "/proc/self/fd/0", "/dev/stdin" },
        { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(target, sizeof target, "%s%s", root, links[i][1]);
        if (symlink(links[i][0], target) < 0) FAIL("symlink %s: %s", links[i][1], strerror(errno));
    }

    snprintf(target, sizeof target, "%s/proc", root);
    if (make_directories(target, 0555) < 0 ||
        mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        FAIL("mounting /proc: %s", strerror(errno));

    /* Granted paths last: they may lie under /tmp. */
    for (int i = 0; i < options->readable_count; i++) {
        snprintf(target, sizeof target, "%s%s", root, options->readable[i]);
        if (make_mount_point(options->readable[i], target) < 0 || bind(options->readable[i], target, false, false) < 0)
            FAIL("binding %s: %s", options->readable[i], strerror(errno));
    }

    /* The working directory: the compile profile's outputs persist on the host; a check's
     * directory is a fresh tmpfs that disappears with it. */
    snprintf(target, sizeof target, "%s%s", root, options->workdir);
    if (make_directories(target, 0755) < 0) FAIL("work directory mount point: %s", strerror(errno));
    if (options->profile == PROFILE_COMPILE) {
        if (bind(options->workdir, target, true, false) < 0) FAIL("binding the work directory: %s", strerror(errno));
    } else {
        snprintf(data, sizeof data, "size=%lld,mode=0700,uid=%u,gid=%u", options->tmp_bytes, uid, gid);
        if (mount("sandbox-work", target, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
            FAIL("work directory tmpfs: %s", strerror(errno));
    }

    /* Into the new root; the old one is detached so nothing of the host remains reachable. */
    if (chdir(root) < 0) FAIL("chdir to the new root: %s", strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") < 0) FAIL("pivot_root: %s", strerror(errno));
    if (umount2(".", MNT_DETACH) < 0) FAIL("detaching the old root: %s", strerror(errno));
    if (chdir("/") < 0) FAIL("chdir /: %s", strerror(errno));
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        FAIL("making the root read-only: %s", strerror(errno));
    return 0;
}
