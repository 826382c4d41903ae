// SPDX-License-Identifier: GPL-2.0-only
/*
 * "make run": an NVMe controller does DMA through /dev/iommu.
 *
 *   iommufd-demo BDF CDEV
 *
 * BDF is an NVMe controller (QEMU's) that guest/demo has handed to vfio-pci,
 * CDEV its VFIO device node (/dev/vfio/devices/vfioN).  The program binds
 * the device to a fresh iommufd, gives it an I/O address space (IOAS) with
 * one buffer mapped, has the controller read the start of its disk into
 * that buffer, shows the I/O page table entry VT-d uses for it, then unmaps
 * the buffer and shows the same read stopped by the IOMMU.
 *
 * The iommufd and VFIO calls are spelled out here, since they are what the
 * demo is about; the NVMe side is the selftests' polled driver (nvme_lib.h,
 * on top of vfio_pci_lib.h), which only needs the structures below filled.
 *
 * Output on stdout, one screen; the libraries' diagnostics on stderr.
 * Exit status 0 when every step did what it should.
 */
#include <stdarg.h>
#include <stdint.h>

#include "nvme_lib.h"

#define IOVA_QUEUES	0x100000ULL	/* nvme_lib's queues, NVME_QMEM_SIZE */
#define IOVA_BUF	0x200000ULL	/* the buffer the disk is read into */
#define BUF_SIZE	4096
#define NSID		1
/* What the buffer holds before each READ, to see whether data arrived. */
#define FILL_BEFORE	0xa5
#define FILL_BLOCKED	0x5a
#define DISK_MAGIC	"iommufd-6.1 test disk"
#define HOST_LINE_OFF	512		/* where scripts/guest.sh writes a line */
#define FAULT_WAIT_MS	5000

#define VTD_TABLES "/sys/kernel/debug/iommu/intel/domain_translation_struct"
#define VTD_PTE_READ	0x1ULL
#define VTD_PTE_WRITE	0x2ULL
#define VTD_PTE_ADDR	0x000ffffffffff000ULL

static bool ok = true;

#define heading(fmt, ...)	printf("=== " fmt "\n", ##__VA_ARGS__)
#define say(fmt, ...)		printf("    " fmt "\n", ##__VA_ARGS__)

/* Report a step that did not do what it should; the demo then fails. */
static bool failed(const char *fmt, ...)
{
	va_list ap;

	printf("    FAILED: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ok = false;
	return false;
}

/* An ioctl that should work; says which one did not. */
static bool do_ioctl(int fd, unsigned long cmd, void *arg, const char *name)
{
	if (!ioctl(fd, cmd, arg))
		return true;
	return failed("%s: %s", name, strerror(errno));
}

/* Where this process' page at @va sits in physical memory; 0 if unknown. */
static __u64 phys_addr_of(const void *va)
{
	uintptr_t addr = (uintptr_t)va;
	__u64 entry;
	ssize_t n;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	n = pread(fd, &entry, sizeof(entry), addr / 4096 * sizeof(entry));
	close(fd);
	/* bit 63: present; bits 54..0: the page frame number (for root) */
	if (n != sizeof(entry) || !(entry >> 63))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * 4096 + addr % 4096;
}

/*
 * What VT-d's debugfs dump of domain page tables says about one IOVA of one
 * device: the device's section starts with "Device BDF @0x<root table>",
 * then has one row per leaf, "0x<iova pfn> |" and the entries walked from
 * the top level to the leaf (PML5E PML4E PDPE PDE PTE, levels the table
 * does not have and those under the leaf read 0).
 */
struct vtd_walk {
	bool have_table;		/* the device has a section */
	bool mapped;			/* a leaf covers the IOVA */
	unsigned long long root;
	unsigned long long entry[5];	/* PML5E .. PTE */
	int leaf;			/* index of the leaf in entry[] */
};

static const char *const vtd_level[5] = { "PML5E", "PML4E", "PDPE", "PDE",
					  "PTE" };

static bool vtd_lookup(const char *bdf, __u64 iova, struct vtd_walk *w)
{
	unsigned long long pfn, e[5], span;
	char head[64], *line = NULL;
	bool inside = false;
	size_t len = 0;
	FILE *f;
	int i;

	memset(w, 0, sizeof(*w));
	f = fopen(VTD_TABLES, "r");
	if (!f)
		return failed("%s: %s (debugfs mounted?)", VTD_TABLES,
			      strerror(errno));
	snprintf(head, sizeof(head), "Device %s @0x", bdf);
	while (getline(&line, &len, f) > 0) {
		if (!strncmp(line, "Device ", 7)) {
			if (inside)
				break;
			inside = !strncmp(line, head, strlen(head));
			if (inside) {
				w->have_table = true;
				w->root = strtoull(line + strlen(head), NULL,
						   16);
			}
			continue;
		}
		if (!inside ||
		    sscanf(line, "%llx | %llx %llx %llx %llx %llx", &pfn,
			   &e[0], &e[1], &e[2], &e[3], &e[4]) != 6)
			continue;
		/* The leaf is the last entry walked; each level up is 512x. */
		for (i = 4; i > 0 && !e[i]; i--)
			;
		span = 1ULL << (9 * (4 - i));
		if (iova / 4096 < pfn || iova / 4096 >= pfn + span)
			continue;
		w->mapped = true;
		w->leaf = i;
		memcpy(w->entry, e, sizeof(e));
		break;
	}
	free(line);
	fclose(f);
	return w->have_table ||
	       failed("%s has no page table for %s", VTD_TABLES, bdf);
}

/* One line of hexdump -C: 16 bytes at @off of @buf. */
static void hexdump_line(const __u8 *buf, unsigned int off)
{
	char hex[16 * 3 + 1], text[17];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		sprintf(hex + 3 * i, "%02x ", buf[off + i]);
		text[i] = buf[off + i] >= 0x20 && buf[off + i] < 0x7f ?
			  buf[off + i] : '.';
	}
	hex[sizeof(hex) - 2] = '\0';
	text[16] = '\0';
	say("buffer+0x%03x: %s  |%s|", off, hex, text);
}

/* The printable text at @s, up to the end of its line, at most @max. */
static int line_len(const char *s, int max)
{
	int n;

	for (n = 0; n < max && s[n] >= 0x20 && s[n] < 0x7f; n++)
		;
	return n;
}

static bool all_bytes(const __u8 *buf, __u8 val, size_t len)
{
	while (len--)
		if (*buf++ != val)
			return false;
	return true;
}

/* A READ's outcome, for the screen. */
static const char *read_outcome(int ret, char *msg, size_t len)
{
	if (ret < 0)
		snprintf(msg, len, "no completion (%s)", strerror(-ret));
	else if (ret)
		snprintf(msg, len, "completed, NVMe status 0x%03x", ret);
	else
		snprintf(msg, len, "completed, status success");
	return msg;
}

struct demo {
	const char *bdf;
	struct vfio_iommu iommu;	/* the iommufd and its IOAS */
	struct vfio_pci_dev dev;	/* the device's cdev, BAR0 mapped */
	struct nvme_ctrl nvme;
	__u8 *buf;
	__u32 hwpt_id;
};

/* Step 2: the cdev and /dev/iommu, the IOAS, the buffer mapped into it. */
static bool setup_ioas(struct demo *d, const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = BUF_SIZE,
		.iova = IOVA_BUF,
	};

	heading("2. /dev/iommu: an I/O address space for the NVMe");
	d->dev.fd = open(cdev, O_RDWR | O_CLOEXEC);
	if (d->dev.fd < 0)
		return failed("open %s: %s", cdev, strerror(errno));
	d->iommu.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommu.fd < 0)
		return failed("open /dev/iommu: %s", strerror(errno));
	d->iommu.open = true;
	say("open %s = fd %d, open /dev/iommu = fd %d", cdev, d->dev.fd,
	    d->iommu.fd);

	/* From here on the device's DMA is blocked until it is attached. */
	bind.iommufd = d->iommu.fd;
	if (!do_ioctl(d->dev.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind,
		      "VFIO_DEVICE_BIND_IOMMUFD"))
		return false;
	d->dev.devid = bind.out_devid;
	say("%-30s -> device id %u", "VFIO_DEVICE_BIND_IOMMUFD", bind.out_devid);

	if (!do_ioctl(d->iommu.fd, IOMMU_IOAS_ALLOC, &alloc,
		      "IOMMU_IOAS_ALLOC"))
		return false;
	d->iommu.ioas_id = alloc.out_ioas_id;
	say("%-30s -> IOAS %u", "IOMMU_IOAS_ALLOC", alloc.out_ioas_id);

	/* The kernel answers with the HW page table it attached to. */
	attach.pt_id = alloc.out_ioas_id;
	if (!do_ioctl(d->dev.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach,
		      "VFIO_DEVICE_ATTACH_IOMMUFD_PT"))
		return false;
	d->dev.attached = true;
	d->hwpt_id = attach.pt_id;
	say("%-30s -> HW page table %u (a VT-d domain)",
	    "VFIO_DEVICE_ATTACH_IOMMUFD_PT", attach.pt_id);

	d->buf = vfio_dma_alloc(BUF_SIZE);
	if (!d->buf)
		return failed("no memory for the buffer");
	map.ioas_id = d->iommu.ioas_id;
	map.user_va = (uintptr_t)d->buf;
	if (!do_ioctl(d->iommu.fd, IOMMU_IOAS_MAP, &map, "IOMMU_IOAS_MAP"))
		return false;
	say("%-30s -> 4 KiB buffer at va %p = IOVA 0x%llx",
	    "IOMMU_IOAS_MAP", d->buf, (unsigned long long)map.iova);
	return true;
}

/* Config space and BAR0 of the device, for nvme_lib. */
static bool setup_bar0(struct demo *d)
{
	struct vfio_region_info region;
	void *bar;

	if (vfio_lib_region(&d->dev, VFIO_PCI_CONFIG_REGION_INDEX, &region))
		return failed("no config space region");
	d->dev.cfg_offset = region.offset;
	d->dev.cfg_size = region.size;
	if (vfio_lib_region(&d->dev, VFIO_PCI_BAR0_REGION_INDEX, &region) ||
	    !(region.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return failed("BAR0 cannot be mapped");
	bar = mmap(NULL, region.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   d->dev.fd, region.offset);
	if (bar == MAP_FAILED)
		return failed("mmap BAR0: %s", strerror(errno));
	d->dev.bar0 = bar;
	d->dev.bar0_size = region.size;
	return vfio_pci_enable(&d->dev) ? failed("cannot enable the device") :
					  true;
}

/* Step 3: the controller reads the first 4 KiB of its disk into the buffer. */
static bool read_disk(struct demo *d)
{
	char sn[NVME_ID_CTRL_SN_LEN + 1], msg[64];
	__u32 len;
	int n, ret;

	heading("3. The NVMe reads its disk into the buffer by DMA");
	if (!setup_bar0(d))
		return false;
	if (nvme_ctrl_init(&d->nvme, &d->dev, IOVA_QUEUES))
		return failed("nvme_lib could not enable the controller");
	if (nvme_ctrl_setup_io(&d->nvme, NSID, d->buf, IOVA_BUF))
		return failed("nvme_lib could not create the I/O queues");
	memset(d->buf, 0, BUF_SIZE);
	if (nvme_identify(&d->nvme, NVME_IDENTIFY_CNS_CTRL, 0, IOVA_BUF))
		return failed("IDENTIFY controller failed");
	memcpy(sn, d->buf + NVME_ID_CTRL_SN, NVME_ID_CTRL_SN_LEN);
	for (n = NVME_ID_CTRL_SN_LEN; n > 0 && (sn[n - 1] == ' ' || !sn[n - 1]);
	     n--)
		;
	sn[n] = '\0';
	say("nvme_lib.h: queues (16 KiB) mapped at IOVA 0x%llx, polled",
	    (unsigned long long)IOVA_QUEUES);
	say("IDENTIFY -> serial \"%s\", namespace %u: %llu blocks of %u bytes",
	    sn, NSID, (unsigned long long)d->nvme.ns_blocks,
	    d->nvme.lba_size);

	len = BUF_SIZE / d->nvme.lba_size * d->nvme.lba_size;
	memset(d->buf, FILL_BEFORE, BUF_SIZE);
	ret = nvme_rw(&d->nvme, false, NSID, 0, IOVA_BUF, len);
	say("READ LBA 0 (%u bytes) to IOVA 0x%llx: %s", len,
	    (unsigned long long)IOVA_BUF, read_outcome(ret, msg, sizeof(msg)));
	if (ret)
		return failed("the READ did not succeed");
	hexdump_line(d->buf, 0);
	n = line_len((char *)d->buf + HOST_LINE_OFF, 80);
	say("buffer+0x%03x: \"%.*s\"", HOST_LINE_OFF, n,
	    (char *)d->buf + HOST_LINE_OFF);
	if (memcmp(d->buf, DISK_MAGIC, strlen(DISK_MAGIC)))
		return failed("the disk's first bytes are not \"%s\"",
			      DISK_MAGIC);
	return true;
}

/* Print the walk to the leaf, the levels the table has. */
static void show_walk(const struct vtd_walk *w)
{
	char line[160];
	size_t n = 0;
	int i;

	for (i = 0; i <= w->leaf; i++) {
		if (!w->entry[i])
			continue;
		n += snprintf(line + n, sizeof(line) - n, "%s%s 0x%016llx",
			      n ? " -> " : "", vtd_level[i], w->entry[i]);
	}
	say("  %s", line);
}

/* Step 4: the IOVA -> physical translation, by the CPU and by VT-d. */
static bool show_iopte(struct demo *d)
{
	__u64 pa = phys_addr_of(d->buf);
	unsigned long long pte;
	struct vtd_walk w;

	heading("4. What the IOMMU holds for IOVA 0x%llx",
		(unsigned long long)IOVA_BUF);
	if (!pa)
		return failed("/proc/self/pagemap gives no address for %p",
			      d->buf);
	say("the buffer: va %p -> PA 0x%llx (/proc/self/pagemap)", d->buf,
	    (unsigned long long)pa);
	if (!vtd_lookup(d->bdf, IOVA_BUF, &w))
		return false;
	say("VT-d page table of %s, root at 0x%llx (debugfs):", d->bdf,
	    w.root);
	if (!w.mapped)
		return failed("it has no entry for IOVA 0x%llx",
			      (unsigned long long)IOVA_BUF);
	show_walk(&w);
	pte = w.entry[w.leaf];
	say("IOPTE (%s): page at PA 0x%llx, %s%s", vtd_level[w.leaf],
	    pte & VTD_PTE_ADDR, pte & VTD_PTE_READ ? "read" : "",
	    pte & VTD_PTE_WRITE ? "+write" : "");
	if (w.leaf != 4 || (pte & VTD_PTE_ADDR) != pa ||
	    (pte & (VTD_PTE_READ | VTD_PTE_WRITE)) !=
	    (VTD_PTE_READ | VTD_PTE_WRITE))
		return failed("that is not a read+write 4 KiB IOPTE for PA 0x%llx",
			      (unsigned long long)pa);
	say("= the buffer's page: the device's DMA to IOVA 0x%llx lands there",
	    (unsigned long long)IOVA_BUF);
	return true;
}

/* Step 5: unmap, and the same READ again. */
static bool read_unmapped(struct demo *d)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = d->iommu.ioas_id,
		.iova = IOVA_BUF,
		.length = BUF_SIZE,
	};
	char fault[512], msg[64];
	struct vtd_walk w;
	int kmsg, ret;
	__u32 len;

	heading("5. IOMMU_IOAS_UNMAP, then the same READ");
	if (!do_ioctl(d->iommu.fd, IOMMU_IOAS_UNMAP, &unmap,
		      "IOMMU_IOAS_UNMAP"))
		return false;
	if (!vtd_lookup(d->bdf, IOVA_BUF, &w))
		return false;
	say("%-30s -> %llu bytes unmapped; IOPTE now: %s", "IOMMU_IOAS_UNMAP",
	    (unsigned long long)unmap.length,
	    w.mapped ? "still there" : "none");
	if (unmap.length != BUF_SIZE || w.mapped)
		return failed("IOVA 0x%llx is still mapped",
			      (unsigned long long)IOVA_BUF);

	kmsg = kmsg_open();
	if (kmsg < 0)
		return failed("/dev/kmsg: %s", strerror(-kmsg));
	len = BUF_SIZE / d->nvme.lba_size * d->nvme.lba_size;
	memset(d->buf, FILL_BLOCKED, BUF_SIZE);
	ret = nvme_rw(&d->nvme, false, NSID, 0, IOVA_BUF, len);
	say("READ LBA 0 (%u bytes) to IOVA 0x%llx: %s", len,
	    (unsigned long long)IOVA_BUF, read_outcome(ret, msg, sizeof(msg)));
	say("buffer: %s", all_bytes(d->buf, FILL_BLOCKED, BUF_SIZE) ?
	    "untouched, no byte of the disk arrived" : "CHANGED");
	if (!all_bytes(d->buf, FILL_BLOCKED, BUF_SIZE))
		failed("the DMA reached the buffer after the unmap");

	ret = kmsg_wait_iommu_fault(kmsg, d->bdf, IOVA_BUF, FAULT_WAIT_MS,
				    fault, sizeof(fault));
	close(kmsg);
	if (ret)
		return failed("no VT-d fault for %s at IOVA 0x%llx in the kernel log",
			      d->bdf, (unsigned long long)IOVA_BUF);
	say("the IOMMU's fault, from the kernel log:");
	say("  %s", fault);
	return ok;
}

int main(int argc, char **argv)
{
	struct demo d = {
		.iommu = { .backend = VFIO_BACKEND_CDEV, .fd = -1 },
		.dev = { .fd = -1, .group_fd = -1, .open = true },
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s BDF /dev/vfio/devices/vfioN\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	d.bdf = argv[1];
	vfio_lib_copy_str(d.dev.bdf, d.bdf, sizeof(d.dev.bdf));
	d.dev.iommu = &d.iommu;

	if (setup_ioas(&d, argv[2]) && read_disk(&d) && show_iopte(&d))
		read_unmapped(&d);

	/* Stop the controller before its queues go away. */
	nvme_ctrl_shutdown(&d.nvme);
	vfio_pci_dev_close(&d.dev);
	vfio_iommu_close(&d.iommu);
	return ok ? 0 : 1;
}
