// SPDX-License-Identifier: GPL-2.0-only
/*
 * "make bench": how fast user memory gets in and out of an IOMMU domain.
 *
 * Two tables, each timing map + unmap of a whole buffer at a fixed IOVA,
 * for each backing (4 KiB pages, 2 MiB hugetlbfs pages) and buffer size:
 *
 *  real  iommufd against VFIO type1 on the machine's own IOMMU (QEMU's
 *        VT-d on x86_64).  Two PCI devices in separate IOMMU groups are
 *        handed to vfio-pci: one goes into a /dev/vfio/vfio container
 *        (VFIO_TYPE1v2_IOMMU, VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA),
 *        the other is bound through its VFIO device cdev to /dev/iommu and
 *        attached to an IOAS (IOMMU_IOAS_MAP with FIXED_IOVA /
 *        IOMMU_IOAS_UNMAP).  Each repetition maps and unmaps the same
 *        buffer through both, taking turns at going first, and the row
 *        gives type1's median over iommufd's: above 1, iommufd is faster.
 *        The devices do no DMA: a mapping only has to be accepted.
 *  mock  IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP into an IOAS with a mock IOMMU
 *        device attached (CONFIG_IOMMUFD_TEST), iommufd alone.
 *
 * Buffers are written first (page faults are not timed) and each backend
 * maps a buffer once as a warm-up before the timed repetitions; on VT-d the
 * warm-up mapping of the smaller buffers is checked against the domain's
 * page table in debugfs, which also tells which IOPTE sizes it got.  Rows
 * the guest has no memory for are skipped with a note.
 *
 *   iommufd-bench [-r REPS] [-t real,mock] [-s SIZE,...]
 *
 * -t picks the tables (default both, real first), -s the buffer sizes
 * (default 1M,64M,1G), -r the repetitions per row (default 5).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd_test.h"
/* A header-only library: this program does not need all of it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "vfio_pci_lib.h"
#pragma GCC diagnostic pop

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KIB		(1ULL << 10)
#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define HUGE_SZ		(2 * MIB)
#define MAX_REPS	101
#define DEFAULT_REPS	5
#define MAX_SIZES	8
/* Memory to leave to the kernel when sizing a 4 KiB-page buffer. */
#define ANON_SLACK	(192 * MIB)

/* Mock table: 1 GiB aligned, inside the mock aperture (16 MiB - 2 GiB). */
#define BENCH_IOVA	(1ULL << 30)
/* Real table: above 32-bit space, so far from the MSI window 0xfee00000. */
#define REAL_IOVA	(4ULL << 30)
/* Real table: VT-d page tables are checked in debugfs up to this size. */
#define REAL_CHECK_MAX	(64 * MIB)

#define TABLE_REAL	1
#define TABLE_MOCK	2

#define PCI_VENDOR_QEMU		0x1b36
#define PCI_DEVICE_QEMU_NVME	0x0010
#define PCI_VENDOR_EDU		0x1234
#define PCI_DEVICE_EDU		0x11e8

#define VTD_DOMAIN_TABLES "/sys/kernel/debug/iommu/intel/domain_translation_struct"

static uint64_t sizes[MAX_SIZES] = { 1 * MIB, 64 * MIB, 1 * GIB };
static unsigned int nr_sizes = 3;

/* Does [@iova, @iova + @len) lie inside the mock domain's aperture? */
static int in_aperture(uint64_t iova, uint64_t len)
{
	return iova >= MOCK_APERTURE_START &&
	       iova + len - 1 <= MOCK_APERTURE_LAST;
}

static int iommufd;
static uint32_t ioas_id, hwpt_id;
/* madvise() is optional (CONFIG_ADVISE_SYSCALLS); without it THP must be off. */
static int no_madvise;
/* How 4 KiB-page rows avoid THP (nohugepage_how()); NULL: they cannot. */
static const char *nohuge;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int bench_map(void *buf, uint64_t len)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = BENCH_IOVA,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

static int bench_unmap(uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = BENCH_IOVA,
		.length = len,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		return -errno;
	return cmd.length == len ? 0 : -EIO;
}

static int check_map(void *buf, uint64_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = {
			.iova = BENCH_IOVA,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};

	return ioctl(iommufd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}

/*
 * An IOAS with a mock device attached: its domain gets every mapping.  The
 * device's IOMMU has 1 MiB and 2 MiB IOPTEs besides small ones, as real
 * IOMMUs have large ones, so hugetlb memory maps in large pieces.
 */
static int setup(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.mock_domain_flags = {
			.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
		},
	};

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) {
		printf("bench: open /dev/iommu: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		printf("bench: IOMMU_IOAS_ALLOC: %s\n", strerror(errno));
		return -1;
	}
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	if (ioctl(iommufd, IOMMU_TEST_CMD, &mock)) {
		printf("bench: IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: %s (needs CONFIG_IOMMUFD_TEST)\n",
		       strerror(errno));
		return -1;
	}
	hwpt_id = mock.mock_domain_flags.out_hwpt_id;
	return 0;
}

/* A field of /proc/meminfo, in bytes (HugePages_* are counts); 0 if absent. */
static uint64_t read_meminfo(const char *key)
{
	size_t klen = strlen(key);
	unsigned long long val = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		val = strtoull(line + klen + 1, NULL, 10);
		if (strstr(line, " kB"))
			val *= KIB;
		break;
	}
	fclose(f);
	return val;
}

/* Map @len bytes of the backing, written; NULL with @why set if not. */
static void *get_buffer(int huge, uint64_t len, char *why, size_t whylen)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uint64_t avail;
	void *buf;

	if (huge) {
		avail = read_meminfo("HugePages_Free") * HUGE_SZ;
		if (avail < len) {
			snprintf(why, whylen, "only %llu MiB of free 2 MiB hugepages",
				 (unsigned long long)(avail / MIB));
			return NULL;
		}
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	} else {
		avail = read_meminfo("MemAvailable");
		if (avail < len + ANON_SLACK) {
			snprintf(why, whylen, "only %llu MiB of memory available",
				 (unsigned long long)(avail / MIB));
			return NULL;
		}
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (buf == MAP_FAILED) {
		snprintf(why, whylen, "mmap: %s", strerror(errno));
		return NULL;
	}
	if (!huge && !no_madvise && madvise(buf, len, MADV_NOHUGEPAGE)) {
		snprintf(why, whylen, "madvise(MADV_NOHUGEPAGE): %s",
			 strerror(errno));
		munmap(buf, len);
		return NULL;
	}
	/* Fault every page in now: pinning is timed, page faults are not. */
	memset(buf, 0x5a, len);
	return buf;
}

/*
 * How the 4 KiB-page buffers avoid transparent huge pages: MADV_NOHUGEPAGE,
 * or, in a kernel without madvise(), THP switched off (or madvise-only)
 * system-wide.  NULL if neither is possible.
 */
static const char *nohugepage_how(void)
{
	char mode[128] = "";
	void *p;
	FILE *f;

	p = mmap(NULL, HUGE_SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!madvise(p, HUGE_SZ, MADV_NOHUGEPAGE) || errno != ENOSYS) {
		munmap(p, HUGE_SZ);
		return "MADV_NOHUGEPAGE";
	}
	munmap(p, HUGE_SZ);
	no_madvise = 1;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return "no THP in this kernel";
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	if (strstr(mode, "[never]") || strstr(mode, "[madvise]"))
		return "THP off (this kernel has no madvise())";
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n samples; sorts them. */
static double median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void size_name(uint64_t len, char *s, size_t slen)
{
	if (len >= GIB && !(len % GIB))
		snprintf(s, slen, "%llu GiB", (unsigned long long)(len / GIB));
	else if (len >= MIB && !(len % MIB))
		snprintf(s, slen, "%llu MiB", (unsigned long long)(len / MIB));
	else
		snprintf(s, slen, "%llu KiB", (unsigned long long)(len / KIB));
}

/* Times of one way of mapping over the repetitions of a row, in ns. */
struct samples {
	uint64_t total[MAX_REPS];
	uint64_t map[MAX_REPS];
	uint64_t unmap[MAX_REPS];
};

/* Medians in ms, and the spread of map+unmap in percent. */
struct summary {
	double total, map, unmap, spread;
};

/* Sorts the samples. */
static void summarize(struct samples *s, int reps, struct summary *out)
{
	out->map = median(s->map, reps) / 1e6;
	out->unmap = median(s->unmap, reps) / 1e6;
	out->total = median(s->total, reps) / 1e6;
	/* sorted now: total[0] is the fastest, total[reps - 1] the slowest */
	out->spread = 100.0 * (s->total[reps - 1] - s->total[0]) / 1e6 /
		      out->total;
}

/*
 * The buffer of a row, or NULL when the row cannot run here, which it then
 * reports as skipped, under its @name and @backing.
 */
static void *row_buffer(int huge, uint64_t len, const char *name,
			const char *backing)
{
	char why[96];
	void *buf;

	if (!huge && !nohuge) {
		printf("%-8s %-11s  skipped: THP is on and madvise() is missing\n",
		       name, backing);
		return NULL;
	}
	buf = get_buffer(huge, len, why, sizeof(why));
	if (!buf)
		printf("%-8s %-11s  skipped: %s\n", name, backing, why);
	return buf;
}

/* One row of the mock table: returns 0, or -1 if a map or unmap failed. */
static int bench_row(int huge, uint64_t len, int reps)
{
	const char *backing = huge ? "2M hugetlb" : "4K pages";
	static struct samples s;
	struct summary sum;
	char name[24];
	uint64_t t0, t1, t2;
	void *buf;
	int i, rc;

	size_name(len, name, sizeof(name));
	buf = row_buffer(huge, len, name, backing);
	if (!buf)
		return 0;

	/* Warm-up, and proof that the mock domain really got the pages. */
	rc = bench_map(buf, len);
	if (!rc) {
		rc = check_map(buf, len);
		if (rc)
			printf("bench: %s %s: mock domain does not map the buffer: %s\n",
			       name, backing, strerror(-rc));
		if (bench_unmap(len) && !rc)
			rc = -EIO;
	}
	for (i = 0; !rc && i < reps; i++) {
		t0 = now_ns();
		rc = bench_map(buf, len);
		t1 = now_ns();
		if (rc)
			break;
		rc = bench_unmap(len);
		t2 = now_ns();
		s.total[i] = t2 - t0;
		s.map[i] = t1 - t0;
		s.unmap[i] = t2 - t1;
	}
	munmap(buf, len);
	if (rc) {
		printf("%-8s %-11s  FAILED: map/unmap: %s\n", name, backing,
		       strerror(-rc));
		return -1;
	}

	summarize(&s, reps, &sum);
	printf("%-8s %-11s %4d %11.2f %9.2f %9.2f %7.3f %10.0f %7.1f%%\n",
	       name, backing, reps, sum.total, sum.map, sum.unmap,
	       (double)len / GIB / (sum.total / 1e3),
	       (double)(len / (4 * KIB)) / (sum.total / 1e3), sum.spread);
	fflush(stdout);
	return 0;
}

static int mock_table(int reps)
{
	unsigned int i;
	int huge, ret = 0;

	printf("\nMock table: IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP into a mock IOMMU domain\n");
	printf("# IOVA 0x%llx (fixed), mock aperture 0x%llx-0x%llx; %d reps after 1 warm-up\n",
	       (unsigned long long)BENCH_IOVA,
	       (unsigned long long)MOCK_APERTURE_START,
	       (unsigned long long)MOCK_APERTURE_LAST, reps);
	printf("# times include pinning and filling the domain, not page faults.\n");
	printf("# Medians over the reps; pages/s counts 4 KiB pages;\n");
	printf("# spread = (max - min) / median of map+unmap.\n");

	for (i = 0; i < nr_sizes; i++) {
		if (!in_aperture(BENCH_IOVA, sizes[i])) {
			printf("bench: %llu MiB at IOVA 0x%llx does not fit the mock aperture\n",
			       (unsigned long long)(sizes[i] / MIB),
			       (unsigned long long)BENCH_IOVA);
			return 1;
		}
	}
	if (setup())
		return 1;

	printf("%-8s %-11s %4s %11s %9s %9s %7s %10s %8s\n", "size", "backing",
	       "reps", "map+unmap", "map", "unmap", "GiB/s", "pages/s", "spread");
	printf("%-8s %-11s %4s %11s %9s %9s %7s %10s %8s\n", "", "", "",
	       "ms", "ms", "ms", "", "", "");
	for (huge = 0; huge < 2; huge++)
		for (i = 0; i < nr_sizes; i++)
			if (bench_row(huge, sizes[i], reps))
				ret = 1;
	close(iommufd);
	return ret;
}

/*
 * The real table.  real[0] is iommufd (VFIO cdev + IOAS), real[1] type1
 * (VFIO container).
 */
struct real_backend {
	const char *name;
	enum vfio_backend kind;
	char bdf[32];
	char what[64];		/* "NVMe deadbeef", "edu" */
	char group[16];
	char orig_driver[64];
	bool driver_saved;
	struct vfio_iommu iommu;
	struct vfio_pci_dev dev;
};

static struct real_backend real[2] = {
	{ .name = "iommufd", .kind = VFIO_BACKEND_CDEV },
	{ .name = "type1", .kind = VFIO_BACKEND_TYPE1 },
};

/* A PCI device the real table may use. */
struct real_candidate {
	char bdf[32];
	char what[64];
	char group[16];
	bool edu;
};

/* The serial number of the NVMe controller at @bdf, while nvme drives it. */
static void nvme_serial(const char *bdf, char *serial, size_t len)
{
	char dir[320], attr[600];
	struct dirent *de;
	size_t n;
	DIR *d;

	serial[0] = '\0';
	snprintf(dir, sizeof(dir), VFIO_LIB_PCI_DEVICES "/%s/nvme", bdf);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "nvme", 4))
			continue;
		snprintf(attr, sizeof(attr), "%s/%s/serial", dir, de->d_name);
		if (vfio_lib_read_file(attr, serial, len))
			serial[0] = '\0';
		/* The controller pads it with blanks. */
		for (n = strlen(serial); n && serial[n - 1] == ' '; n--)
			serial[n - 1] = '\0';
		break;
	}
	closedir(d);
}

/* NVMe controllers first, in PCI address order, then edu. */
static int cmp_candidate(const void *a, const void *b)
{
	const struct real_candidate *x = a, *y = b;

	if (x->edu != y->edu)
		return x->edu ? 1 : -1;
	return strcmp(x->bdf, y->bdf);
}

/*
 * The devices behind an IOMMU that can go to VFIO: QEMU's NVMe controllers
 * and edu, in the order cmp_candidate() says.  Returns how many were found,
 * at most @max.
 */
static int real_candidates(struct real_candidate *c, int max)
{
	unsigned long vendor, device;
	char val[32], serial[32];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir(VFIO_LIB_PCI_DEVICES);
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		if (de->d_name[0] == '.' ||
		    vfio_lib_dev_attr(de->d_name, "vendor", val, sizeof(val)))
			continue;
		vendor = strtoul(val, NULL, 16);
		if (vfio_lib_dev_attr(de->d_name, "device", val, sizeof(val)))
			continue;
		device = strtoul(val, NULL, 16);
		if (vendor == PCI_VENDOR_QEMU && device == PCI_DEVICE_QEMU_NVME) {
			nvme_serial(de->d_name, serial, sizeof(serial));
			snprintf(c[n].what, sizeof(c[n].what), "NVMe%s%s",
				 serial[0] ? " " : "", serial);
			c[n].edu = false;
		} else if (vendor == PCI_VENDOR_EDU &&
			   device == PCI_DEVICE_EDU) {
			snprintf(c[n].what, sizeof(c[n].what), "edu");
			c[n].edu = true;
		} else {
			continue;
		}
		vfio_lib_copy_str(c[n].bdf, de->d_name, sizeof(c[n].bdf));
		/* Without an IOMMU group there is no IOMMU in front of it. */
		if (!vfio_lib_dev_link(c[n].bdf, "iommu_group", c[n].group,
				       sizeof(c[n].group)))
			n++;
	}
	closedir(dir);
	qsort(c, n, sizeof(*c), cmp_candidate);
	return n;
}

/*
 * Is [@iova, @iova + @len) inside one of the IOVA ranges of @b?  The ranges
 * and, for type1, the IOMMU page sizes go to @desc.  -errno if the query
 * failed.
 */
static int real_iova_ok(struct real_backend *b, uint64_t iova, uint64_t len,
			char *desc, size_t dlen)
{
	uint64_t last = iova + len - 1;
	char piece[64];
	int ok = 0;

	desc[0] = '\0';
	if (b->kind == VFIO_BACKEND_CDEV) {
		struct iommu_iova_range ranges[32];
		struct iommu_ioas_iova_ranges cmd = {
			.size = sizeof(cmd),
			.ioas_id = b->iommu.ioas_id,
			.num_iovas = ARRAY_SIZE(ranges),
			.allowed_iovas = (uintptr_t)ranges,
		};
		unsigned int i;

		if (ioctl(b->iommu.fd, IOMMU_IOAS_IOVA_RANGES, &cmd))
			return -errno;
		for (i = 0; i < cmd.num_iovas && i < ARRAY_SIZE(ranges); i++) {
			snprintf(piece, sizeof(piece), "%s0x%llx-0x%llx",
				 i ? " " : "",
				 (unsigned long long)ranges[i].start,
				 (unsigned long long)ranges[i].last);
			vfio_lib_append_str(desc, piece, dlen);
			if (iova >= ranges[i].start && last <= ranges[i].last)
				ok = 1;
		}
		snprintf(piece, sizeof(piece), "; alignment 0x%llx",
			 (unsigned long long)cmd.out_iova_alignment);
		vfio_lib_append_str(desc, piece, dlen);
	} else {
		struct vfio_iommu_type1_info_cap_iova_range *cap_range;
		struct vfio_iommu_type1_info *info;
		struct vfio_info_cap_header *cap;
		uint32_t argsz = 4096, off, i;
		int bit, first = 1;

		info = calloc(1, argsz);
		if (!info)
			return -ENOMEM;
		info->argsz = argsz;
		if (ioctl(b->iommu.fd, VFIO_IOMMU_GET_INFO, info)) {
			free(info);
			return -errno;
		}
		if (info->argsz > argsz) {
			free(info);
			return -E2BIG;
		}
		vfio_lib_append_str(desc, "page sizes", dlen);
		for (bit = 12; bit < 64; bit++) {
			if (!(info->iova_pgsizes & (1ULL << bit)))
				continue;
			if (bit >= 30)
				snprintf(piece, sizeof(piece), " %lluG",
					 1ULL << (bit - 30));
			else if (bit >= 20)
				snprintf(piece, sizeof(piece), " %lluM",
					 1ULL << (bit - 20));
			else
				snprintf(piece, sizeof(piece), " %lluK",
					 1ULL << (bit - 10));
			vfio_lib_append_str(desc, piece, dlen);
		}
		vfio_lib_append_str(desc, ";", dlen);
		off = (info->flags & VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
		while (off && off + sizeof(*cap) <= argsz) {
			cap = (void *)((char *)info + off);
			if (cap->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				cap_range = (void *)cap;
				for (i = 0; i < cap_range->nr_iovas &&
				     off + sizeof(*cap_range) +
				     (i + 1) * sizeof(cap_range->iova_ranges[0]) <=
				     argsz; i++) {
					struct vfio_iova_range *r =
						&cap_range->iova_ranges[i];

					snprintf(piece, sizeof(piece),
						 " 0x%llx-0x%llx",
						 (unsigned long long)r->start,
						 (unsigned long long)r->end);
					vfio_lib_append_str(desc, piece, dlen);
					if (iova >= r->start && last <= r->end)
						ok = 1;
					first = 0;
				}
			}
			off = cap->next;
		}
		/* A container without the capability has no restrictions. */
		if (first) {
			vfio_lib_append_str(desc, " (no IOVA range list)", dlen);
			ok = 1;
		}
		free(info);
	}
	return ok;
}

/* Read a whole (debugfs) file; NULL on failure.  Free the result. */
static char *read_whole_file(const char *path)
{
	size_t len = 0, cap = 1 << 20;
	char *buf, *grown;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (len + 1 == cap) {
			grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			free(buf);
			buf = NULL;
		} else if (!n) {
			buf[len] = '\0';
			break;
		}
		len += n > 0 ? n : 0;
	}
	close(fd);
	return buf;
}

/*
 * Count the leaves of @bdf's VT-d domain inside [@iova, @iova + @len) in
 * the debugfs dump of the page tables: one line per leaf,
 *
 *   0x<iova pfn> | 0x<pml5e> 0x<pml4e> 0x<pdpe> 0x<pde> 0x<pte>
 *
 * where the entries below a large leaf read 0.  @n[0], @n[1], @n[2] get the
 * number of 4 KiB, 2 MiB and 1 GiB leaves.  Returns the bytes they cover,
 * or -1 if the dump cannot be read or has no table for @bdf.
 */
static long long vtd_leaves(const char *bdf, uint64_t iova, uint64_t len,
			    unsigned long n[3])
{
	unsigned long long pfn, e5, e4, e3, pde, pte, leaf;
	char head[64], *dump, *line, *next;
	bool in_dev = false, found = false;
	long long bytes = 0;

	n[0] = n[1] = n[2] = 0;
	dump = read_whole_file(VTD_DOMAIN_TABLES);
	if (!dump)
		return -1;
	snprintf(head, sizeof(head), "Device %s @", bdf);
	for (line = dump; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Device ", 7)) {
			if (in_dev)
				break;
			in_dev = !strncmp(line, head, strlen(head));
			found |= in_dev;
			continue;
		}
		if (!in_dev || sscanf(line, "%llx | %llx %llx %llx %llx %llx",
				      &pfn, &e5, &e4, &e3, &pde, &pte) != 6)
			continue;
		if (pfn < iova / 4096 || pfn >= (iova + len) / 4096)
			continue;
		if (pte) {
			leaf = 4 * KIB;
			n[0]++;
		} else if (pde) {
			leaf = 2 * MIB;
			n[1]++;
		} else {
			leaf = GIB;
			n[2]++;
		}
		bytes += leaf;
	}
	free(dump);
	return found ? bytes : -1;
}

/* "32 x 2M" or "256 x 4K + 1 x 2M", what vtd_leaves() counted. */
static void leaves_name(const unsigned long n[3], char *s, size_t len)
{
	static const char *const unit[3] = { "4K", "2M", "1G" };
	char piece[32];
	int i;

	s[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (!n[i])
			continue;
		snprintf(piece, sizeof(piece), "%s%lu x %s", s[0] ? " + " : "",
			 n[i], unit[i]);
		vfio_lib_append_str(s, piece, len);
	}
	if (!s[0])
		vfio_lib_copy_str(s, "none", len);
}

static int real_map(struct real_backend *b, void *buf, uint64_t len)
{
	return vfio_iommu_map(&b->iommu, buf, REAL_IOVA, len);
}

static int real_unmap(struct real_backend *b, uint64_t len)
{
	return vfio_iommu_unmap(&b->iommu, REAL_IOVA, len);
}

/*
 * Warm-up of one backend: map and unmap once.  Up to REAL_CHECK_MAX, check
 * in between that the device's VT-d domain maps exactly the buffer's IOVAs
 * and say with which IOPTEs in @leaves.
 */
static int real_warmup(struct real_backend *b, void *buf, uint64_t len,
		       char *leaves, size_t llen)
{
	unsigned long n[3];
	long long bytes;
	int rc, rc2;

	leaves[0] = '\0';
	rc = real_map(b, buf, len);
	if (rc)
		return rc;
	if (len <= REAL_CHECK_MAX && !access(VTD_DOMAIN_TABLES, R_OK)) {
		bytes = vtd_leaves(b->bdf, REAL_IOVA, len, n);
		if (bytes < 0) {
			vfio_lib_copy_str(leaves, "no page table dump", llen);
		} else {
			leaves_name(n, leaves, llen);
			if ((uint64_t)bytes != len) {
				printf("bench: %s: the VT-d domain of %s maps %lld of %llu bytes at 0x%llx\n",
				       b->name, b->bdf, bytes,
				       (unsigned long long)len,
				       (unsigned long long)REAL_IOVA);
				rc = -EIO;
			}
		}
	}
	rc2 = real_unmap(b, len);
	return rc ? rc : rc2;
}

/* One row of the real table: returns 0, or -1 if a map or unmap failed. */
static int real_row(int huge, uint64_t len, int reps)
{
	const char *backing = huge ? "2M hugetlb" : "4K pages";
	static struct samples s[2];
	char name[24], leaves[2][96];
	struct summary sum[2];
	uint64_t t0, t1, t2;
	int i, k, rc = 0;
	void *buf;

	size_name(len, name, sizeof(name));
	buf = row_buffer(huge, len, name, backing);
	if (!buf)
		return 0;

	for (k = 0; k < 2 && !rc; k++) {
		rc = real_warmup(&real[k], buf, len, leaves[k],
				 sizeof(leaves[k]));
		if (rc)
			printf("bench: %s %s: %s warm-up failed: %s\n", name,
			       backing, real[k].name, strerror(-rc));
	}
	/* Even repetitions start with iommufd, odd ones with type1. */
	for (i = 0; !rc && i < reps; i++) {
		for (k = 0; k < 2 && !rc; k++) {
			struct real_backend *b = &real[(i + k) % 2];
			struct samples *bs = &s[(i + k) % 2];

			t0 = now_ns();
			rc = real_map(b, buf, len);
			t1 = now_ns();
			if (rc)
				break;
			rc = real_unmap(b, len);
			t2 = now_ns();
			bs->total[i] = t2 - t0;
			bs->map[i] = t1 - t0;
			bs->unmap[i] = t2 - t1;
		}
	}
	munmap(buf, len);
	if (rc) {
		printf("%-8s %-11s  FAILED: map/unmap: %s\n", name, backing,
		       strerror(-rc));
		return -1;
	}

	summarize(&s[0], reps, &sum[0]);
	summarize(&s[1], reps, &sum[1]);
	printf("%-8s %-11s %4d  %10.2f %9.2f %9.2f %5.0f%%  %10.2f %9.2f %9.2f %5.0f%%  %5.2f %5.2f %5.2f\n",
	       name, backing, reps,
	       sum[0].total, sum[0].map, sum[0].unmap, sum[0].spread,
	       sum[1].total, sum[1].map, sum[1].unmap, sum[1].spread,
	       sum[1].total / sum[0].total, sum[1].map / sum[0].map,
	       sum[1].unmap / sum[0].unmap);
	if (leaves[0][0] || leaves[1][0])
		printf("#   IOPTEs at 0x%llx: iommufd %s; type1 %s\n",
		       (unsigned long long)REAL_IOVA,
		       leaves[0][0] ? leaves[0] : "not checked",
		       leaves[1][0] ? leaves[1] : "not checked");
	fflush(stdout);
	return 0;
}

/* Give the devices back to the drivers they had. */
static void real_teardown(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		vfio_pci_dev_close(&real[k].dev);
		vfio_iommu_close(&real[k].iommu);
	}
	for (k = 0; k < 2; k++)
		if (real[k].driver_saved &&
		    vfio_pci_restore_driver(real[k].bdf, real[k].orig_driver))
			printf("bench: %s: could not give it back to '%s'\n",
			       real[k].bdf, real[k].orig_driver);
}

/*
 * Pick two devices in different IOMMU groups and open them, real[1] through
 * a type1 container, real[0] through its cdev and an IOAS.  Returns 0, 1 if
 * the table cannot run here (said why), -1 on errors.
 */
static int real_setup(void)
{
	struct real_candidate c[8];
	int n, i, k, ret;

	n = real_candidates(c, ARRAY_SIZE(c));
	/* type1 gets the first device, iommufd the next in another group */
	for (i = 1; i < n && !strcmp(c[i].group, c[0].group); i++)
		;
	if (n < 2 || i == n) {
		printf("real table skipped: needs two NVMe or edu devices in separate IOMMU groups (found %d)\n",
		       n);
		return 1;
	}
	for (k = 0; k < 2; k++) {
		struct real_candidate *pick = &c[k ? 0 : i];
		struct real_backend *b = &real[k];

		vfio_lib_copy_str(b->bdf, pick->bdf, sizeof(b->bdf));
		vfio_lib_copy_str(b->what, pick->what, sizeof(b->what));
		vfio_lib_copy_str(b->group, pick->group, sizeof(b->group));
		b->driver_saved = !vfio_pci_driver(b->bdf, b->orig_driver,
						   sizeof(b->orig_driver));
	}
	for (k = 0; k < 2; k++) {
		struct real_backend *b = &real[k];

		ret = vfio_iommu_open(&b->iommu, b->kind);
		if (!ret)
			ret = vfio_pci_dev_open(&b->dev, &b->iommu, b->bdf);
		if (ret == VFIO_LIB_SKIP) {
			printf("real table skipped: %s: %s\n", b->name,
			       vfio_lib_skip_reason);
			return 1;
		}
		if (ret) {
			printf("bench: cannot open %s %s for %s: %s\n", b->what,
			       b->bdf, b->name, strerror(-ret));
			return -1;
		}
	}
	return 0;
}

static int real_table(int reps)
{
	char desc[2][512];
	uint64_t maxlen = 0;
	unsigned int i;
	int huge, k, ret;

	printf("\nReal table: map + unmap in a real IOMMU domain, iommufd against VFIO type1\n");
	ret = real_setup();
	if (ret) {
		real_teardown();
		return ret < 0;
	}
	for (i = 0; i < nr_sizes; i++)
		if (sizes[i] > maxlen)
			maxlen = sizes[i];
	for (k = 0; k < 2; k++) {
		ret = real_iova_ok(&real[k], REAL_IOVA, maxlen, desc[k],
				   sizeof(desc[k]));
		if (ret <= 0) {
			printf("bench: %s: %llu MiB at IOVA 0x%llx is not mappable (%s)\n",
			       real[k].name, (unsigned long long)(maxlen / MIB),
			       (unsigned long long)REAL_IOVA,
			       ret < 0 ? strerror(-ret) : desc[k]);
			real_teardown();
			return 1;
		}
	}
	printf("# iommufd: %s %s (IOMMU group %s) through its VFIO cdev, bound to /dev/iommu and\n",
	       real[0].what, real[0].bdf, real[0].group);
	printf("#   attached to an IOAS: IOMMU_IOAS_MAP (FIXED_IOVA) + IOMMU_IOAS_UNMAP.\n");
	printf("#   IOAS ranges: %s\n", desc[0]);
	printf("# type1:   %s %s (IOMMU group %s) in a /dev/vfio/vfio container, VFIO_TYPE1v2_IOMMU:\n",
	       real[1].what, real[1].bdf, real[1].group);
	printf("#   VFIO_IOMMU_MAP_DMA + VFIO_IOMMU_UNMAP_DMA.\n");
	printf("#   %s\n", desc[1]);
	printf("# IOVA 0x%llx (fixed).  Each rep maps and unmaps the same buffer through\n",
	       (unsigned long long)REAL_IOVA);
	printf("# both, iommufd first in even reps, type1 first in odd ones, after 1 warm-up\n");
	printf("# each.  Times include pinning and filling the domain, not page faults.\n");
	printf("# Medians over %d reps in ms; spread = (max - min) / median of map+unmap;\n",
	       reps);
	printf("# type1/iommufd = type1's median / iommufd's: above 1, iommufd is faster.\n");
	printf("%-8s %-11s %4s  %-36s  %-36s  %s\n", "", "", "",
	       "---------------- iommufd -----------",
	       "----------------- type1 ------------",
	       "-- type1/iommufd --");
	printf("%-8s %-11s %4s  %10s %9s %9s %6s  %10s %9s %9s %6s  %5s %5s %5s\n",
	       "size", "backing", "reps", "map+unmap", "map", "unmap", "spread",
	       "map+unmap", "map", "unmap", "spread", "total", "map", "unmap");
	ret = 0;
	for (huge = 0; huge < 2; huge++)
		for (i = 0; i < nr_sizes; i++)
			if (real_row(huge, sizes[i], reps))
				ret = 1;
	real_teardown();
	return ret;
}

/* "1M,64M,1G" (K, M and G suffixes) into sizes[]; 0, or -1 if malformed. */
static int parse_sizes(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL, *end;
	unsigned long long v;

	nr_sizes = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		v = strtoull(tok, &end, 10);
		if (*end == 'K' || *end == 'k')
			v *= KIB;
		else if (*end == 'M' || *end == 'm')
			v *= MIB;
		else if (*end == 'G' || *end == 'g')
			v *= GIB;
		if (*end && strchr("KkMmGg", *end))
			end++;
		if (*end || !v || v % (4 * KIB) || v > 4 * GIB ||
		    nr_sizes == MAX_SIZES) {
			free(copy);
			return -1;
		}
		sizes[nr_sizes++] = v;
	}
	free(copy);
	return nr_sizes ? 0 : -1;
}

/* "real", "mock", "real,mock" into TABLE_* bits; 0 if malformed. */
static int parse_tables(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int tables = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "real")) {
			tables |= TABLE_REAL;
		} else if (!strcmp(tok, "mock")) {
			tables |= TABLE_MOCK;
		} else {
			tables = 0;
			break;
		}
	}
	free(copy);
	return tables;
}

static void print_usage(void)
{
	printf("usage: iommufd-bench [-r REPS] [-t real,mock] [-s SIZE,...]\n");
	printf("  -r REPS   repetitions per row, 1..%d (default %d)\n",
	       MAX_REPS, DEFAULT_REPS);
	printf("  -t TABLES real (iommufd against VFIO type1 on the real IOMMU),\n");
	printf("            mock (iommufd into a mock domain), or both (default)\n");
	printf("  -s SIZES  buffer sizes, 4 KiB multiples with K/M/G suffixes\n");
	printf("            (default 1M,64M,1G)\n");
}

int main(int argc, char **argv)
{
	int reps = DEFAULT_REPS, tables = TABLE_REAL | TABLE_MOCK, opt, ret = 0;
	struct utsname uts;
	uint64_t t0;

	while ((opt = getopt(argc, argv, "r:t:s:h")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
				print_usage();
				return 2;
			}
			break;
		case 't':
			tables = parse_tables(optarg);
			if (!tables) {
				print_usage();
				return 2;
			}
			break;
		case 's':
			if (parse_sizes(optarg)) {
				print_usage();
				return 2;
			}
			break;
		default:
			print_usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The VFIO library explains its failures on stderr: keep them in order. */
	setvbuf(stderr, NULL, _IOLBF, 0);

	uname(&uts);
	nohuge = nohugepage_how();
	printf("iommufd-bench: map + unmap of user memory into IOMMU domains\n");
	printf("# kernel %s %s (%s)\n", uts.release, uts.version, uts.machine);
	printf("# buffers are written before timing; 4K pages: %s;\n",
	       nohuge ? nohuge : "THP cannot be avoided, rows skipped");
	printf("# 2M hugetlb: MAP_HUGETLB | MAP_HUGE_2MB.\n");

	if (tables & TABLE_REAL) {
		t0 = now_ns();
		if (real_table(reps))
			ret = 1;
		printf("# real table: %.0f s\n", (now_ns() - t0) / 1e9);
	}
	if (tables & TABLE_MOCK) {
		t0 = now_ns();
		if (mock_table(reps))
			ret = 1;
		printf("# mock table: %.0f s\n", (now_ns() - t0) / 1e9);
	}
	return ret;
}
