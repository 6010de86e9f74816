/* Memory: a limit by cgroup where one is writable (v2, else v1), and in every case a poll of the
 * resident memory of the sandbox's process tree, which measures the peak and enforces the limit
 * where no cgroup is available. Address-space limits (RLIMIT_AS) are not used: ThreadSanitizer
 * reserves terabytes of address space, and Swift hangs instead of failing when mmap fails. */
#define _GNU_SOURCE
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_text(const char *directory, const char *file, const char *text) {
    char path[640];
    snprintf(path, sizeof path, "%s/%s", directory, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t written = write(fd, text, strlen(text));
    close(fd);
    return written == (ssize_t)strlen(text) ? 0 : -1;
}

static long long read_number(const char *directory, const char *file) {
    char path[640], text[64];
    snprintf(path, sizeof path, "%s/%s", directory, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return -1;
    text[length] = 0;
    return strtoll(text, NULL, 10);
}

/* The value of "key N" in a flat-keyed file such as memory.events or memory.oom_control. */
static long long read_key(const char *directory, const char *file, const char *key) {
    char path[640], line[256];
    snprintf(path, sizeof path, "%s/%s", directory, file);
    FILE *stream = fopen(path, "re");
    if (!stream) return -1;
    long long value = -1;
    size_t key_length = strlen(key);
    while (fgets(line, sizeof line, stream))
        if (strncmp(line, key, key_length) == 0 && line[key_length] == ' ') { value = strtoll(line + key_length + 1, NULL, 10); break; }
    fclose(stream);
    return value;
}

/* This process's cgroup path for a hierarchy: "0::" for v2, or a v1 line naming the controller. */
static bool own_cgroup(const char *prefix, const char *controller, char *out, size_t size) {
    FILE *stream = fopen("/proc/self/cgroup", "re");
    if (!stream) return false;
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, stream)) {
        line[strcspn(line, "\n")] = 0;
        char *first = strchr(line, ':');
        if (!first) continue;
        char *second = strchr(first + 1, ':');
        if (!second) continue;
        *second = 0;
        const char *controllers = first + 1;
        bool match = controller ? (strstr(controllers, controller) != NULL && strcmp(line, "0") != 0)
                                : (strcmp(line, "0") == 0 && *controllers == 0);
        if (match) { snprintf(out, size, "%s%s", prefix, second + 1); found = true; break; }
    }
    fclose(stream);
    return found;
}

void sweep_stale_entries(const char *directory, const char *prefix) {
    DIR *folder = opendir(directory);
    if (!folder) return;
    size_t length = strlen(prefix);
    struct dirent *entry;
    while ((entry = readdir(folder))) {
        if (strncmp(entry->d_name, prefix, length) != 0) continue;
        char *end = NULL;
        long pid = strtol(entry->d_name + length, &end, 10);
        if (pid <= 0 || !end || (*end != 0 && *end != '.')) continue;
        /* A live launcher (or a process that reused its pid) keeps its entry. */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        rmdir(path); /* only ever removes an empty directory or a cgroup with no process left */
    }
    closedir(folder);
}

static bool try_cgroup(struct memory_guard *guard, int version, pid_t launcher) {
    char parent[400];
    if (version == 2) {
        if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) return false;
        if (!own_cgroup("/sys/fs/cgroup", NULL, parent, sizeof parent)) return false;
    } else {
        if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) < 0) return false;
        if (!own_cgroup("/sys/fs/cgroup/memory", "memory", parent, sizeof parent)) return false;
    }
    sweep_stale_entries(parent, "grader-sandbox-");
    snprintf(guard->path, sizeof guard->path, "%s/grader-sandbox-%d", parent, (int)launcher);
    if (mkdir(guard->path, 0700) < 0) { guard->path[0] = 0; return false; }
    char limit[32];
    snprintf(limit, sizeof limit, "%lld", guard->limit);
    bool ok;
    if (version == 2) {
        ok = write_text(guard->path, "memory.max", limit) == 0;
        if (ok) write_text(guard->path, "memory.swap.max", "0");
    } else {
        ok = write_text(guard->path, "memory.limit_in_bytes", limit) == 0;
        /* Without swap accounting the memsw file is absent; swap is then merely not counted. */
        if (ok) write_text(guard->path, "memory.memsw.limit_in_bytes", limit);
    }
    if (!ok) { rmdir(guard->path); guard->path[0] = 0; return false; }
    guard->version = version;
    return true;
}

void memory_guard_init(struct memory_guard *guard, long long limit, pid_t launcher, bool cgroup_allowed,
                       char *notes, size_t notes_size) {
    memset(guard, 0, sizeof *guard);
    guard->limit = limit;
    if (!cgroup_allowed) return;
    if (geteuid() == 0 && (try_cgroup(guard, 2, launcher) || try_cgroup(guard, 1, launcher))) return;
    size_t used = strlen(notes);
    snprintf(notes + used, notes_size - used, "%sno writable memory cgroup: memory is limited by polling resident memory every 10 ms",
             used ? "; " : "");
}

int memory_guard_attach(struct memory_guard *guard, pid_t pid) {
    if (!guard->version) return 0;
    char text[32];
    snprintf(text, sizeof text, "%d", (int)pid);
    return write_text(guard->path, "cgroup.procs", text);
}

/* Resident bytes of every process descending from root_pid (threads share their process's). */
static long long tree_resident_bytes(pid_t root_pid) {
    enum { MAX_PROCESSES = 8192 };
    static pid_t pids[MAX_PROCESSES], parents[MAX_PROCESSES];
    static long long resident[MAX_PROCESSES];
    static bool inside[MAX_PROCESSES];
    int count = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    long page = sysconf(_SC_PAGESIZE);
    struct dirent *entry;
    while ((entry = readdir(proc)) && count < MAX_PROCESSES) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        char path[64], text[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t length = read(fd, text, sizeof text - 1);
        close(fd);
        if (length <= 0) continue;
        text[length] = 0;
        /* The command name is in parentheses and may hold anything: parse after the last ')'. */
        char *rest = strrchr(text, ')');
        if (!rest) continue;
        int parent = 0;
        long long rss = 0;
        /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
         * cstime priority nice threads itrealvalue starttime vsize rss */
        if (sscanf(rest + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %*u %*u %lld",
                   &parent, &rss) != 2) continue;
        pids[count] = atoi(entry->d_name);
        parents[count] = parent;
        resident[count] = rss * page;
        inside[count] = pids[count] == root_pid;
        count++;
    }
    closedir(proc);
    /* Mark descendants: repeat until no change (trees are shallow). */
    for (bool changed = true; changed;) {
        changed = false;
        for (int i = 0; i < count; i++) {
            if (inside[i]) continue;
            for (int j = 0; j < count; j++)
                if (inside[j] && pids[j] == parents[i]) { inside[i] = true; changed = true; break; }
        }
    }
    long long total = 0;
    for (int i = 0; i < count; i++) if (inside[i]) total += resident[i];
    return total;
}

bool memory_guard_sample(struct memory_guard *guard, pid_t root_pid) {
    long long now = guard->version ? read_number(guard->path, guard->version == 2 ? "memory.current" : "memory.usage_in_bytes")
                                   : tree_resident_bytes(root_pid);
    if (now > guard->peak) guard->peak = now;
    return !guard->version && now > guard->limit;
}

bool memory_guard_finish(struct memory_guard *guard) {
    if (!guard->version) return false;
    long long peak = read_number(guard->path, guard->version == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
    if (peak > guard->peak) guard->peak = peak;
    long long kills = guard->version == 2 ? read_key(guard->path, "memory.events", "oom_kill")
                                          : read_key(guard->path, "memory.oom_control", "oom_kill");
    return kills > 0;
}

void memory_guard_kill_all(struct memory_guard *guard) {
    if (!guard->version) return;
    if (guard->version == 2 && write_text(guard->path, "cgroup.kill", "1") == 0) return;
    char path[640];
    snprintf(path, sizeof path, "%s/cgroup.procs", guard->path);
    FILE *stream = fopen(path, "re");
    if (!stream) return;
    int pid;
    while (fscanf(stream, "%d", &pid) == 1) kill(pid, SIGKILL);
    fclose(stream);
}

void memory_guard_remove(struct memory_guard *guard) {
    if (!guard->version) return;
    /* The cgroup can go once its last process has been reaped; that takes a moment after SIGKILL. */
    for (int attempt = 0; attempt < 200; attempt++) {
        if (rmdir(guard->path) == 0 || errno == ENOENT) return;
        memory_guard_kill_all(guard);
        usleep(5000);
    }
}
