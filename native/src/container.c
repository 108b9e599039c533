/*
 * The container's pid 1 before execve: runs the plan's records in order, as Java wrote them.
 * Any failure is sent to the monitor over the CLOEXEC error pipe; a successful execve closes it unwritten.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <termios.h>
#include <unistd.h>

/* Mount flags that need a remount to apply to a bind mount. */
#define BIND_REMOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static int error_fd, start_fd = -1, console_fd = -1;
static int own_stdio; /* stdio is the monitor's pipes or the terminal step's pty, not the caller's inherited fds */
static struct failure *failure;
/* The rootfs as the host sees it, from the plan's "root" record: mount targets under it are resolved inside it. */
static const char *rootfs;

static void die_errno(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die_errno(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure->step, sizeof(failure->step), fmt, ap);
    va_end(ap);
    failure->err = err;
    snprintf(failure->message, sizeof(failure->message), "%s: %s", failure->step, strerror(err));
    if (write(error_fd, failure, sizeof(*failure)) < 0)
        _exit(127);
    _exit(127);
}

/* Exec failures carry docker's own wording, which the CLI shows verbatim. */
static void die_exec(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die_exec(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure->message, sizeof(failure->message), fmt, ap);
    va_end(ap);
    snprintf(failure->step, sizeof(failure->step), "exec");
    failure->err = err;
    if (write(error_fd, failure, sizeof(*failure)) < 0)
        _exit(127);
    _exit(127);
}

static int mkdir_all(const char *path, mode_t mode)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int create_parent_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    return mkdir_all(buf, 0755);
}

/* A mount point must exist: a file for a bind mount of a non-directory, else a directory. */
static int create_mount_point(const char *target, const char *source, unsigned long flags)
{
    struct stat st;
    if (stat(target, &st) == 0)
        return 0;
    if ((flags & MS_BIND) && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) {
        if (create_parent_dirs(target) < 0)
            return -1;
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -1;
        close(fd);
        return 0;
    }
    return mkdir_all(target, 0755);
}

/* An O_PATH fd of rel resolved as if the rootfs were "/": container symlinks cannot lead out of it. */
static int resolve_in_root(int root_fd, const char *rel)
{
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
}

static int create_in_root_depth(int root_fd, const char *rel, int as_file, int depth);

/* resolve_in_root, creating a missing mount point (a file or a directory) and its parents inside the rootfs. */
static int create_in_root(int root_fd, const char *rel, int as_file)
{
    return create_in_root_depth(root_fd, rel, as_file, 0);
}

/* A dangling symlink on the way is followed inside the rootfs, up to the kernel's own nesting limit. */
static int create_in_root_depth(int root_fd, const char *rel, int as_file, int depth)
{
    int fd = resolve_in_root(root_fd, rel);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    if (depth > 40) {
        errno = ELOOP;
        return -1;
    }
    char parent[4096];
    snprintf(parent, sizeof(parent), "%s", rel);
    char *slash = strrchr(parent, '/');
    const char *base = slash ? slash + 1 : parent;
    int parent_fd = slash ? (*slash = '\0', create_in_root_depth(root_fd, parent, 0, depth + 1)) : fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (parent_fd < 0)
        return -1;
    char link[4096];
    ssize_t n = readlinkat(parent_fd, base, link, sizeof(link) - 1);
    if (n > 0) {
        close(parent_fd);
        link[n] = '\0';
        char next[8192];
        if (link[0] == '/')
            snprintf(next, sizeof(next), "%s", link + 1);
        else
            snprintf(next, sizeof(next), "%s/%s", slash ? parent : ".", link);
        return create_in_root_depth(root_fd, next, as_file, depth + 1);
    }
    int rc;
    if (as_file) {
        rc = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0)
            close(rc);
    } else {
        rc = mkdirat(parent_fd, base, 0755);
    }
    close(parent_fd);
    if (rc < 0 && errno != EEXIST)
        return -1;
    return resolve_in_root(root_fd, rel);
}

/*
 * The mount target as a path the kernel will not re-resolve: /proc/self/fd/N of an O_PATH fd found beneath the
 * rootfs (a container symlink such as /etc/hosts -> /../../host/file stays inside it). Targets outside the rootfs
 * (the rootfs itself) are used as they are. Returns the fd to close after mounting, or -1.
 */
static int root_fd = -1;

static int mount_target(const char *target, const char *source, unsigned long flags, char *out, size_t size)
{
    size_t len = rootfs ? strlen(rootfs) : 0;
    if (!rootfs || strncmp(target, rootfs, len) != 0 || target[len] != '/') {
        if (create_mount_point(target, source, flags) < 0)
            return -2;
        snprintf(out, size, "%s", target);
        return -1;
    }
    /* Opened at the first mount inside the rootfs, so it is the rootfs mount, not the directory beneath it. */
    if (root_fd < 0 && (root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -2;
    struct stat st;
    int as_file = (flags & MS_BIND) && stat(source, &st) == 0 && !S_ISDIR(st.st_mode);
    int fd = create_in_root(root_fd, target + len + 1, as_file);
    if (fd < 0)
        return -2;
    snprintf(out, size, "/proc/self/fd/%d", fd);
    return fd;
}

/* The remount and propagation calls must reach the new mount, not the directory an fd taken before it holds. */
static int reopen_target(int fd, const char *target, char *out, size_t size)
{
    if (fd < 0)
        return fd;
    close(fd);
    fd = resolve_in_root(root_fd, target + strlen(rootfs) + 1);
    if (fd < 0)
        die_errno(errno, "resolve %s after mounting it", target);
    snprintf(out, size, "/proc/self/fd/%d", fd);
    return fd;
}

/* mount <label> <source> <target> <fstype> <flags> <data> <cwd> <propagation> */
static void op_mount(const struct record *r)
{
    if (r->argc != 8)
        die_errno(EINVAL, "plan: mount needs 8 arguments");
    const char *label = r->argv[0], *source = r->argv[1], *fstype = r->argv[3];
    const char *data = r->argv[5], *cwd = r->argv[6];
    unsigned long flags = arg_num(r, 4), propagation = arg_num(r, 7);
    char target[4096];
    int target_fd = mount_target(r->argv[2], source, flags, target, sizeof(target));
    if (target_fd == -2)
        die_errno(errno, "mount %s: create mount point", label);
    /* Relative paths in data (overlay lowerdir) keep long layer lists under the page-size limit. */
    if (*cwd && chdir(cwd) < 0)
        die_errno(errno, "chdir %s", cwd);
    if (flags & MS_BIND) {
        if (mount(source, target, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
            die_errno(errno, "mount %s", label);
        target_fd = reopen_target(target_fd, r->argv[2], target, sizeof(target));
        if ((flags & BIND_REMOUNT_FLAGS) &&
            mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & BIND_REMOUNT_FLAGS), NULL) < 0)
            die_errno(errno, "remount %s", label);
    } else if (mount(source, target, fstype, flags, *data ? data : NULL) < 0) {
        die_errno(errno, "mount %s", label);
    } else {
        target_fd = reopen_target(target_fd, r->argv[2], target, sizeof(target));
    }
    if (*cwd && chdir("/") < 0)
        die_errno(errno, "chdir /");
    if (propagation && mount(NULL, target, NULL, propagation, NULL) < 0)
        die_errno(errno, "set propagation of %s", label);
    if (target_fd >= 0)
        close(target_fd);
}

/* mknod <path> <mode incl. type> <major> <minor> <uid> <gid> <host path>; binds the host node where mknod is denied. */
static void op_mknod(const struct record *r)
{
    const char *path = r->argv[0], *host = r->argv[6];
    mode_t mode = arg_num(r, 1);
    if (create_parent_dirs(path) < 0)
        die_errno(errno, "mknod %s", path);
    if (mknod(path, mode, makedev(arg_num(r, 2), arg_num(r, 3))) < 0) {
        if (errno == EEXIST)
            return;
        if (errno != EPERM)
            die_errno(errno, "mknod %s", path);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            die_errno(errno, "create %s", path);
        close(fd);
        if (mount(host, path, NULL, MS_BIND, NULL) < 0)
            die_errno(errno, "bind device %s", host);
        return;
    }
    if (chmod(path, mode & 07777) < 0 || chown(path, arg_num(r, 4), arg_num(r, 5)) < 0)
        die_errno(errno, "chown %s", path);
}

static void op_pivot_root(const char *new_root)
{
    /* no fd of the host's tree may outlive the pivot (a cwd of /proc/self/fd/N would lead back to it) */
    if (root_fd >= 0) {
        close(root_fd);
        root_fd = -1;
    }
    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the container's tree. */
    if (chdir(new_root) < 0)
        die_errno(errno, "chdir %s", new_root);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        die_errno(errno, "pivot_root %s", new_root);
    if (umount2(".", MNT_DETACH) < 0)
        die_errno(errno, "unmount old root");
    if (chdir("/") < 0)
        die_errno(errno, "chdir /");
}

static void op_mask(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return;
        die_errno(errno, "mask %s", path);
    }
    int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
                                 : mount("/dev/null", path, NULL, MS_BIND, NULL);
    if (rc < 0)
        die_errno(errno, "mask %s", path);
}

static void op_readonly(const char *path)
{
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
        if (errno == ENOENT)
            return;
        die_errno(errno, "readonly %s", path);
    }
    if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
        die_errno(errno, "readonly %s", path);
}

static void write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0)
        die_errno(errno, "write %s", path);
    close(fd);
}

static void op_sysctl(const char *key, const char *value)
{
    char path[512];
    int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
    for (char *p = path + 10; p < path + n; p++)
        if (*p == '.')
            *p = '/';
    write_file(path, value);
}

static void op_loopback(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        die_errno(errno, "loopback");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        die_errno(errno, "bring up lo");
    close(fd);
}

/*
 * terminal <console path, or "" for an exec>: the pty comes from the container's own devpts instance, so the
 * process sees itself on /dev/pts/N of its container (as with runc); the slave becomes its stdio and controlling
 * terminal and is bound onto /dev/console, and the master goes to the monitor.
 */
static void op_terminal(const struct plan *plan, const char *console)
{
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 && errno == ENOENT)
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        die_errno(errno, "open the pty master /dev/pts/ptmx");
    int unlock = 0, number;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &number) < 0)
        die_errno(errno, "unlock the pty");
    /* by the master's own devpts mount, never by a path the container could have replaced */
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        die_errno(errno, "open the pty slave");
    const struct record *size = plan_find(plan, "console_size");
    struct winsize ws = { .ws_row = size ? arg_num(size, 0) : 0, .ws_col = size ? arg_num(size, 1) : 0 };
    if (size && ioctl(master, TIOCSWINSZ, &ws) < 0)
        die_errno(errno, "set the console size");
    if (*console) {
        struct stat st;
        if (lstat(console, &st) < 0) {
            int fd = open(console, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0)
                die_errno(errno, "create %s", console);
            close(fd);
        }
        char source[64];
        snprintf(source, sizeof(source), "/proc/self/fd/%d", slave);
        if (mount(source, console, NULL, MS_BIND, NULL) < 0)
            die_errno(errno, "bind the pty onto %s", console);
    }
    if (setsid() < 0)
        die_errno(errno, "setsid");
    if (dup2(slave, STDIN_FILENO) < 0 || dup2(slave, STDOUT_FILENO) < 0 || dup2(slave, STDERR_FILENO) < 0)
        die_errno(errno, "make the pty stdio");
    close(slave);
    if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
        die_errno(errno, "make the pty the controlling terminal");
    char name[32];
    snprintf(name, sizeof(name), "/dev/pts/%d", number);
    if (send_fd(console_fd, master, name) < 0)
        die_errno(errno, "send the pty master to the monitor");
    close(master);
    close(console_fd);
    console_fd = -1;
    own_stdio = 1;
}

static void op_join_ns(const char *path, int type)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, type) < 0)
        die_errno(errno, "setns %s", path);
    close(fd);
}

/*
 * Stdio becomes the process's user's, as runc does: a non-root process may then reopen /dev/stdout, /dev/stdin or its
 * tty (the group stays: tty for a pty). /dev/null is left alone, and so is a pipe of a user namespace's unmapped owner.
 */
static void hand_stdio_to(uid_t uid)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0)
            die_errno(errno, "stat stdio %d", fd);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
            continue;
        if (fchown(fd, uid, -1) < 0 && errno != EPERM && errno != EINVAL)
            die_errno(errno, "chown stdio %d", fd);
    }
}

/* user <uid> <gid> <additional gid>...: keeps capabilities across setuid; the caps record then sets them. */
static void op_user(const struct record *r)
{
    gid_t groups[r->argc > 2 ? r->argc - 2 : 1];
    for (int i = 2; i < r->argc; i++)
        groups[i - 2] = arg_num(r, i);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        die_errno(errno, "keep capabilities");
    if (own_stdio)
        hand_stdio_to(arg_num(r, 0));
    if (setgroups(r->argc - 2, groups) < 0)
        die_errno(errno, "setgroups");
    if (setresgid(arg_num(r, 1), arg_num(r, 1), arg_num(r, 1)) < 0)
        die_errno(errno, "setgid %s", r->argv[1]);
    if (setresuid(arg_num(r, 0), arg_num(r, 0), arg_num(r, 0)) < 0)
        die_errno(errno, "setuid %s", r->argv[0]);
}

/* caps <effective> <permitted> <inheritable> <ambient>: 64-bit masks; bounding is dropped by its own record. */
static void op_caps(const struct record *r)
{
    unsigned long long eff = arg_num(r, 0), perm = arg_num(r, 1), inh = arg_num(r, 2), amb = arg_num(r, 3);
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = {
        { (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
        { (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
    };
    if (syscall(SYS_capset, &header, data) < 0)
        die_errno(errno, "capset");
    /* Every ambient capability is dropped first; one that is not also inheritable cannot be raised, which
     * runc (and so the runtime spec's own example config) treats as "not ambient", not as an error. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        die_errno(errno, "clear ambient capabilities");
    for (int cap = 0; cap < 64; cap++)
        if ((amb >> cap) & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
            die_errno(errno, "raise ambient capability %d", cap);
}

static void op_bounding(unsigned long long keep)
{
    for (int cap = 0; cap < 64; cap++) {
        if ((keep >> cap) & 1)
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) /* past the kernel's last capability */
                break;
            die_errno(errno, "drop capability %d", cap);
        }
    }
}

static void install_seccomp(const char *hex)
{
    size_t n = strlen(hex) / 2;
    struct sock_filter *filter = malloc(n);
    if (!filter)
        die_errno(ENOMEM, "seccomp");
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", (unsigned char *)filter + i);
    struct sock_fprog prog = { (unsigned short)(n / sizeof(struct sock_filter)), filter };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        die_errno(errno, "seccomp");
}

static const char *env_value(char **env, const char *name)
{
    size_t len = strlen(name);
    for (; env && *env; env++)
        if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
            return *env + len + 1;
    return NULL;
}

/* Resolves argv[0] like Go's exec.LookPath, so errors read like docker's. */
static const char *resolve(const char *name, char **env, char *buf, size_t size)
{
    struct stat st;
    if (strchr(name, '/')) {
        if (stat(name, &st) < 0)
            die_exec(errno, "exec: \"%s\": stat %s: %s", name, name, strerror(errno));
        return name;
    }
    const char *path = env_value(env, "PATH");
    while (path && *path) {
        const char *end = strchrnul(path, ':');
        int len = end - path;
        snprintf(buf, size, "%.*s%s%s", len, len ? path : ".", "/", name);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
            return buf;
        path = *end ? end + 1 : end;
    }
    die_exec(ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

void close_fds_except(const int *keep, int n)
{
    int sorted[16], count = 0;
    for (int i = 0; i < n && count < 16; i++) {
        if (keep[i] < 0)
            continue;
        int j = count++;
        for (; j > 0 && sorted[j - 1] > keep[i]; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = keep[i];
    }
    unsigned int next = 0;
    for (int i = 0; i < count; i++) {
        if ((unsigned int)sorted[i] > next)
            syscall(SYS_close_range, next, sorted[i] - 1, 0);
        next = sorted[i] + 1;
    }
    syscall(SYS_close_range, next, ~0U, 0);
}

/* The OCI create/start split: tell the monitor everything is ready, then wait for its start byte (EOF if it died). */
static void await_start(void)
{
    struct failure ready;
    memset(&ready, 0, sizeof(ready));
    snprintf(ready.step, sizeof(ready.step), "ready");
    if (write(error_fd, &ready, sizeof(ready)) != sizeof(ready))
        _exit(127);
    char c;
    ssize_t n;
    while ((n = read(start_fd, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        _exit(127);
    close(start_fd);
}

/*
 * --init: pid 1 stays this small loop: it forwards every signal it can catch to the real process, reaps
 * every zombie re-parented to it, and exits with the real process's status.
 */
static void run_init(pid_t child) __attribute__((noreturn));
static void run_init(pid_t child)
{
    close(error_fd); /* the child's copy reports its exec */
    sigset_t all;
    sigfillset(&all);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == child)
                _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
}

static void op_exec(const struct plan *plan, const struct record *r)
{
    if (r->argc < 1)
        die_errno(EINVAL, "plan: exec needs arguments");
    const struct record *env_rec = plan_find(plan, "env");
    char **env = env_rec ? env_rec->argv : (char *[]){ NULL };
    char buf[4096];
    const char *file = resolve(r->argv[0], env, buf, sizeof(buf));
    if (start_fd >= 0)
        await_start();
    /* Only the error pipe may survive (and it is close-on-exec); stdio is the container's own. */
    int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, error_fd };
    close_fds_except(keep, 4);
    if (plan_find(plan, "init")) {
        /* Signals are held from before the fork so none sent to pid 1 in between is lost. */
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* pid 1 reaps anyway; this covers a shared pid namespace */
        pid_t child = fork();
        if (child < 0)
            die_errno(errno, "fork the init's child");
        if (child > 0)
            run_init(child);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    execve(file, r->argv, env);
    if (errno == EACCES)
        die_exec(errno, "exec: \"%s\": permission denied", r->argv[0]);
    die_exec(errno, "exec: \"%s\": %s", r->argv[0], strerror(errno));
}

/*
 * The CVE-2024-21626 class: the working directory must be inside the container. No host fd is open by now,
 * and a cwd the kernel cannot express from the container's root (getcwd's "(unreachable)") is refused.
 */
static void op_cwd(const char *path)
{
    char buf[4096];
    if (chdir(path) < 0)
        die_errno(errno, "chdir to cwd %s", path);
    if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
        die_errno(errno ? errno : ENOENT, "cwd %s is outside the container", path);
}

static void run_record(const struct plan *plan, const struct record *r)
{
    const char *op = r->op;
    char **a = r->argv;
    if (!strcmp(op, "join_ns")) op_join_ns(a[0], arg_num(r, 1));
    else if (!strcmp(op, "unshare")) { if (unshare(arg_num(r, 0)) < 0) die_errno(errno, "unshare"); }
    else if (!strcmp(op, "propagation")) { if (mount(NULL, a[0], NULL, arg_num(r, 1), NULL) < 0) die_errno(errno, "set propagation of %s", a[0]); }
    else if (!strcmp(op, "mount")) op_mount(r);
    else if (!strcmp(op, "remount")) { if (mount(NULL, a[0], NULL, MS_REMOUNT | MS_BIND | arg_num(r, 1), NULL) < 0) die_errno(errno, "remount %s", a[0]); }
    else if (!strcmp(op, "mknod")) op_mknod(r);
    else if (!strcmp(op, "symlink")) { if (symlink(a[0], a[1]) < 0 && errno != EEXIST) die_errno(errno, "symlink %s", a[1]); }
    else if (!strcmp(op, "pivot_root")) op_pivot_root(a[0]);
    else if (!strcmp(op, "mask")) op_mask(a[0]);
    else if (!strcmp(op, "readonly")) op_readonly(a[0]);
    else if (!strcmp(op, "sysctl")) op_sysctl(a[0], a[1]);
    else if (!strcmp(op, "hostname")) { if (sethostname(a[0], strlen(a[0])) < 0) die_errno(errno, "sethostname"); }
    else if (!strcmp(op, "domainname")) { if (setdomainname(a[0], strlen(a[0])) < 0) die_errno(errno, "setdomainname"); }
    else if (!strcmp(op, "loopback")) op_loopback();
    else if (!strcmp(op, "umask")) umask(arg_num(r, 0));
    else if (!strcmp(op, "oom_score_adj")) write_file("/proc/self/oom_score_adj", a[0]);
    else if (!strcmp(op, "rlimit")) {
        struct rlimit lim = { (rlim_t)strtoull(a[1], NULL, 0), (rlim_t)strtoull(a[2], NULL, 0) };
        if (setrlimit(arg_num(r, 0), &lim) < 0) die_errno(errno, "setrlimit %s", a[0]);
    }
    else if (!strcmp(op, "bounding")) op_bounding(strtoull(a[0], NULL, 0));
    else if (!strcmp(op, "user")) op_user(r);
    else if (!strcmp(op, "caps")) op_caps(r);
    else if (!strcmp(op, "mkdir")) { if (mkdir_all(a[0], 0755) < 0) die_errno(errno, "mkdir %s", a[0]); }
    else if (!strcmp(op, "cwd")) op_cwd(a[0]);
    else if (!strcmp(op, "root")) rootfs = a[0];
    else if (!strcmp(op, "no_new_privs")) { if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno(errno, "no_new_privs"); }
    else if (!strcmp(op, "seccomp")) install_seccomp(a[0]);
    else if (!strcmp(op, "terminal")) op_terminal(plan, a[0]);
    else if (!strcmp(op, "exec")) op_exec(plan, r);
    /* Records the monitor uses, or that exec reads, are no steps here. */
    else if (!strcmp(op, "log") || !strcmp(op, "exit_file") || !strcmp(op, "clone_flags") || !strcmp(op, "pid_ns") || !strcmp(op, "join_cgroup") ||
             !strcmp(op, "uid_map") || !strcmp(op, "gid_map") || !strcmp(op, "env") || !strcmp(op, "oom_events") ||
             !strcmp(op, "stdio_inherit") || !strcmp(op, "wait_start") || !strcmp(op, "init") || !strcmp(op, "console_size") ||
             !strcmp(op, "open_stdin") || !strcmp(op, "control_socket") || !strcmp(op, "console_socket") || !strcmp(op, "log_rotate") ||
             !strcmp(op, "idmapped_overlay") || !strcmp(op, "stdio_owner")) return;
    else die_errno(EINVAL, "plan: unknown op %s", op);
}

void container_run(const struct plan *plan, int err_fd, int sync_fd, int start, int console, struct failure *f)
{
    error_fd = err_fd;
    start_fd = start;
    console_fd = console;
    own_stdio = !plan_find(plan, "stdio_inherit");
    failure = f;
    /* The monitor blocks SIGCHLD for its signalfd; a blocked mask would survive execve. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    char c;
    while (read(sync_fd, &c, 1) < 0 && errno == EINTR)
        ;
    close(sync_fd);
    /* In a new user namespace the child still has the host's ids, unmapped there: it becomes the namespace's root
     * (mapped by now), or files it creates would have no owner the namespace can express. */
    if (plan_find(plan, "uid_map") && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        die_errno(errno, "become root of the user namespace");
    for (int i = 0; i < plan->count; i++)
        run_record(plan, &plan->records[i]);
    die_errno(EINVAL, "plan: no exec record");
}
