/*
 * clamp_rlimit.so: an LD_PRELOAD library for running the sanlock daemon in
 * a container without CAP_SYS_RESOURCE.
 *
 * sanlock raises RLIMIT_MEMLOCK and RLIMIT_RTPRIO at start and exits when
 * the kernel refuses ("cannot set the limits for memlock"). This library
 * lowers any setrlimit request above the hard limit to the hard limit, so
 * the request succeeds with the most the process may have. It changes
 * nothing else; sanlock's lease I/O is untouched.
 *
 * Build: gcc -shared -fPIC -O2 -o clamp_rlimit.so clamp_rlimit.c
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int clamp(int resource, const struct rlimit64 *want)
{
	struct rlimit64 have, next = *want;

	if (syscall(SYS_prlimit64, 0, resource, NULL, &have) == 0) {
		if (next.rlim_max > have.rlim_max)
			next.rlim_max = have.rlim_max;
		if (next.rlim_cur > next.rlim_max)
			next.rlim_cur = next.rlim_max;
	}
	return syscall(SYS_prlimit64, 0, resource, &next, NULL);
}

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	struct rlimit64 want;

	want.rlim_cur = rlim->rlim_cur == RLIM_INFINITY ? RLIM64_INFINITY
							: rlim->rlim_cur;
	want.rlim_max = rlim->rlim_max == RLIM_INFINITY ? RLIM64_INFINITY
							: rlim->rlim_max;
	return clamp(resource, &want);
}

int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rlim)
{
	return clamp(resource, rlim);
}
