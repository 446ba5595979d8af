/*
 * daemon.c - the worker pool, its signals, reloads and stop (daemon.h).
 *
 * What a configuration gives (core, plugins, policies, GeoIP data) is one
 * runtime; workers read the current runtime when they claim a job, and a
 * reload swaps it only while no job runs, so a runtime is never freed
 * under a worker and plugins are (re)initialised while none of their
 * functions is being called.  The main thread never waits for that: a
 * loaded configuration is held as pending, claims pause, and the main
 * loop goes on reading signals and renewing leases until the last running
 * job ends (its worker pokes the eventfd), then swaps.  A SIGTERM
 * meanwhile drops the pending runtime and stops.
 */
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/core.h"
#include "policy/geoip.h"
#include "policy/pack.h"
#include "sched/daemon.h"
#include "sched/exec.h"
#include "sched/lock.h"
#include "sched/sched.h"

#define SUBSYS "daemon"

struct runtime {
	cp_core *core;
	cp_policy_set *set;
	cp_geoip *geoip;
	struct cp_job_ctx ctx;
	struct cp_sched_opts so;	/* owner set per worker */
	unsigned workers;
};

struct daemon;

struct worker {
	struct daemon *d;
	unsigned idx;
	pthread_t th;
	int started;
	char owner[160];
	int busy;			/* under d->mu */
	struct cp_job job;		/* under d->mu while busy */
};

struct daemon {
	const struct cp_daemon_opts *o;
	struct runtime *rt;
	struct runtime *pending;	/* main thread: loaded, not applied */
	char state_dir[4096];
	int detached;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* workers: gen, paused, stopping */
	pthread_cond_t idle_cv;		/* main: running dropped */
	unsigned long gen;
	int stopping;
	int paused;
	unsigned running;		/* workers claiming or running */
	struct worker *w;
	unsigned nw;
	int evfd;
	int sigfd;
	cp_store *st;			/* the main thread's connection */
};

static cp_log *
dlog(struct daemon *d)
{
	return cp_core_log(d->rt->core);
}

static void
log_diag(cp_log *log, const struct cp_diag *diag, int level)
{
	size_t i;

	for (i = 0; i < diag->n; i++)
		cp_log_msg(log, level, SUBSYS, "%s", diag->lines[i]);
}

static void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	cp_policy_set_free(rt->set);
	cp_geoip_free(rt->geoip);
	cp_core_destroy(rt->core);
	free(rt);
}

/*
 * Loads the configuration, the policy packs and the GeoIP data: all that
 * can be checked without touching plugins.  Problems go to diag.
 */
static cp_err
runtime_config(const char *path, int detached, struct runtime **out,
    struct cp_diag *diag)
{
	const struct cp_config *cfg;
	struct runtime *rt;
	char why[512];
	cp_err r;

	*out = NULL;
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return CP_E_NOMEM;
	r = cp_core_create(path, diag, &rt->core);
	if (r != CP_OK) {
		free(rt);
		return r;
	}
	cfg = cp_core_config(rt->core);
	if (detached)
		cp_log_set_target(cp_core_log(rt->core), CP_LOG_TO_SYSLOG);
	r = cp_policy_set_load((const char *const *)cfg->policy_dirs,
	    &rt->set, diag);
	if (r == CP_OK && (cfg->geoip_ipv4 != NULL ||
	    cfg->geoip_ipv6 != NULL) && cp_geoip_load(cfg->geoip_ipv4,
	    cfg->geoip_ipv6, &rt->geoip, why, sizeof(why)) != CP_OK) {
		cp_diag_error(diag, NULL, 0, "geoip: %s", why);
		r = CP_E_CONFIG;
	}
	if (r != CP_OK) {
		runtime_free(rt);
		return r;
	}
	rt->workers = (unsigned)cfg->workers;
	rt->so.scale = (unsigned)cfg->schedule_scale;
	rt->so.cloud_limit = cfg->cloud_concurrency > 0 ?
	    (unsigned)cfg->cloud_concurrency : (rt->workers + 1) / 2;
	rt->ctx.set = rt->set;
	rt->ctx.geoip = rt->geoip;
	rt->ctx.state_dir = cfg->state_dir;
	rt->ctx.remediation_ceiling = (unsigned)cfg->remediation_ceiling;
	rt->ctx.log = cp_core_log(rt->core);
	rt->ctx.cancel = cp_core_cancel_flag(rt->core);
	*out = rt;
	return CP_OK;
}

/* Loads and starts the plugins of rt.  CP_E_CONFIG: some are off. */
static cp_err
runtime_plugins(struct runtime *rt, struct cp_diag *diag)
{
	cp_registry *reg = NULL;
	cp_err r;

	r = cp_core_plugins(rt->core, diag, &reg);
	rt->ctx.reg = reg;
	return reg == NULL && r == CP_OK ? CP_E_PLUGIN : r;
}

/* Wakes the main thread (a job ended: capacity or the table changed). */
static void
poke_main(struct daemon *d)
{
	uint64_t one = 1;

	(void)!write(d->evfd, &one, sizeof(one));
}

static void
run_one(struct daemon *d, struct runtime *rt, cp_store *st,
    const struct cp_job *job, int reclaimed)
{
	cp_log *log = cp_core_log(rt->core);
	struct timespec t0, t1;
	char why[1024];
	double secs;
	int result, level;
	cp_err r, rc;

	if (reclaimed)
		cp_log_msg(log, CP_LOG_WARNING, SUBSYS, "job %s: taken over "
		    "from a claimer whose lease ran out", job->key);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = cp_job_run(&rt->ctx, st, job, time(NULL), &result, why,
	    sizeof(why));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r == CP_E_CANCELLED) {
		rc = cp_sched_release(st, job, time(NULL), "cancelled: the "
		    "daemon stopped; the period runs at the next start");
		cp_log_msg(log, CP_LOG_INFO, SUBSYS, "job %s cancelled after "
		    "%.1f s; its period stays due%s", job->key, secs,
		    rc == CP_OK ? "" : " (its lease runs out)");
		return;
	}
	rc = cp_sched_complete(st, job, time(NULL), result, why);
	level = result == CP_JOB_ERROR ? CP_LOG_WARNING :
	    job->kind == CP_JOB_DELIVER || result == CP_JOB_UNAVAILABLE ?
	    CP_LOG_DEBUG : CP_LOG_INFO;
	cp_log_msg(log, level, SUBSYS, "job %s %s in %.1f s: %s", job->key,
	    result == CP_JOB_OK ? "done" : result == CP_JOB_UNAVAILABLE ?
	    "not available" : "failed", secs, why);
	if (rc != CP_OK)
		cp_log_msg(log, CP_LOG_WARNING, SUBSYS, "job %s: not recorded: "
		    "%s", job->key, cp_store_errmsg(st));
	(void)d;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct daemon *d = w->d;
	unsigned long seen = 0;
	cp_store *st = NULL;
	cp_err r;

	r = cp_store_open(d->state_dir, 0, &st);
	if (r != CP_OK) {
		pthread_mutex_lock(&d->mu);
		cp_log_msg(dlog(d), CP_LOG_ERROR, SUBSYS, "worker %u: %s",
		    w->idx, cp_store_errmsg(st));
		pthread_mutex_unlock(&d->mu);
		cp_store_close(st);
		return NULL;
	}
	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->stopping && (d->paused || d->gen == seen))
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stopping)
			break;
		seen = d->gen;
		/* Claim until nothing is due. */
		while (!d->stopping && !d->paused) {
			struct runtime *rt = d->rt;
			struct cp_sched_opts so = rt->so;
			struct cp_job job;
			int reclaimed = 0;

			so.owner = w->owner;
			d->running++;
			pthread_mutex_unlock(&d->mu);
			r = cp_sched_claim(st, time(NULL), &so, &job,
			    &reclaimed);
			if (r == CP_OK) {
				pthread_mutex_lock(&d->mu);
				w->job = job;
				w->busy = 1;
				pthread_mutex_unlock(&d->mu);
				run_one(d, rt, st, &job, reclaimed);
			} else if (r != CP_E_NOTFOUND) {
				cp_log_msg(cp_core_log(rt->core),
				    CP_LOG_WARNING, SUBSYS, "worker %u: %s",
				    w->idx, cp_store_errmsg(st));
			}
			/* Nothing more due: let go of the page cache while
			 * waiting (an idle daemon stays small). */
			if (r != CP_OK)
				(void)sqlite3_db_release_memory(cp_store_db(st));
			pthread_mutex_lock(&d->mu);
			w->busy = 0;
			d->running--;
			pthread_cond_broadcast(&d->idle_cv);
			/* A job ended, or the last claimer of a pause left: the
			 * main thread looks again (a pending reload waits for
			 * this). */
			if (r == CP_OK || (d->paused && d->running == 0))
				poke_main(d);
			if (r != CP_OK)
				break;
		}
	}
	pthread_mutex_unlock(&d->mu);
	cp_store_close(st);
	return NULL;
}

/* Lets the workers look for due jobs. */
static void
kick(struct daemon *d)
{
	pthread_mutex_lock(&d->mu);
	d->gen++;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* Extends the leases of the jobs running in this process. */
static void
renew_leases(struct daemon *d)
{
	struct cp_sched_opts so;
	struct cp_job job;
	unsigned i;
	int busy;

	for (i = 0; i < d->nw; i++) {
		pthread_mutex_lock(&d->mu);
		busy = d->w[i].busy;
		job = d->w[i].job;
		so = d->rt->so;
		pthread_mutex_unlock(&d->mu);
		if (busy && cp_sched_renew(d->st, &job, time(NULL), &so) !=
		    CP_OK)
			cp_log_msg(dlog(d), CP_LOG_WARNING, SUBSYS, "job %s: "
			    "%s", job.key, cp_store_errmsg(d->st));
	}
}

static void
sync_table(struct daemon *d)
{
	struct cp_sched_opts so = d->rt->so;
	size_t changed = 0;

	so.owner = "";
	if (cp_sched_sync(d->st, time(NULL), &so, &changed) != CP_OK)
		cp_log_msg(dlog(d), CP_LOG_WARNING, SUBSYS, "syncing the job "
		    "table: %s", cp_store_errmsg(d->st));
	else if (changed > 0)
		cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "job table: %zu "
		    "job(s) added or changed", changed);
}

/* Waits on idle_cv until no worker runs or the deadline passes. */
static void
wait_idle(struct daemon *d, time_t deadline)
{
	struct timespec ts;

	while (d->running > 0 && time(NULL) < deadline) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&d->idle_cv, &d->mu, &ts);
	}
}

/* SIGTERM: returns 0 when every worker ended, -1 when some are stuck. */
static int
stop(struct daemon *d)
{
	unsigned i, running;
	int stuck;

	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	pthread_cond_broadcast(&d->cv);
	running = d->running;
	pthread_mutex_unlock(&d->mu);
	cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "stopping: no new jobs; "
	    "waiting up to %d s for %u running", CP_DAEMON_GRACE, running);
	pthread_mutex_lock(&d->mu);
	wait_idle(d, time(NULL) + CP_DAEMON_GRACE);
	if (d->running > 0) {
		cp_log_msg(dlog(d), CP_LOG_WARNING, SUBSYS, "cancelling %u "
		    "job(s) still running", d->running);
		*cp_core_cancel_flag(d->rt->core) = 1;
		wait_idle(d, time(NULL) + CP_DAEMON_CANCEL_GRACE);
	}
	stuck = d->running > 0;
	pthread_mutex_unlock(&d->mu);
	if (stuck) {
		cp_log_msg(dlog(d), CP_LOG_ERROR, SUBSYS, "%u job(s) did not "
		    "stop; exiting anyway (their leases run out)",
		    d->running);
		return -1;
	}
	for (i = 0; i < d->nw; i++)
		if (d->w[i].started)
			pthread_join(d->w[i].th, NULL);
	return 0;
}

/*
 * SIGHUP: loads the new configuration; one that loads whole becomes the
 * pending runtime and new claims pause until apply_pending() can swap it
 * in.  Never waits for running jobs.  A SIGHUP while one is pending
 * replaces it (the file read last wins).
 */
static void
reload(struct daemon *d)
{
	struct runtime *nrt = NULL;
	struct cp_diag diag;
	const char *refusal = NULL;
	cp_err r;

	cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "SIGHUP: reloading the "
	    "configuration");
	cp_diag_init(&diag);
	r = runtime_config(d->o->config_path, d->detached, &nrt, &diag);
	if (r != CP_OK)
		refusal = r == CP_E_CONFIG ? "the configuration has errors" :
		    cp_strerror(r);
	else if (diag.errors > 0)
		refusal = "the policy packs have errors";
	else if (strcmp(cp_core_config(nrt->core)->state_dir,
	    d->state_dir) != 0)
		refusal = "state_dir cannot change while the daemon runs "
		    "(restart it)";
	if (refusal != NULL) {
		log_diag(dlog(d), &diag, CP_LOG_ERROR);
		cp_log_msg(dlog(d), CP_LOG_ERROR, SUBSYS, "reload refused: %s; "
		    "the running configuration stays", refusal);
		runtime_free(nrt);
		cp_diag_free(&diag);
		return;
	}
	log_diag(cp_core_log(nrt->core), &diag, CP_LOG_WARNING);
	cp_diag_free(&diag);
	runtime_free(d->pending);
	d->pending = nrt;
	pthread_mutex_lock(&d->mu);
	d->paused = 1;
	if (d->running > 0)
		cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "the new "
		    "configuration applies once %u running job(s) end; no "
		    "new job starts meanwhile", d->running);
	pthread_mutex_unlock(&d->mu);
}

/*
 * Applies the pending runtime once no job runs (plugins start only while
 * none of them works); the old one stays when its plugins do not start.
 * Returns whether it was applied or refused (no longer pending).
 */
static int
apply_pending(struct daemon *d)
{
	struct runtime *nrt = d->pending, *old = NULL;
	struct cp_diag diag;
	int idle;

	if (nrt == NULL)
		return 0;
	pthread_mutex_lock(&d->mu);
	idle = d->running == 0;
	pthread_mutex_unlock(&d->mu);
	if (!idle)
		return 0;
	d->pending = NULL;
	cp_diag_init(&diag);
	if (runtime_plugins(nrt, &diag) != CP_OK) {
		log_diag(dlog(d), &diag, CP_LOG_ERROR);
		cp_log_msg(dlog(d), CP_LOG_ERROR, SUBSYS, "reload refused: the "
		    "plugin configuration has errors; the running "
		    "configuration stays");
		runtime_free(nrt);
		nrt = NULL;
	} else {
		log_diag(cp_core_log(nrt->core), &diag, CP_LOG_WARNING);
		if (nrt->workers != d->nw)
			cp_log_msg(cp_core_log(nrt->core), CP_LOG_WARNING,
			    SUBSYS, "workers = %u takes effect at the next "
			    "start; %u keep running", nrt->workers, d->nw);
	}
	cp_diag_free(&diag);
	pthread_mutex_lock(&d->mu);
	if (nrt != NULL) {
		old = d->rt;
		d->rt = nrt;
	}
	d->paused = 0;
	d->gen++;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	if (old != NULL) {
		runtime_free(old);
		cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "configuration "
		    "reloaded");
	}
	sync_table(d);
	return 1;
}

static int
main_loop(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct pollfd pf[2];
	time_t now, wake, next_sync = 0, next_renew = 0, wait;
	unsigned scale = d->rt->so.scale > 1 ? d->rt->so.scale : 1;
	time_t sync_every = CP_DAEMON_SYNC / scale > 0 ?
	    CP_DAEMON_SYNC / scale : 1;
	time_t renew_every = CP_SCHED_LEASE / 3;
	uint64_t v;
	int ran = 0;
	cp_err r;

	for (;;) {
		(void)apply_pending(d);
		now = time(NULL);
		if (now >= next_sync) {
			sync_table(d);
			next_sync = now + sync_every;
		}
		if (now >= next_renew) {
			renew_leases(d);
			next_renew = now + renew_every;
		}
		wait = next_sync - now;
		r = cp_sched_next_wake(d->st, now, &wake);
		if (r == CP_OK && wake <= now) {
			/* Due now: the workers claim; if it stays due (all
			 * busy, or its cloud at its limit) look again when
			 * a job ends, or in a second. */
			kick(d);
			wait = 1;
		} else if (r == CP_OK && wake - now < wait) {
			wait = wake - now;
		} else if (r != CP_OK && r != CP_E_NOTFOUND) {
			cp_log_msg(dlog(d), CP_LOG_WARNING, SUBSYS, "%s",
			    cp_store_errmsg(d->st));
			wait = 5;
		}
		if (d->running > 0 && next_renew - now < wait)
			wait = next_renew - now;
		if (wait < 1)
			wait = 1;
#ifdef __GLIBC__
		/* Going to sleep after work: give the workers' malloc arenas
		 * back, so an idle daemon is small. */
		if (ran && wait >= 5 && d->running == 0) {
			(void)sqlite3_db_release_memory(cp_store_db(d->st));
			malloc_trim(0);
			ran = 0;
		}
#endif
		pf[0].fd = d->sigfd;
		pf[0].events = POLLIN;
		pf[1].fd = d->evfd;
		pf[1].events = POLLIN;
		if (poll(pf, 2, (int)(wait > 86400 ? 86400 : wait) * 1000) <
		    0 && errno != EINTR)
			return -1;
		if (pf[1].revents & POLLIN) {
			(void)!read(d->evfd, &v, sizeof(v));
			ran = 1;
		}
		if ((pf[0].revents & POLLIN) == 0 ||
		    read(d->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(d);
			continue;
		}
		if (d->pending != NULL) {
			runtime_free(d->pending);
			d->pending = NULL;
			cp_log_msg(dlog(d), CP_LOG_INFO, SUBSYS, "the pending "
			    "reload is dropped: stopping");
		}
		return stop(d);
	}
}

/* Tells the waiting parent (detached) or stderr how the start went. */
static void
report(int fd, const char *msg)
{
	if (fd < 0) {
		if (msg != NULL)
			fprintf(stderr, "cloudpatrol: %s\n", msg);
		return;
	}
	if (msg == NULL)
		msg = "";
	(void)!write(fd, msg, strlen(msg));
	close(fd);
}

static int
start_workers(struct daemon *d)
{
	unsigned i;

	d->nw = d->rt->workers;
	d->w = calloc(d->nw, sizeof(*d->w));
	if (d->w == NULL)
		return -1;
	for (i = 0; i < d->nw; i++) {
		d->w[i].d = d;
		d->w[i].idx = i;
		if (cp_sched_owner(i, d->w[i].owner, sizeof(d->w[i].owner)) !=
		    CP_OK)
			return -1;
		if (pthread_create(&d->w[i].th, NULL, worker_main,
		    &d->w[i]) != 0)
			return -1;
		d->w[i].started = 1;
	}
	return 0;
}

/* The daemon proper; ready_fd gets "" when it runs, else the reason. */
static int
run(const struct cp_daemon_opts *o, int detached, int ready_fd)
{
	struct daemon d;
	struct cp_diag diag;
	char why[1024];
	sigset_t mask;
	size_t i, released = 0;
	int lock_fd = -1, rc = 1, devnull;
	cp_err r;

	/* Signals go to the signalfd only, in every thread, from the start:
	 * one that comes while the configuration, the store and the plugins
	 * are being set up waits for the main loop instead of killing us. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0) {
		report(ready_fd, strerror(errno));
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.o = o;
	d.detached = detached;
	d.evfd = d.sigfd = -1;
	pthread_mutex_init(&d.mu, NULL);
	pthread_cond_init(&d.cv, NULL);
	pthread_cond_init(&d.idle_cv, NULL);
	cp_diag_init(&diag);
	r = runtime_config(o->config_path, detached, &d.rt, &diag);
	if (r != CP_OK) {
		struct cp_buf b;

		cp_buf_init(&b, 65536);
		for (i = 0; i < diag.n; i++)
			(void)cp_buf_printf(&b, "%s\n", diag.lines[i]);
		(void)cp_buf_printf(&b, "%s", r == CP_E_CONFIG ? "the "
		    "configuration has errors (listed above)" :
		    cp_strerror(r));
		report(ready_fd, b.data != NULL ? b.data : cp_strerror(r));
		ready_fd = -1;
		cp_buf_free(&b);
		goto out;
	}
	log_diag(dlog(&d), &diag, CP_LOG_WARNING);
	cp_diag_free(&diag);
	cp_strlcpy(d.state_dir, cp_core_config(d.rt->core)->state_dir,
	    sizeof(d.state_dir));
	r = cp_daemon_lock(d.state_dir, &lock_fd, why, sizeof(why));
	if (r == CP_OK)
		r = cp_core_store(d.rt->core, CP_STORE_CREATE, &d.st, why,
		    sizeof(why));
	if (r != CP_OK) {
		report(ready_fd, why);
		ready_fd = -1;
		goto out;
	}
	r = runtime_plugins(d.rt, &diag);
	log_diag(dlog(&d), &diag, CP_LOG_WARNING);
	cp_diag_free(&diag);
	if (r == CP_E_CONFIG)
		cp_log_msg(dlog(&d), CP_LOG_WARNING, SUBSYS, "the plugin "
		    "configuration has errors (logged above): the instances "
		    "they concern are not running");
	else if (r != CP_OK) {
		snprintf(why, sizeof(why), "plugins: %s", cp_strerror(r));
		report(ready_fd, why);
		ready_fd = -1;
		goto out;
	}
	if (cp_sched_release_dead(d.st, &released) == CP_OK && released > 0)
		cp_log_msg(dlog(&d), CP_LOG_INFO, SUBSYS, "%zu job(s) of a "
		    "daemon that died are due again", released);
	if ((d.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (d.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    start_workers(&d) != 0) {
		snprintf(why, sizeof(why), "cannot start the workers: %s",
		    strerror(errno));
		report(ready_fd, why);
		ready_fd = -1;
		if (d.w != NULL) {
			pthread_mutex_lock(&d.mu);
			d.stopping = 1;
			pthread_cond_broadcast(&d.cv);
			pthread_mutex_unlock(&d.mu);
			for (i = 0; i < d.nw; i++)
				if (d.w[i].started)
					pthread_join(d.w[i].th, NULL);
		}
		goto out;
	}
	cp_log_msg(dlog(&d), CP_LOG_INFO, SUBSYS, "started: pid %ld, state "
	    "dir %s, %u worker(s), at most %u job(s) per cloud%s",
	    (long)getpid(), d.state_dir, d.nw, d.rt->so.cloud_limit,
	    d.rt->so.scale > 1 ? ", periods scaled down (testing)" : "");
	report(ready_fd, NULL);
	ready_fd = -1;
	if (detached && (devnull = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
	if (main_loop(&d) != 0) {
		/* Stuck workers hold the store: leave without freeing. */
		cp_daemon_unlock(lock_fd);
		_exit(1);
	}
	cp_log_msg(dlog(&d), CP_LOG_INFO, SUBSYS, "stopped");
	rc = 0;
out:
	cp_diag_free(&diag);
	if (ready_fd >= 0)
		report(ready_fd, "failed to start");
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.evfd >= 0)
		close(d.evfd);
	free(d.w);
	runtime_free(d.pending);
	cp_store_close(d.st);
	cp_daemon_unlock(lock_fd);
	runtime_free(d.rt);
	pthread_cond_destroy(&d.idle_cv);
	pthread_cond_destroy(&d.cv);
	pthread_mutex_destroy(&d.mu);
	return rc;
}

/* The parent of a detaching daemon: waits for its word, then leaves. */
static int
wait_ready(int fd, pid_t child)
{
	char buf[8192];
	size_t n = 0;
	ssize_t k;
	int status;

	while (n < sizeof(buf) - 1 &&
	    ((k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0 ||
	    (k < 0 && errno == EINTR)))
		if (k > 0)
			n += (size_t)k;
	buf[n] = '\0';
	close(fd);
	(void)waitpid(child, &status, 0);
	if (n > 0) {
		fprintf(stderr, "cloudpatrol: %s\n", buf);
		return 1;
	}
	/* EOF without a word: "" was written (ready) or the daemon died. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
cp_daemon_main(const struct cp_daemon_opts *o)
{
	struct cp_daemon_opts ao = *o;
	char *abs = NULL;
	int ready[2], devnull, rc;
	pid_t pid;

	if (o->foreground)
		return run(o, 0, -1);
	/* The daemon works from /: a relative --config must survive that,
	 * and SIGHUP reads it again. */
	if (o->config_path != NULL && o->config_path[0] != '/') {
		abs = realpath(o->config_path, NULL);
		if (abs == NULL) {
			fprintf(stderr, "cloudpatrol: %s: %s\n",
			    o->config_path, strerror(errno));
			return 1;
		}
		ao.config_path = abs;
	}
	if (pipe2(ready, O_CLOEXEC) != 0) {
		fprintf(stderr, "cloudpatrol: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cloudpatrol: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid > 0) {
		close(ready[1]);
		rc = wait_ready(ready[0], pid);
		free(abs);
		return rc;
	}
	/* The first child: a new session, then the daemon is its child
	 * (never a session leader: it cannot get a terminal back). */
	close(ready[0]);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		_exit(1);
	umask(027);
	if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(devnull, STDIN_FILENO);
		(void)dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	_exit(run(&ao, 1, ready[1]));
}
