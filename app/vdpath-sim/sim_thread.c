/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device thread: one per opened device, started at open and joined at close.
 *
 * NOTIFY mode (vdpa_sim): the thread sleeps in epoll on the kick eventfds and its wake eventfd
 * and works only on kicked vqs. Doorbell pages, when mapped, are looked at every ~50 us.
 * POLL mode: the thread busy-polls every ready vq and has the driver stop kicking; after about
 * 1 ms without work it naps ~20 us between passes so an idle simulator does not burn a core.
 *
 * Kick eventfds are dup'ed into the thread's own descriptors at each rebuild so a client
 * closing or reusing a descriptor number can never make us read someone else's file.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

#include "sim_device.h"

#define WAKE_TAG 0xffffffffu
#define DOORBELL_IDLE 0xffffu		/* written back after each doorbell kick */
#define DOORBELL_PERIOD_NS (50ULL * 1000)
#define DEFERRED_PERIOD_NS (1000ULL * 1000)
#define POLL_IDLE_NS (1000ULL * 1000)
#define POLL_NAP_NS (20ULL * 1000)
#define POLL_KICK_CHECK_NS (1000ULL * 1000)
#define LOCK_HANDOFF_NS (100ULL * 1000)
#define LOCK_HANDOFF_SPIN_NS (2ULL * 1000)
#define NOTIFY_BUSY_KICK_CHECK 8	/* passes between kick reads while busy (power of 2) */

struct sim_worker {
	struct sim_dev *dev;
	int epfd;
	int kick_dup[SIM_MAX_VQS];		/* our dup of vq->kick_fd, -1 when none */
	volatile uint16_t *doorbell[SIM_MAX_VQS];	/* the mapping we last looked at */
	int wake;				/* atomic: rebuild requested */
	bool poll;
	uint32_t pending;			/* vqs kicked and not yet drained */
	uint32_t deferred;			/* kicks received while suspended */
	uint32_t ndoorbells;
	uint64_t next_flap_ns;
	uint64_t kicks[SIM_MAX_VQS];		/* read without the lock, applied with it */
	bool have_kicks;
};

static struct sim_worker sim_workers[SIM_MAX_DEVICES];

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Called with dev->lock held: is a uAPI call waiting for it? A uAPI thread that blocked in
 * pthread_mutex_lock() needs microseconds to wake up, while the device thread would take the
 * lock back within nanoseconds, pass after pass: without a hand-off an ioctl can wait for
 * milliseconds. glibc marks a mutex with sleeping waiters with the value 2.
 */
static bool
lock_contended(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) > 1;
#else
	(void)m;
	return false;
#endif
}

/* After unlocking a contended lock: let the woken waiter take it before we do again. */
static void
lock_handoff(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	uint64_t start = sim_now_ns(), waited;
	bool yielded = false;

	while (__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) == 0) {
		waited = sim_now_ns() - start;
		if (waited >= LOCK_HANDOFF_NS)
			break;
		/* the waiter may be queued on our own CPU (testpmd's main lcore shares it) */
		if (!yielded && waited >= LOCK_HANDOFF_SPIN_NS) {
			sched_yield();
			yielded = true;
		}
		cpu_relax();
	}
#else
	(void)m;
#endif
}

static struct sim_worker *
worker_of(struct sim_dev *dev)
{
	if (dev->index >= SIM_MAX_DEVICES)
		return NULL;
	return &sim_workers[dev->index];
}

static void
worker_drop_kick_fds(struct sim_worker *w)
{
	uint32_t i;

	for (i = 0; i < SIM_MAX_VQS; i++) {
		if (w->kick_dup[i] < 0)
			continue;
		/* the client still holds the file: remove it from the set explicitly */
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->kick_dup[i], NULL);
		sim_sys_close(w->kick_dup[i]);
		w->kick_dup[i] = -1;
	}
}

/* Under dev->lock: follow the kick eventfds the uAPI holds now. */
static void
worker_rebuild(struct sim_worker *w)
{
	struct sim_dev *dev = w->dev;
	struct epoll_event ev;
	uint32_t i;
	int fd;

	worker_drop_kick_fds(w);
	for (i = 0; i < dev->nvqs && i < SIM_MAX_VQS; i++) {
		if (dev->vq[i].kick_fd < 0)
			continue;
		fd = sim_fd_dup_high(dev->vq[i].kick_fd);
		if (fd < 0) {
			SIM_LOG(dev, "vq %u: cannot duplicate kick fd %d (%s); kicks on this vq "
				"are not seen until VHOST_SET_VRING_KICK is repeated", i,
				dev->vq[i].kick_fd, strerror(errno));
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			SIM_LOG(dev, "vq %u: cannot watch kick fd %d (%s: is it an eventfd?); "
				"kicks on this vq are not seen", i, dev->vq[i].kick_fd,
				strerror(errno));
			sim_sys_close(fd);
			continue;
		}
		w->kick_dup[i] = fd;
	}
}

/* Under dev->lock: n kicks arrived on vq idx. */
static void
worker_kick(struct sim_worker *w, uint32_t idx, uint64_t n)
{
	struct sim_dev *dev = w->dev;

	dev->vq[idx].kicks += n;
	if (w->poll) {
		/* the poll loop looks at every ring anyway; a kick makes its look a real DMA */
		if (dev->net != NULL)
			dev->net->kicked |= 1u << idx;
		return;
	}
	/* vdpa_sim: kicks on a vq that is not ready, or before DRIVER_OK, are lost */
	if (!dev->vq[idx].ready || !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	if (dev->suspended)
		w->deferred |= 1u << idx;
	else
		w->pending |= 1u << idx;
}

static void
worker_apply_kicks(struct sim_worker *w)
{
	uint32_t i;

	if (!w->have_kicks)
		return;
	for (i = 0; i < SIM_MAX_VQS; i++) {
		if (w->kicks[i] != 0 && i < w->dev->nvqs)
			worker_kick(w, i, w->kicks[i]);
		w->kicks[i] = 0;
	}
	w->have_kicks = false;
}

/*
 * Under dev->lock. A doorbell write is a kick; since drivers write the same value (the vq
 * index) every time, the device puts DOORBELL_IDLE back after each one so the next write is
 * seen as a change. A doorbell seen for the first time counts as a kick: the driver may have
 * rung it before we looked.
 */
static void
worker_doorbells(struct sim_worker *w)
{
	struct sim_dev *dev = w->dev;
	volatile uint16_t *db;
	uint16_t v;
	uint32_t i, n = 0;

	for (i = 0; i < dev->nvqs && i < SIM_MAX_VQS; i++) {
		db = dev->vq[i].doorbell;
		if (db != w->doorbell[i]) {
			w->doorbell[i] = db;
			if (db != NULL) {
				__atomic_exchange_n(db, DOORBELL_IDLE, __ATOMIC_SEQ_CST);
				dev->vq[i].doorbell_seen = DOORBELL_IDLE;
				worker_kick(w, i, 1);
			}
		}
		if (db == NULL)
			continue;
		n++;
		v = *db;
		if (v == dev->vq[i].doorbell_seen)
			continue;
		/* fails only if the driver rang again meanwhile: then the next look sees it */
		__atomic_compare_exchange_n(db, &v, DOORBELL_IDLE, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
		dev->vq[i].doorbell_seen = DOORBELL_IDLE;
		worker_kick(w, i, 1);
	}
	w->ndoorbells = n;
}

static void
worker_flap(struct sim_worker *w, uint64_t now)
{
	struct sim_dev *dev = w->dev;

	if (sim_opts.link_flap_ms == 0 || dev->net == NULL || now < w->next_flap_ns)
		return;
	sim_net_link_set(dev, !dev->net->link_up);
	w->next_flap_ns += sim_opts.link_flap_ms * 1000000ULL;
	if (w->next_flap_ns <= now)
		w->next_flap_ns = now + sim_opts.link_flap_ms * 1000000ULL;
}

/*
 * Under dev->lock. In notify mode the vqs of a link that was down ran dry without completing
 * anything the driver had queued (generator RX buffers, say); after link up they run once as
 * if kicked, or at resume if the device is suspended.
 */
static void
worker_link_resumed(struct sim_worker *w)
{
	struct sim_dev *dev = w->dev;
	uint32_t ready;

	if (dev->net == NULL || !dev->net->link_resumed)
		return;
	dev->net->link_resumed = false;
	if (w->poll || !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	ready = sim_net_ready_mask(dev);
	if (dev->suspended)
		w->deferred |= ready;
	else
		w->pending |= ready;
}

/* Wait up to timeout_ns (negative: forever) for kicks or a wake; collect kick counts. */
static void
worker_wait(struct sim_worker *w, int64_t timeout_ns)
{
	struct epoll_event ev[SIM_MAX_VQS + 1];
	struct timespec ts, *tsp = NULL;
	uint64_t v;
	int i, n;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000LL;
		ts.tv_nsec = timeout_ns % 1000000000LL;
		tsp = &ts;
	}
	n = epoll_pwait2(w->epfd, ev, SIM_MAX_VQS + 1, tsp, NULL);
	if (n < 0 && errno == ENOSYS)
		n = epoll_wait(w->epfd, ev, SIM_MAX_VQS + 1,
			       timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000));
	for (i = 0; i < n; i++) {
		uint32_t tag = ev[i].data.u32;

		if (tag == WAKE_TAG) {
			sim_sys_read(w->dev->wake_fd, &v, sizeof(v));
			continue;
		}
		if (tag >= SIM_MAX_VQS || w->kick_dup[tag] < 0)
			continue;
		if (sim_sys_read(w->kick_dup[tag], &v, sizeof(v)) == sizeof(v)) {
			w->kicks[tag] += v;
			w->have_kicks = true;
		}
	}
}

/* Under dev->lock: the common part of a loop iteration. Returns true if work was done. */
static bool
worker_pass(struct sim_worker *w, uint64_t now)
{
	struct sim_dev *dev = w->dev;
	bool did = false;

	if (__atomic_exchange_n(&w->wake, 0, __ATOMIC_ACQ_REL))
		worker_rebuild(w);
	worker_apply_kicks(w);
	worker_doorbells(w);
	if (w->deferred && !dev->suspended) {
		if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
			w->pending |= w->deferred;
		w->deferred = 0;
	}
	if (w->poll)
		w->pending = sim_net_ready_mask(dev);
	if (w->pending) {
		did = sim_net_run(dev, &w->pending, w->poll);
		/* the device's own time, what bounds a device-bound rate (--stats busy_ns) */
		if (did)
			dev->stats.busy_ns += sim_now_ns() - now;
	}
	worker_flap(w, now);
	worker_link_resumed(w);
	return did;
}

static int64_t
worker_timeout(struct sim_worker *w, uint64_t now)
{
	int64_t t = -1;

	if (w->pending)
		return 0;
	if (w->ndoorbells)
		t = DOORBELL_PERIOD_NS;
	if (w->deferred && (t < 0 || t > (int64_t)DEFERRED_PERIOD_NS))
		t = DEFERRED_PERIOD_NS;
	if (sim_opts.link_flap_ms) {
		int64_t f = w->next_flap_ns > now ? (int64_t)(w->next_flap_ns - now) : 0;

		if (t < 0 || f < t)
			t = f;
	}
	return t;
}

static void
worker_loop_notify(struct sim_worker *w)
{
	struct sim_dev *dev = w->dev;
	uint64_t now, last_work, last_kick_check;
	unsigned int busy = 0;
	bool contended, did;
	int64_t timeout;

	last_work = last_kick_check = sim_now_ns();
	while (!dev->thread_stop) {
		now = sim_now_ns();
		pthread_mutex_lock(&dev->lock);
		did = worker_pass(w, now);
		timeout = worker_timeout(w, now);
		contended = lock_contended(&dev->lock);
		pthread_mutex_unlock(&dev->lock);
		if (contended)
			lock_handoff(&dev->lock);
		if (did)
			last_work = now;
		/* still busy: look for kicks on the other vqs only every few passes, the work at
		 * hand needs no syscall (a wake is also seen through its flag) */
		if (timeout == 0 && (++busy & (NOTIFY_BUSY_KICK_CHECK - 1)) != 0)
			continue;
		/*
		 * Doorbells are registers hardware watches all the time: while traffic flows, a
		 * ring is still run only when its doorbell rings, but the ring is seen at once,
		 * not after a nap of DOORBELL_PERIOD_NS. Eventfd kicks are collected as in poll
		 * mode; after POLL_IDLE_NS without work the device naps again.
		 */
		if (timeout != 0 && w->ndoorbells != 0 && now - last_work < POLL_IDLE_NS) {
			cpu_relax();
			if (now - last_kick_check > POLL_NAP_NS) {
				worker_wait(w, 0);
				last_kick_check = now;
			}
			continue;
		}
		worker_wait(w, timeout);
		last_kick_check = now;
	}
}

static void
worker_loop_poll(struct sim_worker *w)
{
	struct sim_dev *dev = w->dev;
	uint64_t now, last_work, last_kick_check;
	bool did, contended;

	last_work = last_kick_check = sim_now_ns();
	while (!dev->thread_stop) {
		now = sim_now_ns();
		pthread_mutex_lock(&dev->lock);
		did = worker_pass(w, now);
		contended = lock_contended(&dev->lock);
		pthread_mutex_unlock(&dev->lock);
		if (contended)
			lock_handoff(&dev->lock);
		if (did) {
			last_work = now;
		} else if (now - last_work > POLL_IDLE_NS) {
			/* idle: nap in epoll, which also collects kicks and wakes */
			worker_wait(w, POLL_NAP_NS);
			last_kick_check = now;
			continue;
		} else {
			cpu_relax();
		}
		if (now - last_kick_check > POLL_KICK_CHECK_NS) {
			worker_wait(w, 0);
			last_kick_check = now;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct sim_worker *w = arg;

	/* 20 us naps: the default 50 us timer slack would triple them */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	pthread_mutex_lock(&w->dev->lock);
	worker_rebuild(w);
	pthread_mutex_unlock(&w->dev->lock);
	if (w->poll)
		worker_loop_poll(w);
	else
		worker_loop_notify(w);
	return NULL;
}

int
sim_thread_start(struct sim_dev *dev)
{
	struct sim_worker *w = worker_of(dev);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = WAKE_TAG };
	sigset_t all, old;
	char name[16];
	uint32_t i;
	int rc;

	if (dev->thread_started)
		return 0;
	if (w == NULL) {
		SIM_LOG(dev, "device index %u is beyond %d devices; no device thread", dev->index,
			SIM_MAX_DEVICES);
		return -EINVAL;
	}
	memset(w, 0, sizeof(*w));
	w->dev = dev;
	w->poll = sim_opts.mode == SIM_MODE_POLL;
	for (i = 0; i < SIM_MAX_VQS; i++)
		w->kick_dup[i] = -1;
	w->next_flap_ns = sim_now_ns() + sim_opts.link_flap_ms * 1000000ULL;
	dev->thread_stop = false;
	dev->wake_fd = sim_fd_move_high(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	w->epfd = sim_fd_move_high(epoll_create1(EPOLL_CLOEXEC));
	if (dev->wake_fd < 0 || w->epfd < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, dev->wake_fd, &ev) < 0) {
		rc = -errno;
		SIM_LOG(dev, "cannot create the device thread's eventfd/epoll (%s); check the "
			"open-files limit (ulimit -n)", strerror(-rc));
		goto fail;
	}
	/* the client's signals (SIGINT for testpmd, SIGUSR1 for stats) belong to its threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&dev->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		SIM_LOG(dev, "cannot start the device thread (%s)", strerror(-rc));
		goto fail;
	}
	snprintf(name, sizeof(name), "vdpa-sim-%u", dev->index);
	pthread_setname_np(dev->thread, name);
	dev->thread_started = true;
	return 0;
fail:
	if (w->epfd >= 0)
		sim_sys_close(w->epfd);
	if (dev->wake_fd >= 0)
		sim_sys_close(dev->wake_fd);
	w->epfd = -1;
	dev->wake_fd = -1;
	return rc;
}

void
sim_thread_stop(struct sim_dev *dev)
{
	struct sim_worker *w = worker_of(dev);

	if (!dev->thread_started || w == NULL)
		return;
	dev->thread_stop = true;
	eventfd_write(dev->wake_fd, 1);
	pthread_join(dev->thread, NULL);
	worker_drop_kick_fds(w);
	sim_sys_close(w->epfd);
	sim_sys_close(dev->wake_fd);
	w->epfd = -1;
	dev->wake_fd = -1;
	dev->thread_started = false;
	dev->thread_stop = false;
}

/*
 * Kick eventfds changed. The thread follows them before it next waits; before DRIVER_OK kicks
 * are lost anyway (vdpa_sim), and setting DRIVER_OK wakes the thread, so until then the
 * request is only noted: no context switch per VHOST_SET_VRING_KICK during a bring-up (the
 * kernel starts polling the new eventfd in the caller, with no thread to wake).
 */
void
sim_thread_kicks_changed(struct sim_dev *dev)
{
	struct sim_worker *w = worker_of(dev);

	if (!dev->thread_started || w == NULL)
		return;
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		sim_thread_wake(dev);
	else
		__atomic_store_n(&w->wake, 1, __ATOMIC_RELEASE);
}

void
sim_thread_wake(struct sim_dev *dev)
{
	struct sim_worker *w = worker_of(dev);

	if (!dev->thread_started || w == NULL)
		return;
	__atomic_store_n(&w->wake, 1, __ATOMIC_RELEASE);
	eventfd_write(dev->wake_fd, 1);
}
