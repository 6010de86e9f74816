/* grader-sandbox: runs one program under the compile or run profile of SPEC §6 and writes a JSON
 * verdict. Usage (all sizes in bytes, times in seconds):
 *
 *   grader-sandbox --profile compile|run --workdir DIR --verdict FILE [--readable PATH]...
 *       [--wall S] [--cpu S] [--memory B] [--file-size B] [--tmp-size B] [--open-files N]
 *       [--processes N] [--require-isolation] [--memory-poll] -- /absolute/program [arguments...]
 *
 * SIGTERM (or SIGINT, SIGHUP) asks the launcher to end the program now; it still writes a verdict,
 * with "stopped": true.
 *
 * Process layout: the launcher (host, root) creates a PID namespace and forks the keeper, PID 1
 * inside; the keeper enters fresh mount, network, IPC and UTS namespaces, pivots into a private root,
 * sets the rlimits, drops to the sandbox uid, and forks the target, which installs the seccomp
 * filter and execs the program. The keeper reaps, reports the target's status through a pipe and
 * exits; the launcher enforces wall time and memory, and on any limit kills the keeper, which takes
 * the whole PID namespace with it. The environment is passed through, with SWIFT_BACKTRACE=enable=no.
 * Exit status: 0 when a verdict was written (whatever the program did), 125 on a launcher error. */
#define _GNU_SOURCE
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ftw.h>
#include <unistd.h>

extern char **environ;

/* Sandbox uids: one per launch, so RLIMIT_NPROC counts only this sandbox's tasks and the audit
 * record of a seccomp kill can be matched to it. Chosen far above any login or system account.
 * The span is PID_MAX_LIMIT on 64-bit Linux (2^22): every pid is below it, so two live launchers
 * (distinct pids) never share a uid, whatever kernel.pid_max is set to. */
#define SANDBOX_UID_BASE 1900000000u
#define SANDBOX_UID_SPAN 4194304u

/* Set by SIGTERM, SIGINT or SIGHUP: the grader asks the launcher to end the program now (its
 * check is over) and still write a verdict. */
static volatile sig_atomic_t stop_requested = 0;
static void request_stop(int number) { (void)number; stop_requested = 1; }

/* What die() must undo: set as each is created, cleared when the normal path has undone it. */
static struct {
    pid_t launcher; /* cleanup happens only in the launcher, never in a forked child */
    pid_t keeper;
    struct memory_guard *memory;
    const char *root;
} created;

static void die(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("grader-sandbox: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    if (getpid() != created.launcher) exit(125);
    if (created.keeper > 0) { kill(created.keeper, SIGKILL); waitpid(created.keeper, NULL, 0); }
    if (created.memory) { memory_guard_kill_all(created.memory); memory_guard_remove(created.memory); }
    if (created.root) rmdir(created.root);
    exit(125);
}

static double number_argument(const char *name, const char *text, double minimum, double maximum) {
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || !end || *end || !isfinite(value) || value < minimum || value > maximum)
        die("%s: expected a number from %g to %g, got '%s'", name, minimum, maximum, text);
    return value;
}

static void parse(int argc, char **argv, struct options *options) {
    memset(options, 0, sizeof *options);
    options->profile = -1;
    options->wall_seconds = 10;
    options->memory_bytes = 2LL << 30;
    options->file_size_bytes = 64LL << 20;
    options->tmp_bytes = 64LL << 20;
    options->open_files = 256;
    options->processes = 256;
    int i = 1;
    for (; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--") == 0) { i++; break; }
        if (strcmp(flag, "--require-isolation") == 0) { options->require_isolation = true; continue; }
        if (strcmp(flag, "--memory-poll") == 0) { options->memory_poll = true; continue; }
        if (i + 1 >= argc) die("%s needs a value", flag);
        const char *value = argv[++i];
        if (strcmp(flag, "--profile") == 0) {
            if (strcmp(value, "compile") == 0) options->profile = PROFILE_COMPILE;
            else if (strcmp(value, "run") == 0) options->profile = PROFILE_RUN;
            else die("--profile: compile or run, got '%s'", value);
        } else if (strcmp(flag, "--workdir") == 0) options->workdir = value;
        else if (strcmp(flag, "--chdir") == 0) options->directory = value;
        else if (strcmp(flag, "--verdict") == 0) options->verdict_path = value;
        else if (strcmp(flag, "--readable") == 0) {
            if (options->readable_count == MAX_READABLE_PATHS) die("too many --readable paths");
            options->readable[options->readable_count++] = value;
        }
        else if (strcmp(flag, "--wall") == 0) options->wall_seconds = number_argument(flag, value, 0.01, 86400);
        else if (strcmp(flag, "--cpu") == 0) options->cpu_seconds = number_argument(flag, value, 0.01, 86400);
        else if (strcmp(flag, "--memory") == 0) options->memory_bytes = (long long)number_argument(flag, value, 1 << 20, 1e13);
        else if (strcmp(flag, "--file-size") == 0) options->file_size_bytes = (long long)number_argument(flag, value, 4096, 1e12);
        else if (strcmp(flag, "--tmp-size") == 0) options->tmp_bytes = (long long)number_argument(flag, value, 1 << 20, 1e11);
        else if (strcmp(flag, "--open-files") == 0) options->open_files = (long)number_argument(flag, value, 16, 65536);
        else if (strcmp(flag, "--processes") == 0) options->processes = (long)number_argument(flag, value, 1, 65536);
        else die("unknown option %s", flag);
    }
    if ((int)options->profile < 0) die("--profile is required");
    if (!options->workdir || options->workdir[0] != '/') die("--workdir must be an absolute path");
    if (!options->verdict_path || options->verdict_path[0] != '/') die("--verdict must be an absolute path");
    if (i >= argc || argv[i][0] != '/') die("the program must be given after -- as an absolute path");
    for (int r = 0; r < options->readable_count; r++)
        if (options->readable[r][0] != '/' || strstr(options->readable[r], "/../") || access(options->readable[r], F_OK) < 0)
            die("--readable %s: not an existing absolute path", options->readable[r]);
    struct stat info;
    if (stat(options->workdir, &info) < 0 || !S_ISDIR(info.st_mode)) die("--workdir %s: not a directory", options->workdir);
    if (!options->directory) options->directory = options->workdir;
    size_t workdir_length = strlen(options->workdir);
    if (strncmp(options->directory, options->workdir, workdir_length) != 0 ||
        (options->directory[workdir_length] != 0 && options->directory[workdir_length] != '/') || strstr(options->directory, "/.."))
        die("--chdir %s: must lie inside --workdir", options->directory);
    if (options->cpu_seconds == 0) options->cpu_seconds = options->wall_seconds;
    options->target = argv + i;
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void note(struct isolation *isolation, const char *format, ...) {
    size_t used = strlen(isolation->notes);
    if (used + 2 >= sizeof isolation->notes) return;
    if (used) { strcat(isolation->notes, "; "); used += 2; }
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(isolation->notes + used, sizeof isolation->notes - used, format, arguments);
    va_end(arguments);
}

/* ---- keeper → launcher messages: fixed-size records on a pipe ---- */
struct message {
    char kind;          /* 'n' namespaces applied, 's' target status, 'e' setup error */
    int value;          /* bit set of namespaces, or wait status */
    bool flag;          /* 'n': the private root was built and the uid switched */
    char text[400];
};

static void send_message(int fd, char kind, int value, bool flag, const char *text) {
    struct message message = { .kind = kind, .value = value, .flag = flag };
    if (text) snprintf(message.text, sizeof message.text, "%s", text);
    ssize_t ignored = write(fd, &message, sizeof message);
    (void)ignored;
}

enum { NS_MOUNT = 1, NS_NET = 2, NS_IPC = 4, NS_UTS = 8 };

/* What the launcher learnt from the keeper. */
struct keeper_report {
    int applied;            /* NS_* bits */
    bool isolated;          /* the private root was built */
    bool dropped;           /* the uid switch and the rlimits were applied */
    pid_t target_pid;       /* as the keeper sees it (2 inside a PID namespace) */
    int target_status;      /* wait status, -1 until reported */
    char setup_error[400];
};

static void receive_messages(int fd, struct keeper_report *report) {
    struct message message;
    while (read(fd, &message, sizeof message) == (ssize_t)sizeof message) {
        if (message.kind == 'n') { report->applied = message.value; report->isolated = message.flag; report->dropped = true; }
        else if (message.kind == 't') report->target_pid = message.value;
        else if (message.kind == 's') report->target_status = message.value;
        else if (message.kind == 'e') snprintf(report->setup_error, sizeof report->setup_error, "%s", message.text);
    }
}

/* nftw has no context argument: the uid the compile profile's work directory is handed to. */
static uid_t walk_uid;
static int chown_walk(const char *path, const struct stat *info, int type, struct FTW *walk) {
    (void)info; (void)type; (void)walk;
    return lchown(path, walk_uid, (gid_t)walk_uid) < 0 && errno != ENOENT ? -1 : 0;
}

/* Runs in the target process: seccomp, then exec. Never returns. */
static void become_target(const struct options *options, int messages) {
    char error[256] = "";
    char *path = place_exec_path(options->target[0]);
    if (!path) { send_message(messages, 'e', 0, false, "could not place the program path"); _exit(126); }
    setsid(); /* its own group and session, so that without a PID namespace the group can be killed */
    if (install_seccomp(options->profile, path, error, sizeof error) < 0) {
        send_message(messages, 'e', 0, false, error);
        _exit(126);
    }
    /* The crash reporter would execve a helper. The message pipe is close-on-exec; nothing else
     * the launcher inherited may reach the program. */
    setenv("SWIFT_BACKTRACE", "enable=no", 1);
    /* Ignored signals and the signal mask survive execve: the program starts with the defaults
     * whatever the grader inherited (an ignored SIGXFSZ would turn the file-size limit into ENOSPC). */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int number = 1; number < NSIG; number++)
        if (number != SIGKILL && number != SIGSTOP) signal(number, SIG_DFL);
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(path, options->target, environ);
    dprintf(2, "grader-sandbox: cannot execute %s: %s\n", options->target[0], strerror(errno));
    _exit(127);
}

/* PID 1 of the sandbox's namespace (or the plain parent of the target without one). Never returns. */
static void keeper(const struct options *options, const struct isolation *planned, const char *root,
                   int go, int messages) {
    char error[400] = "";
    char byte;
    if (read(go, &byte, 1) != 1) _exit(125); /* the launcher died or gave up */
    close(go);
    prctl(PR_SET_PDEATHSIG, SIGKILL);

    int applied = 0;
    bool isolated = false;
    uid_t uid = planned->uid;
    gid_t gid = (gid_t)planned->uid;
    if (planned->root) {
        if (unshare(CLONE_NEWNET) == 0) applied |= NS_NET;
        if (unshare(CLONE_NEWIPC) == 0) applied |= NS_IPC;
        if (unshare(CLONE_NEWUTS) == 0) { applied |= NS_UTS; sethostname("sandbox", 7); }
        if (unshare(CLONE_NEWNS) == 0) {
            applied |= NS_MOUNT;
            if (build_private_root(options, root, uid, gid, error, sizeof error) < 0) {
                send_message(messages, 'e', 0, false, error);
                _exit(125);
            }
        }
        if (!(applied & NS_MOUNT) && options->require_isolation) {
            send_message(messages, 'e', 0, false, "no mount namespace: the private root cannot be built");
            _exit(125);
        }
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
            snprintf(error, sizeof error, "dropping to uid %u: %s", uid, strerror(errno));
            send_message(messages, 'e', 0, false, error);
            _exit(125);
        }
        isolated = (applied & NS_MOUNT) != 0;
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a credential change cleared it */
    }
    if (chdir(options->directory) < 0) {
        snprintf(error, sizeof error, "chdir %s: %s", options->directory, strerror(errno));
        send_message(messages, 'e', 0, false, error);
        _exit(125);
    }

    struct rlimit cpu = { (rlim_t)ceil(options->cpu_seconds), (rlim_t)ceil(options->cpu_seconds) + 1 };
    struct rlimit file_size = { (rlim_t)options->file_size_bytes, (rlim_t)options->file_size_bytes };
    struct rlimit files = { (rlim_t)options->open_files, (rlim_t)options->open_files };
    struct rlimit processes = { (rlim_t)options->processes, (rlim_t)options->processes };
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CPU, &cpu) < 0 || setrlimit(RLIMIT_FSIZE, &file_size) < 0 ||
        setrlimit(RLIMIT_NOFILE, &files) < 0 || setrlimit(RLIMIT_CORE, &none) < 0 ||
        (planned->root && setrlimit(RLIMIT_NPROC, &processes) < 0)) {
        snprintf(error, sizeof error, "setrlimit: %s", strerror(errno));
        send_message(messages, 'e', 0, false, error);
        _exit(125);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        send_message(messages, 'e', 0, false, "no_new_privs could not be set");
        _exit(125);
    }
    send_message(messages, 'n', applied, isolated, NULL);

    pid_t target = fork();
    if (target < 0) {
        snprintf(error, sizeof error, "fork: %s", strerror(errno));
        send_message(messages, 'e', 0, false, error);
        _exit(125);
    }
    if (target == 0) become_target(options, messages);
    send_message(messages, 't', target, false, NULL);
    /* Standard input and output may be a channel to another process (the check's driver): only
     * the target holds them from here, so the driver sees the channel close when the target ends. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); close(null); }

    /* The keeper ignores what the target might send it and reaps everything until the target ends. */
    for (int number = 1; number < NSIG; number++)
        if (number != SIGKILL && number != SIGSTOP && number != SIGCHLD) signal(number, SIG_IGN);
    int status = 0;
    for (;;) {
        pid_t ended = waitpid(-1, &status, __WALL);
        if (ended == target) break;
        if (ended < 0 && errno != EINTR) _exit(125);
    }
    send_message(messages, 's', status, false, NULL);
    _exit(0);
}

static void json_string(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(out, "\\%c", *c);
        else if (*c < 0x20) fprintf(out, "\\u%04x", *c);
        else fputc(*c, out);
    }
    fputc('"', out);
}

#define ROOTS_DIRECTORY "/tmp/grader-sandbox"

/* Makes ROOTS_DIRECTORY, or accepts it only as a real directory owned by root with mode 0700:
 * anyone may create names in /tmp, and a planted folder or symlink must not be used. */
static bool roots_directory_ready(void) {
    errno = 0;
    if (mkdir(ROOTS_DIRECTORY, 0700) < 0 && errno != EEXIST) return false;
    errno = 0;
    struct stat info;
    if (lstat(ROOTS_DIRECTORY, &info) < 0) return false;
    return S_ISDIR(info.st_mode) && info.st_uid == 0 && (info.st_mode & 07777) == 0700;
}

/* CPU seconds of the keeper's children so far: their threads and the children they reaped. Read
 * just before the launcher kills the keeper, whose death takes them unreaped (their time would
 * otherwise never reach the keeper's rusage). -1 when /proc cannot tell. */
static double children_cpu_seconds(pid_t keeper) {
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)keeper, (int)keeper);
    FILE *children = fopen(path, "re");
    if (!children) return -1;
    double ticks = (double)sysconf(_SC_CLK_TCK), total = 0;
    int child;
    while (fscanf(children, "%d", &child) == 1) {
        snprintf(path, sizeof path, "/proc/%d/stat", child);
        FILE *stat = fopen(path, "re");
        if (!stat) continue;
        char line[1024];
        char *end = fgets(line, sizeof line, stat) ? strrchr(line, ')') : NULL;
        fclose(stat);
        unsigned long utime, stime;
        long cutime, cstime;
        /* After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime */
        if (end && sscanf(end + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
                          &utime, &stime, &cutime, &cstime) == 4)
            total += (double)(utime + stime) / ticks + (double)(cutime + cstime) / ticks;
    }
    fclose(children);
    return total;
}

int main(int argc, char **argv) {
    struct options options;
    parse(argc, argv, &options);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);

    struct isolation isolation = { .root = geteuid() == 0, .memory_mode = "poll" };
    pid_t self = getpid();
    created.launcher = self;
    isolation.uid = isolation.root ? SANDBOX_UID_BASE + (uid_t)self % SANDBOX_UID_SPAN : geteuid();
    if (!isolation.root) {
        if (options.require_isolation) die("isolation required but not running as root");
        note(&isolation, "not root: no namespaces, no private root, no uid switch, no RLIMIT_NPROC (seccomp and the other rlimits apply)");
    }
    int kernel_log = isolation.root ? kernel_log_open() : -1;
    if (isolation.root && kernel_log < 0) note(&isolation, "neither the audit netlink group nor /dev/kmsg is readable: a seccomp kill cannot name its syscall");

    struct memory_guard memory;
    memory_guard_init(&memory, options.memory_bytes, self, !options.memory_poll, isolation.notes, sizeof isolation.notes);
    created.memory = &memory;
    isolation.memory_mode = memory.version == 2 ? "cgroup-v2" : memory.version == 1 ? "cgroup-v1" : "poll";

    /* The private root's mount point; the tmpfs mounted on it exists only in the keeper's namespace.
     * Named after this launcher's pid, so a later launcher can sweep it if this one is killed; kept
     * in a folder of their own, so the sweep reads only launchers' entries, not all of /tmp. */
    char root[64];
    snprintf(root, sizeof root, "%s/root.%d.XXXXXX", ROOTS_DIRECTORY, (int)self);
    if (isolation.root) {
        if (!roots_directory_ready()) die("%s: %s", ROOTS_DIRECTORY, errno ? strerror(errno) : "not a root-owned 0700 directory");
        sweep_stale_entries(ROOTS_DIRECTORY, "root.");
        if (!mkdtemp(root)) die("mkdtemp: %s", strerror(errno));
        created.root = root;
    }
    if (isolation.root && options.profile == PROFILE_COMPILE) {
        walk_uid = isolation.uid;
        if (nftw(options.workdir, chown_walk, 32, FTW_PHYS | FTW_MOUNT) < 0)
            die("handing the work directory to the sandbox uid: %s", strerror(errno));
    }
    if (isolation.root) {
        if (unshare(CLONE_NEWPID) == 0) isolation.pid_ns = true;
        else if (options.require_isolation) die("no PID namespace: %s", strerror(errno));
        else note(&isolation, "no PID namespace (%s)", strerror(errno));
    }

    int go[2], messages[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(messages, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
    struct sigaction stop = { .sa_handler = request_stop };
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGHUP, &stop, NULL);
    pid_t keeper_pid = fork();
    if (keeper_pid < 0) die("fork: %s", strerror(errno));
    if (keeper_pid > 0) created.keeper = keeper_pid;
    if (keeper_pid == 0) {
        close(go[1]); close(messages[0]);
        if (kernel_log >= 0) close(kernel_log);
        keeper(&options, &isolation, root, go[0], messages[1]);
    }
    close(go[0]); close(messages[1]);
    {
        /* The launcher never reads standard input or writes standard output; the keeper holds them
         * for the target. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); close(null); }
    }
    fcntl(messages[0], F_SETFL, O_NONBLOCK);
    if (memory_guard_attach(&memory, keeper_pid) < 0) {
        note(&isolation, "could not join the memory cgroup: polling instead");
        memory_guard_remove(&memory);
        memory.version = 0;
        isolation.memory_mode = "poll";
    }
    if (write(go[1], "g", 1) != 1) die("the keeper did not start");
    close(go[1]);

    /* Supervise: wall clock, memory; the keeper's exit closes the message pipe. */
    int pidfd = (int)syscall(SYS_pidfd_open, keeper_pid, 0);
    enum limit_hit limit = LIMIT_NONE;
    int keeper_status = 0;
    struct rusage usage = {0};
    struct keeper_report report = { .target_status = -1 };
    double cpu_at_kill = -1;
    bool stopped = false;
    for (;;) {
        double remaining = options.wall_seconds - seconds_since(&started);
        int timeout = remaining <= 0 ? 0 : remaining < 0.01 ? (int)(remaining * 1000) + 1 : 10;
        if (pidfd >= 0) {
            struct pollfd wait_for = { .fd = pidfd, .events = POLLIN };
            poll(&wait_for, 1, timeout);
        } else {
            usleep((useconds_t)timeout * 1000);
        }
        receive_messages(messages[0], &report);
        pid_t ended = wait4(keeper_pid, &keeper_status, WNOHANG, &usage);
        if (ended == keeper_pid) break;
        if (limit != LIMIT_NONE || stopped) continue;
        if (memory_guard_sample(&memory, keeper_pid)) limit = LIMIT_MEMORY;
        else if (seconds_since(&started) >= options.wall_seconds) limit = LIMIT_WALL;
        else if (stop_requested) stopped = true;
        else continue;
        cpu_at_kill = children_cpu_seconds(keeper_pid);
        kill(keeper_pid, SIGKILL);
        if (!isolation.pid_ns && report.target_pid > 0) kill(-report.target_pid, SIGKILL);
    }
    /* The last messages, written just before the keeper exited. */
    fcntl(messages[0], F_SETFL, 0);
    receive_messages(messages[0], &report);
    double wall = seconds_since(&started);
    if (pidfd >= 0) close(pidfd);
    /* Without a PID namespace, the target's group may outlive the keeper. */
    if (!isolation.pid_ns && report.target_pid > 0) kill(-report.target_pid, SIGKILL);
    memory_guard_kill_all(&memory);
    bool cgroup_oom = memory_guard_finish(&memory);
    memory_guard_remove(&memory);
    if (isolation.root) rmdir(root);
    created.keeper = 0; created.memory = NULL; created.root = NULL;

    isolation.mount_ns = report.applied & NS_MOUNT; isolation.net_ns = report.applied & NS_NET;
    isolation.ipc_ns = report.applied & NS_IPC; isolation.uts_ns = report.applied & NS_UTS;
    isolation.private_root = report.isolated;
    isolation.uid_switched = isolation.root && report.dropped;
    if (isolation.root) {
        if (!isolation.net_ns) note(&isolation, "no network namespace: only the seccomp socket rule stops network access");
        if (!isolation.mount_ns) note(&isolation, "no mount namespace: the host's files are visible to the sandbox uid");
    }

    /* How did it end? The target's own status when the keeper reported one, else the keeper's. */
    int status = report.target_status >= 0 ? report.target_status : keeper_status;
    bool signaled = WIFSIGNALED(status);
    int code = signaled ? 0 : WEXITSTATUS(status);
    int signal_number = signaled ? WTERMSIG(status) : 0;
    double cpu = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (cpu_at_kill > cpu) cpu = cpu_at_kill;
    if (limit == LIMIT_NONE) {
        /* A program can raise SIGXCPU itself: it counts only when the CPU time agrees. */
        if (signaled && signal_number == SIGXCPU && cpu + 0.05 >= floor(options.cpu_seconds)) limit = LIMIT_CPU;
        else if (signaled && signal_number == SIGKILL && cpu >= ceil(options.cpu_seconds)) limit = LIMIT_CPU;
        else if (signaled && signal_number == SIGXFSZ) limit = LIMIT_FILE_SIZE; /* at worst a crash message */
        else if (signaled && signal_number == SIGKILL && cgroup_oom) limit = LIMIT_MEMORY;
    }
    int violation = -1;
    if (signaled && signal_number == SIGSYS) violation = kernel_log_find_seccomp_kill(kernel_log, isolation.uid);

    FILE *out = fopen(options.verdict_path, "we");
    if (!out) die("cannot write the verdict to %s: %s", options.verdict_path, strerror(errno));
    static const char *const limit_names[] = { NULL, "wall_time", "cpu_time", "memory", "file_size" };
    fprintf(out, "{\"schema\":\"grader.sandbox-verdict/v1\",\"profile\":\"%s\",",
            options.profile == PROFILE_RUN ? "run" : "compile");
    if (report.setup_error[0]) { fputs("\"setupError\":", out); json_string(out, report.setup_error); fputc(',', out); }
    if (signaled) fprintf(out, "\"exitCode\":null,\"signal\":%d,", signal_number);
    else fprintf(out, "\"exitCode\":%d,\"signal\":null,", code);
    fprintf(out, "\"wallSeconds\":%.6f,\"cpuSeconds\":%.6f,\"peakMemoryBytes\":%lld,\"stopped\":%s,", wall, cpu, memory.peak,
            stopped ? "true" : "false");
    if (limit) fprintf(out, "\"limitHit\":\"%s\",", limit_names[limit]); else fputs("\"limitHit\":null,", out);
    if (signaled && signal_number == SIGSYS) {
        const char *name = violation >= 0 ? syscall_name(violation) : NULL;
        fputs("\"violation\":{\"syscall\":", out);
        if (name) json_string(out, name); else fputs("null", out);
        fprintf(out, ",\"number\":%d},", violation);
    } else {
        fputs("\"violation\":null,", out);
    }
    fprintf(out, "\"isolation\":{\"root\":%s,\"namespaces\":[", isolation.root ? "true" : "false");
    const char *separator = "";
    if (isolation.pid_ns) { fprintf(out, "%s\"pid\"", separator); separator = ","; }
    if (isolation.mount_ns) { fprintf(out, "%s\"mount\"", separator); separator = ","; }
    if (isolation.net_ns) { fprintf(out, "%s\"network\"", separator); separator = ","; }
    if (isolation.ipc_ns) { fprintf(out, "%s\"ipc\"", separator); separator = ","; }
    if (isolation.uts_ns) { fprintf(out, "%s\"uts\"", separator); separator = ","; }
    fprintf(out, "],\"privateRoot\":%s,\"uid\":%u,\"uidSwitched\":%s,\"seccomp\":%s,\"memory\":\"%s\",\"notes\":",
            isolation.private_root ? "true" : "false", isolation.uid, isolation.uid_switched ? "true" : "false",
            report.dropped && !report.setup_error[0] ? "true" : "false", isolation.memory_mode);
    json_string(out, isolation.notes);
    fputs("}}\n", out);
    if (fclose(out) != 0) die("writing the verdict: %s", strerror(errno));
    return report.setup_error[0] ? 125 : 0;
}
