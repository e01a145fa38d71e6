/*
 * attune-agent: the static entrypoint of the agent bundle (no shell, no libc needed in the image).
 *
 *  - init duties: forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the agent, reaps every
 *    orphan (PR_SET_CHILD_SUBREAPER, so this also holds when it is not PID 1), and when the agent
 *    dies, kills whatever it left behind (each action runs in its own process group).
 *  - env scrub: the image's LD_*, NODE_*, GLIBC_TUNABLES, ... must not reach our node (an image's
 *    NODE_OPTIONS=--require=... kills it, LD_LIBRARY_PATH would load the image's libc). They are
 *    removed for node and handed over in ATTUNE_AGENT_ORIGINAL_ENV_JSON ({"NAME": "value" | null});
 *    the agent restores them for the actions it spawns.
 *  - optional privilege drop: --user=UID:GID, only honoured when started as root. The agent's
 *    PR_SET_PDEATHSIG is set after the drop (a credential change clears it).
 *  - secrets: the agent's credentials (ATTUNE_TEMPORAL_CODEC_KEYS, TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_KEY_DATA …:
 *    ATTUNE_* / TEMPORAL_* names ending in KEY, KEYS, KEY_DATA, TOKEN, TOKENS, PASSWORD or SECRET, and the OTLP
 *    exporter's headers) never reach
 *    node's environment block: node gets them as JSON on a pipe (ATTUNE_AGENT_SECRETS_FD), reads it and closes it.
 *    The launcher wipes them from its own environment block and makes itself non-dumpable, and node is made
 *    non-dumpable by lib/attune-nodump.so: an action of the same uid reads none of them from /proc.
 *
 * Built with musl-gcc -static by `attune-temporal bundle`; the bundle lives at AGENT_DIR.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AGENT_DIR
#define AGENT_DIR "/opt/attune/agent"
#endif

extern char **environ;

static const char *const SCRUB_PREFIXES[] = {"LD_", "NODE_", "UV_", "MALLOC_", NULL};
static const char *const SCRUB_NAMES[] = {"GLIBC_TUNABLES", "GCONV_PATH", "LOCPATH", "SSL_CERT_FILE", "SSL_CERT_DIR", NULL};
static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, 0};

/* The secret-name rules; the same lists are in activities/agent/secret-names.ts (test/unit/secret-names.test.ts
   compares them). */
static const char *const SECRET_PREFIXES[] = {"ATTUNE_", "TEMPORAL_", NULL};
static const char *const SECRET_SUFFIXES[] = {"_KEY", "_KEYS", "_KEY_DATA", "_TOKEN", "_TOKENS", "_PASSWORD", "_SECRET", NULL};

/* Credentials outside the ATTUNE_/TEMPORAL_ names: the OTLP exporter's headers (a collector's token). */
static const char *const SECRET_NAMES[] = {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", NULL};

/* One of the agent's own credentials: handed to node on a pipe, never in its environment. */
static int secret(const char *entry) {
  const char *eq = strchr(entry, '=');
  if (!eq) return 0;
  size_t len = (size_t)(eq - entry);
  for (int i = 0; SECRET_NAMES[i]; i++)
    if (strlen(SECRET_NAMES[i]) == len && !strncmp(entry, SECRET_NAMES[i], len)) return 1;
  int prefixed = 0;
  for (int i = 0; SECRET_PREFIXES[i]; i++)
    if (!strncmp(entry, SECRET_PREFIXES[i], strlen(SECRET_PREFIXES[i]))) prefixed = 1;
  if (!prefixed) return 0;
  for (int i = 0; SECRET_SUFFIXES[i]; i++) {
    size_t sl = strlen(SECRET_SUFFIXES[i]);
    if (len > sl && !strncmp(entry + len - sl, SECRET_SUFFIXES[i], sl)) return 1;
  }
  return 0;
}

static int scrubbed(const char *entry) {
  const char *eq = strchr(entry, '=');
  size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
  for (int i = 0; SCRUB_PREFIXES[i]; i++)
    if (!strncmp(entry, SCRUB_PREFIXES[i], strlen(SCRUB_PREFIXES[i]))) return 1;
  for (int i = 0; SCRUB_NAMES[i]; i++)
    if (strlen(SCRUB_NAMES[i]) == len && !strncmp(entry, SCRUB_NAMES[i], len)) return 1;
  return 0;
}

struct buf { char *data; size_t len, cap; };

static void put(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap) b->cap = b->cap * 2 + 64;
    b->data = realloc(b->data, b->cap);
    if (!b->data) { perror("attune-agent: realloc"); exit(127); }
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void puts_raw(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* s[0..n) as a JSON string literal. */
static void put_json_string(struct buf *b, const char *s, size_t n) {
  puts_raw(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; put(b, esc, 2); }
    else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); puts_raw(b, esc); }
    else put(b, (const char *)&c, 1);
  }
  puts_raw(b, "\"");
}

/* `{"NAME":"value",...}` of the secret entries, for the pipe. */
static struct buf secrets_json(void) {
  struct buf json = {0};
  puts_raw(&json, "{");
  int first = 1;
  for (size_t i = 0; environ[i]; i++) {
    if (!secret(environ[i])) continue;
    const char *eq = strchr(environ[i], '=');
    if (!first) puts_raw(&json, ",");
    first = 0;
    put_json_string(&json, environ[i], (size_t)(eq - environ[i]));
    puts_raw(&json, ":");
    put_json_string(&json, eq + 1, strlen(eq + 1));
  }
  puts_raw(&json, "}");
  return json;
}

/* Overwrites the secret values in our own environment block (what /proc/<pid>/environ shows). */
static void wipe_secrets(void) {
  for (size_t i = 0; environ[i]; i++) {
    if (!secret(environ[i])) continue;
    char *eq = strchr(environ[i], '=');
    memset(eq + 1, 0, strlen(eq + 1));
  }
}

/* The environment node gets; what was taken away is recorded in ATTUNE_AGENT_ORIGINAL_ENV_JSON. */
static char **agent_environment(int secrets_fd) {
  size_t n = 0;
  while (environ[n]) n++;
  char **env = calloc(n + 6, sizeof(char *));
  if (!env) { perror("attune-agent: calloc"); exit(127); }
  struct buf json = {0};
  puts_raw(&json, "ATTUNE_AGENT_ORIGINAL_ENV_JSON={");
  int first = 1, had_ssl_cert_file = 0, had_ld_preload = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!strncmp(environ[i], "ATTUNE_AGENT_ORIGINAL_ENV_JSON=", 31) || !strncmp(environ[i], "ATTUNE_AGENT_SECRETS_FD=", 24)) continue;
    if (secret(environ[i])) continue;
    if (!scrubbed(environ[i])) { env[k++] = environ[i]; continue; }
    const char *eq = strchr(environ[i], '=');
    if (!eq) continue;
    if (!strncmp(environ[i], "SSL_CERT_FILE=", 14)) had_ssl_cert_file = 1;
    if (!strncmp(environ[i], "LD_PRELOAD=", 11)) had_ld_preload = 1;
    if (!first) puts_raw(&json, ",");
    first = 0;
    put_json_string(&json, environ[i], (size_t)(eq - environ[i]));
    puts_raw(&json, ":");
    put_json_string(&json, eq + 1, strlen(eq + 1));
  }
  /* Not set by the image: ours is set for node and must be unset again for the actions. */
  if (!had_ssl_cert_file) { puts_raw(&json, first ? "\"SSL_CERT_FILE\":null" : ",\"SSL_CERT_FILE\":null"); first = 0; }
  if (!had_ld_preload) puts_raw(&json, first ? "\"LD_PRELOAD\":null" : ",\"LD_PRELOAD\":null");
  puts_raw(&json, "}");
  env[k++] = json.data;
  /* Our CA bundle for the agent's own TLS (Temporal Cloud); scratch and busybox images have none. */
  env[k++] = "SSL_CERT_FILE=" AGENT_DIR "/certs/ca-certificates.crt";
  /* Non-dumpable from its first instruction (see nodump.c). */
  env[k++] = "LD_PRELOAD=" AGENT_DIR "/lib/attune-nodump.so";
  if (secrets_fd >= 0) {
    static char fd_entry[48];
    snprintf(fd_entry, sizeof fd_entry, "ATTUNE_AGENT_SECRETS_FD=%d", secrets_fd);
    env[k++] = fd_entry;
  }
  env[k] = NULL;
  return env;
}

/* Writes all of `b` to `fd` (the agent reads the pipe while we write). */
static void write_all(int fd, const struct buf *b) {
  size_t off = 0;
  while (off < b->len) {
    ssize_t w = write(fd, b->data + off, b->len - off);
    if (w < 0) { if (errno == EINTR) continue; perror("attune-agent: handing secrets to the agent"); return; }
    off += (size_t)w;
  }
}

static void drop_privileges(const char *spec) {
  unsigned long uid, gid;
  char *end;
  uid = strtoul(spec, &end, 10);
  if (end == spec || *end != ':') { fprintf(stderr, "attune-agent: --user wants UID:GID, got '%s'\n", spec); _exit(2); }
  const char *g = end + 1;
  gid = strtoul(g, &end, 10);
  if (end == g || *end) { fprintf(stderr, "attune-agent: --user wants UID:GID, got '%s'\n", spec); _exit(2); }
  if (getuid() != 0) return; /* already non-root (runAsUser): nothing to drop */
  if (setgroups(0, NULL) || setgid((gid_t)gid) || setuid((uid_t)uid)) { perror("attune-agent: dropping to --user"); _exit(2); }
}

/* Kills what the agent left behind: every process reparented to us, with its whole process group. */
static int kill_leftovers(pid_t self) {
  int found = 0;
  DIR *proc = opendir("/proc");
  if (!proc) {
    /* No /proc: as PID 1 we may kill everything in our namespace; otherwise only our own group. */
    if (self == 1) { kill(-1, SIGKILL); return 1; }
    return 0;
  }
  struct dirent *de;
  while ((de = readdir(proc))) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self) continue;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t r = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[r] = 0;
    char *rp = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
    if (!rp) continue;
    char state;
    long ppid, pgrp;
    if (sscanf(rp + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3 || ppid != self || state == 'Z') continue;
    found = 1;
    if (pgrp > 1 && pgrp != getpgrp()) kill(-(pid_t)pgrp, SIGKILL);
    kill((pid_t)pid, SIGKILL);
  }
  closedir(proc);
  return found;
}

static int reap(pid_t agent, int *agent_status, int *agent_done) {
  int status, any = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    any = 1;
    if (pid == agent) { *agent_status = status; *agent_done = 1; }
  }
  return any;
}

int main(int argc, char **argv) {
  const char *user = NULL;
  char **args = calloc((size_t)argc + 3, sizeof(char *));
  if (!args) return 127;
  int a = 0;
  args[a++] = AGENT_DIR "/bin/node";
  args[a++] = AGENT_DIR "/agent.js";
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--user=", 7)) user = argv[i] + 7;
    else args[a++] = argv[i];
  }
  args[a] = NULL;
  /* Nobody of our uid may read our memory or /proc entries (the secrets were in our environment block). */
  prctl(PR_SET_DUMPABLE, 0);
  struct buf secrets = secrets_json();
  int pipe_fds[2] = {-1, -1};
  if (secrets.len > 2 && pipe2(pipe_fds, O_CLOEXEC)) { perror("attune-agent: pipe"); return 127; }
  char **env = agent_environment(pipe_fds[0]);

  pid_t self = getpid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);

  pid_t agent = fork();
  if (agent < 0) { perror("attune-agent: fork"); return 127; }
  if (agent == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (user) drop_privileges(user);
    /* The launcher gone (SIGKILL): the agent goes too. Set after the drop: a change of uid/gid clears
       the parent-death signal (prctl(2)), so set before it, it would be lost with --user. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL)) { perror("attune-agent: PR_SET_PDEATHSIG"); _exit(127); }
    /* The launcher may have died before that took effect (the signal is then never sent): we were
       reparented, so give up rather than run unsupervised. */
    if (getppid() != self) _exit(127);
    /* The secrets' read end survives the exec (node closes it after reading); the write end does not. */
    if (pipe_fds[0] >= 0 && fcntl(pipe_fds[0], F_SETFD, 0)) { perror("attune-agent: secrets pipe"); _exit(127); }
    execve(args[0], args, env);
    fprintf(stderr, "attune-agent: cannot start %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }

  if (pipe_fds[0] >= 0) {
    close(pipe_fds[0]);
    write_all(pipe_fds[1], &secrets);
    close(pipe_fds[1]);
  }
  memset(secrets.data, 0, secrets.len);
  wipe_secrets();

  int agent_status = 0, agent_done = 0;
  for (;;) {
    struct timespec tick = {1, 0};
    siginfo_t info;
    int sig = sigtimedwait(&all, &info, &tick);
    if (sig > 0 && sig != SIGCHLD) {
      for (int i = 0; FORWARDED[i]; i++)
        if (FORWARDED[i] == sig) kill(agent, sig);
    }
    reap(agent, &agent_status, &agent_done);
    if (agent_done) break;
  }
  /* The agent is gone: its actions must not outlive it. Keep killing and reaping until nothing is left. */
  for (int round = 0; round < 200; round++) {
    int left = kill_leftovers(self);
    reap(agent, &agent_status, &agent_done);
    if (!left && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) break;
    struct timespec pause = {0, 25 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (WIFEXITED(agent_status)) return WEXITSTATUS(agent_status);
  if (WIFSIGNALED(agent_status)) return 128 + WTERMSIG(agent_status);
  return 1;
}
