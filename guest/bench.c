// SPDX-License-Identifier: GPL-2.0-only
/*
 * "make bench": throughput of IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP of a whole
 * buffer into an IOAS that a mock IOMMU domain (CONFIG_IOMMUFD_TEST) is
 * attached to, so that every map pins the pages and fills the domain.
 *
 * For each backing (4 KiB pages, 2 MiB hugetlbfs pages) and each buffer
 * size, the buffer is written first (page faults are not timed), mapped
 * once as a warm-up and checked against the mock domain, then mapped and
 * unmapped REPS times at a fixed IOVA.  Rows the guest has no memory for
 * are skipped with a note.
 *
 *   iommufd-bench [-r REPS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "iommufd_test.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KIB		(1ULL << 10)
#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define HUGE_SZ		(2 * MIB)
#define MAX_REPS	101
/* Memory to leave to the kernel when sizing a 4 KiB-page buffer. */
#define ANON_SLACK	(192 * MIB)

/* Every buffer is mapped at this IOVA: 1 GiB aligned, inside the aperture. */
#define BENCH_IOVA	(1ULL << 30)

static const uint64_t sizes[] = { 1 * MIB, 64 * MIB, 1 * GIB };

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
	if (len >= GIB)
		snprintf(s, slen, "%llu GiB", (unsigned long long)(len / GIB));
	else
		snprintf(s, slen, "%llu MiB", (unsigned long long)(len / MIB));
}

/* One row of the table: returns 0, or -1 if a map or unmap failed. */
static int bench_row(int huge, uint64_t len, int reps)
{
	const char *backing = huge ? "2M hugetlb" : "4K pages";
	uint64_t total[MAX_REPS], map[MAX_REPS], unmap[MAX_REPS];
	double med, med_map, med_unmap, spread;
	char name[16], why[96];
	uint64_t t0, t1, t2;
	void *buf;
	int i, rc;

	size_name(len, name, sizeof(name));
	if (!huge && !nohuge) {
		printf("%-8s %-11s  skipped: THP is on and madvise() is missing\n",
		       name, backing);
		return 0;
	}
	buf = get_buffer(huge, len, why, sizeof(why));
	if (!buf) {
		printf("%-8s %-11s  skipped: %s\n", name, backing, why);
		return 0;
	}

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
		total[i] = t2 - t0;
		map[i] = t1 - t0;
		unmap[i] = t2 - t1;
	}
	munmap(buf, len);
	if (rc) {
		printf("%-8s %-11s  FAILED: map/unmap: %s\n", name, backing,
		       strerror(-rc));
		return -1;
	}

	med_map = median(map, reps);
	med_unmap = median(unmap, reps);
	med = median(total, reps);	/* sorted: total[0] min, last max */
	spread = 100.0 * (total[reps - 1] - total[0]) / med;
	printf("%-8s %-11s %4d %11.2f %9.2f %9.2f %7.3f %10.0f %7.1f%%\n",
	       name, backing, reps, med / 1e6, med_map / 1e6, med_unmap / 1e6,
	       (double)len / GIB / (med / 1e9),
	       (double)(len / (4 * KIB)) / (med / 1e9), spread);
	fflush(stdout);
	return 0;
}

static void print_usage(void)
{
	printf("usage: iommufd-bench [-r REPS]   (REPS 1..%d, default 7)\n",
	       MAX_REPS);
}

int main(int argc, char **argv)
{
	struct utsname uts;
	int reps = 7, opt, huge, ret = 0;
	unsigned int i;

	while ((opt = getopt(argc, argv, "r:h")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
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

	uname(&uts);
	nohuge = nohugepage_how();
	printf("iommufd-bench: IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP into a mock IOMMU domain\n");
	printf("# kernel %s %s (%s)\n", uts.release, uts.version, uts.machine);
	printf("# IOVA 0x%llx (fixed), mock aperture 0x%llx-0x%llx; %d reps after 1 warm-up\n",
	       (unsigned long long)BENCH_IOVA,
	       (unsigned long long)MOCK_APERTURE_START,
	       (unsigned long long)MOCK_APERTURE_LAST, reps);
	printf("# buffers are written before timing: times include pinning and filling\n");
	printf("# the domain, not page faults.  CLOCK_MONOTONIC, medians over the reps;\n");
	printf("# pages/s counts 4 KiB pages; spread = (max - min) / median of map+unmap.\n");
	printf("# 4K pages: %s; 2M hugetlb: MAP_HUGETLB | MAP_HUGE_2MB.\n",
	       nohuge ? nohuge : "THP cannot be avoided, rows skipped");

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
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
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			if (bench_row(huge, sizes[i], reps))
				ret = 1;
	close(iommufd);
	return ret;
}
