// SPDX-License-Identifier: GPL-2.0-only
/*
 * "make run": a short tour of /dev/iommu in the test guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/iommufd.h>

int main(void)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = 1 };
	struct stat st;
	int fd, rc;

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		printf("demo: open /dev/iommu: %s\n", strerror(errno));
		return 1;
	}
	fstat(fd, &st);
	printf("demo: opened /dev/iommu (char %u:%u, mode %o) as fd %d\n",
	       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 0777, fd);

	rc = ioctl(fd, IOMMU_DESTROY, &destroy);
	printf("demo: IOMMU_DESTROY id 1 in an empty context: %d (%s)\n",
	       rc, rc ? strerror(errno) : "ok");

	destroy.size = 4;
	rc = ioctl(fd, IOMMU_DESTROY, &destroy);
	printf("demo: IOMMU_DESTROY with size 4 (too small): %d (%s)\n",
	       rc, rc ? strerror(errno) : "ok");

	rc = ioctl(fd, _IO(IOMMUFD_TYPE, 0x00), &destroy);
	printf("demo: an ioctl iommufd does not know: %d (%s)\n",
	       rc, rc ? strerror(errno) : "ok");

	close(fd);
	printf("demo: closed /dev/iommu\n");
	return 0;
}
