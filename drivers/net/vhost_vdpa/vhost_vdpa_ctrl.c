/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa control path: the virtio-net control queue (one command at a time, waited
 * for) and the config interrupt (link state, NEEDS_RESET).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "vhost_vdpa.h"

#define VDPA_CVQ_DATA_MAX	64u
#define VDPA_CVQ_WAIT_US	1000000u
#define VDPA_CFG_STATUS_OFF	6
#define VDPA_NET_S_LINK_UP	1u

/* What the device reads and writes for one command, in the cvq's memzone. */
struct vdpa_cvq_buf {
	uint8_t cls;
	uint8_t cmd;
	uint8_t data[VDPA_CVQ_DATA_MAX];
	uint8_t ack;
};

struct vdpa_cvq {
	struct vdp_virtq *vq;
	const struct rte_memzone *mz;
	struct vdpa_cvq_buf *buf;
	struct vdp_virtq_addrs addrs;
	rte_spinlock_t lock;
	int kickfd;
	uint16_t num;
	bool usable;		/* false after a timeout, until the next setup */
	uint64_t cmds;
	uint64_t errors;
	uint64_t timeouts;
};

static uint16_t
vdpa_cvq_index(const struct vdpa_port *p)
{
	/* virtio-net 5.1.2: 2N with N = max_virtqueue_pairs when MQ is negotiated, else 2 */
	return vdpa_has(p, VIRTIO_NET_F_MQ) ? (uint16_t)(2 * p->max_pairs) : 2;
}

static uint32_t
vdpa_cvq_flags(const struct vdpa_port *p)
{
	return (p->features_wanted & (1ULL << VIRTIO_F_RING_PACKED)) ? VDP_VIRTQ_F_PACKED : 0;
}

int
vdpa_cvq_create(struct vdpa_port *p, uint16_t num, int socket)
{
	char name[RTE_MEMZONE_NAMESIZE];
	struct vdpa_cvq *c;
	size_t ring, obj;
	int ret = -ENOMEM;

	c = rte_zmalloc_socket("vdpa_cvq", sizeof(*c), RTE_CACHE_LINE_SIZE, socket);
	if (c == NULL)
		return -ENOMEM;
	c->kickfd = -1;
	c->num = num;
	rte_spinlock_init(&c->lock);
	/* room for either format: the ring is laid out again at each setup */
	ring = RTE_MAX(vdp_virtq_mem_size(num, 0), vdp_virtq_mem_size(num, VDP_VIRTQ_F_PACKED));
	ring = RTE_ALIGN_CEIL(ring, RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "vdpa%u_cvq", p->eth_dev->data->port_id);
	c->mz = rte_memzone_reserve_aligned(name, ring + sizeof(struct vdpa_cvq_buf), socket, 0,
					    4096);
	if (c->mz == NULL)
		goto fail;
	c->buf = (struct vdpa_cvq_buf *)((uint8_t *)c->mz->addr + ring);
	obj = vdp_virtq_obj_size(num);
	c->vq = rte_zmalloc_socket("vdpa_cvq_vq", obj, RTE_CACHE_LINE_SIZE, socket);
	if (c->vq == NULL)
		goto fail;
	c->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->kickfd < 0) {
		ret = -errno;
		goto fail;
	}
	p->cvq = c;
	return 0;
fail:
	VDPA_LOG(ERR, "%s: the control queue could not be created: %s", p->name, strerror(-ret));
	if (c->kickfd >= 0)
		close(c->kickfd);
	rte_free(c->vq);
	rte_memzone_free(c->mz);
	rte_free(c);
	return ret;
}

void
vdpa_cvq_free(struct vdpa_port *p)
{
	struct vdpa_cvq *c = p->cvq;

	if (c == NULL)
		return;
	if (c->kickfd >= 0)
		close(c->kickfd);
	rte_free(c->vq);
	rte_memzone_free(c->mz);
	rte_free(c);
	p->cvq = NULL;
}

void
vdpa_cvq_drain(struct vdpa_port *p)
{
	struct vdpa_cvq *c = p->cvq;

	/* the command buffer is the cvq's own: nothing to give back, setup lays the ring out again */
	if (c == NULL)
		return;
	rte_spinlock_lock(&c->lock);
	c->usable = false;
	rte_spinlock_unlock(&c->lock);
}

int
vdpa_cvq_setup(struct vdpa_port *p)
{
	struct vdpa_cvq *c = p->cvq;
	uint32_t flags = vdpa_cvq_flags(p);
	uint16_t idx = vdpa_cvq_index(p);
	struct vdp_virtq_conf conf = {
		.num = c != NULL ? c->num : 0,
		.flags = flags,
		.mem = c != NULL ? c->mz->addr : NULL,
		.iova = c != NULL ? (uint64_t)(uintptr_t)c->mz->addr : 0,
		.mem_len = c != NULL ? vdp_virtq_mem_size(c->num, flags) : 0,
		.index = idx,
	};
	int ret;

	if (c == NULL)
		return -ENOTSUP;
	rte_spinlock_lock(&c->lock);
	ret = vdp_virtq_init(c->vq, vdp_virtq_obj_size(c->num), &conf, &c->addrs);
	if (ret == 0)
		ret = vdp_dev_set_vring_num(p->dev, idx, c->num);
	if (ret == 0)
		ret = vdp_dev_set_vring_addr(p->dev, idx, c->addrs.desc, c->addrs.driver,
					     c->addrs.device);
	if (ret == 0)
		ret = vdp_dev_set_vring_base(p->dev, idx, vdp_virtq_vring_base(c->vq));
	if (ret == 0)
		ret = vdpa_vq_bind(p, idx, c->kickfd, -1);
	if (ret == 0)
		ret = vdp_dev_set_vring_enable(p->dev, idx, true);
	c->usable = ret == 0;
	rte_spinlock_unlock(&c->lock);
	return ret;
}

static const char *
vdpa_cvq_name(uint8_t cls, uint8_t cmd)
{
	if (cls == VIRTIO_NET_CTRL_RX)
		return cmd == VIRTIO_NET_CTRL_RX_PROMISC ? "RX PROMISC" :
		       cmd == VIRTIO_NET_CTRL_RX_ALLMULTI ? "RX ALLMULTI" : "RX";
	if (cls == VIRTIO_NET_CTRL_MAC)
		return cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET ? "MAC ADDR_SET" : "MAC";
	if (cls == VIRTIO_NET_CTRL_MQ)
		return "MQ VQ_PAIRS_SET";
	return "command";
}

/* Wait for the one outstanding command; true when the device returned it. */
static bool
vdpa_cvq_wait(struct vdpa_cvq *c)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() / 1000000 * VDPA_CVQ_WAIT_US;
	void *cookie;
	uint32_t len;

	while (rte_get_timer_cycles() < deadline) {
		if (vdp_virtq_get_used(c->vq, &cookie, &len, 1) == 1)
			return true;
		rte_delay_us_sleep(20);
	}
	return false;
}

int
vdpa_cvq_cmd(struct vdpa_port *p, uint8_t cls, uint8_t cmd, const void *data, uint16_t len)
{
	static const uint64_t one = 1;
	struct vdpa_cvq *c = p->cvq;
	struct vdp_virtq_seg segs[3];
	uint16_t n_out = 1;
	int ret;

	if (c == NULL || !vdpa_has(p, VIRTIO_NET_F_CTRL_VQ))
		return -ENOTSUP;
	if (len > VDPA_CVQ_DATA_MAX)
		return -EINVAL;
	rte_spinlock_lock(&c->lock);
	if (!c->usable) {
		rte_spinlock_unlock(&c->lock);
		return -EIO;
	}
	c->buf->cls = cls;
	c->buf->cmd = cmd;
	if (len > 0)
		memcpy(c->buf->data, data, len);
	c->buf->ack = 0xff;
	segs[0].iova = (uint64_t)(uintptr_t)&c->buf->cls;
	segs[0].len = 2;
	if (len > 0) {
		segs[1].iova = (uint64_t)(uintptr_t)c->buf->data;
		segs[1].len = len;
		n_out = 2;
	}
	segs[n_out].iova = (uint64_t)(uintptr_t)&c->buf->ack;
	segs[n_out].len = 1;
	c->cmds++;
	if (vdp_virtq_add_chain(c->vq, segs, n_out, 1, c->buf) != 1) {
		ret = -EIO;
		c->errors++;
		goto out;
	}
	if (vdp_virtq_needs_kick(c->vq) && write(c->kickfd, &one, sizeof(one)) < 0) {
		ret = -errno;
		c->errors++;
		goto out;
	}
	if (!vdpa_cvq_wait(c)) {
		c->timeouts++;
		c->errors++;
		c->usable = false;
		VDPA_LOG(ERR, "%s: the device did not complete control command %s within %u ms; "
			 "the control queue is unusable until the next port start", p->name,
			 vdpa_cvq_name(cls, cmd), VDPA_CVQ_WAIT_US / 1000);
		ret = -ETIMEDOUT;
		goto out;
	}
	if (c->buf->ack != 0) {
		c->errors++;
		VDPA_LOG(INFO, "%s: the device refused control command %s (ack %u)", p->name,
			 vdpa_cvq_name(cls, cmd), c->buf->ack);
		ret = -EIO;
		goto out;
	}
	ret = 0;
out:
	rte_spinlock_unlock(&c->lock);
	return ret;
}

void
vdpa_cvq_counters(const struct vdpa_port *p, uint64_t *cmds, uint64_t *errors)
{
	*cmds = p->cvq != NULL ? p->cvq->cmds : 0;
	*errors = p->cvq != NULL ? p->cvq->errors : 0;
}

/* --- link and config interrupt ------------------------------------------------------------- */

int
vdpa_link_read(struct vdpa_port *p)
{
	struct rte_eth_link link = {
		.link_speed = p->args.speed,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};
	uint8_t st[2];
	uint16_t up = p->state != VDPA_STATE_RESET;

	if (up && p->state == VDPA_STATE_RUNNING && vdpa_has(p, VIRTIO_NET_F_STATUS)) {
		if (vdp_dev_get_config(p->dev, VDPA_CFG_STATUS_OFF, st, sizeof(st)) == 0)
			up = (st[0] | st[1] << 8) & VDPA_NET_S_LINK_UP;
	}
	if (p->state != VDPA_STATE_RUNNING)
		up = 0;
	link.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	if (!up)
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	if (up == p->link_up) {
		rte_eth_linkstatus_set(p->eth_dev, &link);
		return 0;
	}
	p->link_up = up;
	p->cnt.link_changes++;
	rte_eth_linkstatus_set(p->eth_dev, &link);
	return 1;
}

static void
vdpa_config_intr_cb(void *arg)
{
	struct vdpa_port *p = arg;
	struct rte_eth_dev *dev = p->eth_dev;
	uint64_t v;
	uint8_t status;

	if (read(p->config_fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	p->cnt.config_irqs++;
	if (vdp_dev_get_status(p->dev, &status) == 0 &&
	    (status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		if (p->cnt.needs_reset++ == 0)
			VDPA_LOG(ERR, "%s: the device needs a reset (NEEDS_RESET): call "
				 "rte_eth_dev_reset() and configure the port again", p->name);
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RESET, NULL);
	}
	if (vdpa_link_read(p) == 1 && dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static struct rte_intr_handle *
vdpa_config_handle(struct vdpa_port *p, bool create)
{
	static struct rte_intr_handle *handles[RTE_MAX_ETHPORTS];
	uint16_t id = p->eth_dev->data->port_id;

	if (create && handles[id] == NULL)
		handles[id] = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_SHARED);
	return handles[id];
}

int
vdpa_config_intr_setup(struct vdpa_port *p)
{
	struct rte_intr_handle *h;
	int ret;

	if (p->config_fd >= 0)
		return 0;
	p->config_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->config_fd < 0)
		return -errno;
	ret = vdp_dev_set_config_call(p->dev, p->config_fd);
	if (ret < 0)
		goto fail;
	h = vdpa_config_handle(p, true);
	if (h == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (rte_intr_fd_set(h, p->config_fd) < 0 || rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) < 0) {
		ret = -EINVAL;
		goto fail;
	}
	ret = rte_intr_callback_register(h, vdpa_config_intr_cb, p);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	vdp_dev_set_config_call(p->dev, -1);
	close(p->config_fd);
	p->config_fd = -1;
	return ret;
}

void
vdpa_config_intr_teardown(struct vdpa_port *p)
{
	struct rte_intr_handle *h = vdpa_config_handle(p, false);
	int ret;

	if (p->config_fd < 0)
		return;
	if (h != NULL) {
		do {
			ret = rte_intr_callback_unregister(h, vdpa_config_intr_cb, p);
			if (ret == -EAGAIN)
				rte_delay_us_sleep(100);
		} while (ret == -EAGAIN);
	}
	if (p->dev != NULL)
		vdp_dev_set_config_call(p->dev, -1);
	close(p->config_fd);
	p->config_fd = -1;
}
