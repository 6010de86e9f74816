/* The sandbox launcher's internal interfaces (SPEC §6). See Sandbox/README.md for the threat model. */
#ifndef GRADER_SANDBOX_LAUNCHER_H
#define GRADER_SANDBOX_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MAX_READABLE_PATHS 32

enum profile { PROFILE_COMPILE, PROFILE_RUN };

struct options {
    enum profile profile;
    const char *workdir;        /* absolute; bound read-write (compile) or a fresh tmpfs (run) */
    const char *directory;      /* where the program starts: workdir or a directory inside it */
    const char *readable[MAX_READABLE_PATHS];
    int readable_count;
    const char *verdict_path;   /* where the JSON verdict goes (outside the sandbox) */
    double wall_seconds;
    double cpu_seconds;
    long long memory_bytes;
    long long file_size_bytes;
    long long tmp_bytes;        /* size of the private /tmp (and of the run profile's workdir) */
    long open_files;
    long processes;             /* RLIMIT_NPROC: processes and threads of the sandbox uid */
    bool require_isolation;     /* fail instead of running without namespaces and a uid switch */
    bool memory_poll;           /* limit memory by polling even where a cgroup is writable: joining a
                                 * v1 memory cgroup costs a kernel grace period (~15 ms here), which a
                                 * trusted program (a check's driver) need not pay */
    char **target;              /* argv of the program, target[0] an absolute path */
};

/* What was applied, for the verdict: the launcher never claims a protection it did not set up. */
struct isolation {
    bool root;                  /* launched as root: namespaces, private root, uid switch possible */
    bool pid_ns, mount_ns, net_ns, ipc_ns, uts_ns;
    bool private_root;          /* pivot_root into a root holding only the system, toolchain and granted paths */
    bool uid_switched;
    uid_t uid;
    const char *memory_mode;    /* "cgroup-v2", "cgroup-v1" or "poll" */
    char notes[512];            /* why something was not applied */
};

/* Limits hit, in the verdict's words. */
enum limit_hit { LIMIT_NONE, LIMIT_WALL, LIMIT_CPU, LIMIT_MEMORY, LIMIT_FILE_SIZE };

/* policy.c: installs the seccomp filter for a profile in the calling process; exec_path must be
 * the pointer later passed to execve (the run profile allows exactly that one execve). */
int install_seccomp(enum profile profile, const char *exec_path, char *error, size_t error_size);
/* A page at an unguessable address holding a copy of path, for install_seccomp's one-execve rule. */
char *place_exec_path(const char *path);
/* The name of a native syscall number, or NULL. */
const char *syscall_name(int number);

/* filesystem.c: in a fresh mount namespace, builds a private root and pivots into it. */
int build_private_root(const struct options *options, const char *root, uid_t uid, gid_t gid,
                       char *error, size_t error_size);

/* memory.c: a memory cgroup for the sandbox where one is writable, else polling. */
struct memory_guard {
    char path[512];             /* the cgroup directory, empty when polling */
    int version;                /* 2, 1, or 0 when polling */
    long long limit;
    long long peak;             /* measured by polling (always) and by the cgroup (when present) */
};
void memory_guard_init(struct memory_guard *guard, long long limit, pid_t launcher, bool cgroup_allowed,
                       char *notes, size_t notes_size);
int memory_guard_attach(struct memory_guard *guard, pid_t pid);
/* Samples the tree under root_pid; returns true when the limit is exceeded. */
bool memory_guard_sample(struct memory_guard *guard, pid_t root_pid);
/* Reads the cgroup's peak and OOM count; true when the cgroup killed something for memory. */
bool memory_guard_finish(struct memory_guard *guard);
void memory_guard_kill_all(struct memory_guard *guard);
void memory_guard_remove(struct memory_guard *guard);
/* Removes what dead launchers left in directory: entries named prefix<pid>[.…] whose pid is gone
 * (a launcher killed outright cannot clean up after itself). */
void sweep_stale_entries(const char *directory, const char *prefix);

/* kernel_log.c: the seccomp audit record naming the syscall that killed a process of uid. */
int kernel_log_open(void);
int kernel_log_find_seccomp_kill(int fd, uid_t uid);

#endif
