/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-sim launcher: vdpath-sim [options] -- COMMAND [ARGS...]
 *
 * Checks the options, exports each as VDPATH_SIM_<NAME>, puts libvdpath-sim.so first in
 * LD_PRELOAD and execs COMMAND, which then sees /dev/vhost-vdpa-0..N-1.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#ifndef SIM_VERSION
#define SIM_VERSION "unknown"
#endif

#define SIM_LIB_NAME "libvdpath-sim.so"
#define EXIT_USAGE 2
#define EXIT_NOEXEC 127

static void
usage_print(FILE *f)
{
	const struct sim_opt_desc *d;
	char head[64];

	fprintf(f, "Usage: vdpath-sim [OPTIONS] -- COMMAND [ARGS...]\n"
		"Run COMMAND with simulated /dev/vhost-vdpa-N devices (the Linux 6.12 vhost-vdpa\n"
		"uAPI and a virtio-net device, served inside the process by %s).\n\n"
		"Options (each is also read from VDPATH_SIM_<NAME>, e.g. VDPATH_SIM_QUEUE_PAIRS):\n",
		SIM_LIB_NAME);
	for (d = sim_opt_table; d->name != NULL; d++) {
		snprintf(head, sizeof(head), "--%s %s", d->name, d->arg);
		fprintf(f, "  %-36s %s\n  %-36s   default: %s\n", head, d->help, "", d->def);
	}
	fprintf(f, "  %-36s %s\n  %-36s %s\n\n", "--help", "this text", "--version",
		"print the version");
	fprintf(f, "Environment: VDPATH_SIM_LIB overrides the path of %s.\n"
		"Exit status: COMMAND's; 2 for bad usage; 127 when COMMAND cannot be run.\n",
		SIM_LIB_NAME);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_fail(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
	exit(EXIT_USAGE);
}

static const struct sim_opt_desc *
opt_find(const char *name, size_t len)
{
	const struct sim_opt_desc *d;

	for (d = sim_opt_table; d->name != NULL; d++)
		if (strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

static void
opt_export(const char *name, const char *value)
{
	char var[64];

	sim_opts_env_name(name, var, sizeof(var));
	if (setenv(var, value, 1) < 0) {
		fprintf(stderr, "vdpath-sim: cannot set %s: %s\n", var, strerror(errno));
		exit(EXIT_USAGE);
	}
}

/* Parse argv up to "--"; returns the index of COMMAND. */
static int
args_parse(int argc, char **argv, struct sim_opts *o)
{
	char err[512];
	int i;

	for (i = 1; i < argc; i++) {
		const struct sim_opt_desc *d;
		const char *arg = argv[i], *value, *eq;

		if (strcmp(arg, "--") == 0) {
			if (i + 1 >= argc)
				usage_fail("vdpath-sim: missing COMMAND after '--' (usage: vdpath-sim "
					   "[OPTIONS] -- COMMAND [ARGS...])");
			return i + 1;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage_print(stdout);
			exit(0);
		}
		if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
			printf("vdpath-sim %s (Linux 6.12 vhost-vdpa uAPI)\n", SIM_VERSION);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0) {
			if (arg[0] == '-')
				usage_fail("vdpath-sim: unknown option '%s' (see vdpath-sim --help)",
					   arg);
			usage_fail("vdpath-sim: missing '--' before COMMAND '%s' (usage: "
				   "vdpath-sim [OPTIONS] -- COMMAND [ARGS...])", arg);
		}
		eq = strchr(arg + 2, '=');
		d = opt_find(arg + 2, eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (d == NULL)
			usage_fail("vdpath-sim: unknown option '%.*s' (see vdpath-sim --help)",
				   eq != NULL ? (int)(eq - arg) : (int)strlen(arg), arg);
		if (eq != NULL) {
			value = eq + 1;
		} else {
			if (i + 1 >= argc || strcmp(argv[i + 1], "--") == 0)
				usage_fail("vdpath-sim: --%s: needs a value %s", d->name, d->arg);
			value = argv[++i];
		}
		if (sim_opts_set(o, d->name, value, err, sizeof(err)) < 0)
			usage_fail("%s", err);
		opt_export(d->name, value);
	}
	usage_fail("vdpath-sim: missing '-- COMMAND' (usage: vdpath-sim [OPTIONS] -- COMMAND "
		   "[ARGS...])");
}

static int
lib_try(const char *path)
{
	return access(path, R_OK) == 0 ? 0 : -1;
}

/* VDPATH_SIM_LIB, else next to this executable, else the install libdir. */
static void
lib_find(char *out, size_t len)
{
	const char *env = getenv("VDPATH_SIM_LIB");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		if (lib_try(env) < 0) {
			fprintf(stderr, "vdpath-sim: VDPATH_SIM_LIB=%s: %s\n", env, strerror(errno));
			exit(EXIT_NOEXEC);
		}
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(out, len, "%s/%s", dirname(exe), SIM_LIB_NAME);
		if (lib_try(out) == 0)
			return;
	}
#ifdef SIM_LIBDIR
	snprintf(out, len, "%s/%s", SIM_LIBDIR, SIM_LIB_NAME);
	if (lib_try(out) == 0)
		return;
#endif
	fprintf(stderr, "vdpath-sim: cannot find %s next to the launcher%s; set VDPATH_SIM_LIB "
		"to its path\n", SIM_LIB_NAME,
#ifdef SIM_LIBDIR
		" or in " SIM_LIBDIR
#else
		""
#endif
		);
	exit(EXIT_NOEXEC);
}

static void
preload_set(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t len = strlen(lib) + (old != NULL ? strlen(old) : 0) + 8;
	char *val;

#ifdef SIM_ASAN_RUNTIME
	/* A sanitized preload library only loads when the ASan runtime comes first. */
	len += strlen(SIM_ASAN_RUNTIME);
#endif
	val = malloc(len);
	if (val == NULL) {
		fprintf(stderr, "vdpath-sim: out of memory building LD_PRELOAD\n");
		exit(EXIT_NOEXEC);
	}
	val[0] = '\0';
#ifdef SIM_ASAN_RUNTIME
	strcat(val, SIM_ASAN_RUNTIME);
	strcat(val, ":");
#endif
	strcat(val, lib);
	if (old != NULL && old[0] != '\0') {
		strcat(val, ":");
		strcat(val, old);
	}
	if (setenv("LD_PRELOAD", val, 1) < 0) {
		fprintf(stderr, "vdpath-sim: cannot set LD_PRELOAD: %s\n", strerror(errno));
		exit(EXIT_NOEXEC);
	}
	free(val);
}

int
main(int argc, char **argv)
{
	char lib[PATH_MAX + 32];
	char err[512];
	int cmd;

	sim_opts_defaults(&sim_opts);
	/* Variables already in the environment reach the library too: check them first. */
	if (sim_opts_from_env(&sim_opts, err, sizeof(err)) < 0)
		usage_fail("%s", err);
	cmd = args_parse(argc, argv, &sim_opts);
	if (sim_opts_finalize(&sim_opts, err, sizeof(err)) < 0)
		usage_fail("%s", err);
	lib_find(lib, sizeof(lib));
	preload_set(lib);
	execvp(argv[cmd], &argv[cmd]);
	fprintf(stderr, "vdpath-sim: cannot run '%s': %s\n", argv[cmd], strerror(errno));
	return EXIT_NOEXEC;
}
