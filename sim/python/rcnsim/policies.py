"""Example policies written in Python, each the twin of a C++ one (docs/writing-a-policy.md).

PythonFifo is the C++ `fifo` (src/sched/fifo_policy.cpp) line for line: the tests check
that it gives byte-identical results, and the benchmark in docs/performance.md measures
what a Python policy costs against it."""


class PythonFifo:
    """FIFO in Python: jobs start in submission order, each at its full size or else the
    first smaller size it accepts, on the first cluster in scenario order that fits (a job
    across sites: the first offered split with room for every share); when the head waits,
    so does everyone behind it."""

    places_cross_site = True  # jobs across sites queue here and start on an offered split

    def schedule(self, view):
        free = view.free_servers()
        clusters = view.clusters
        splits = view.cross_site_splits
        out = []
        for job in view.queue:
            if job.across_sites:  # the first offered split with room for every share, else the head waits
                share = None
                for split in splits.get(job.job, ()):
                    share = job.gpus // len(split)
                    if all(clusters[c].servers_for(share) <= free[c] for c in split):
                        break
                    share = None
                if share is None:
                    break
                for c in split:
                    free[c] -= clusters[c].servers_for(share)
                out.append((job.job, split))
                continue
            chosen = None
            for size in job.sizes:
                for c in clusters:
                    if c.servers_for(size) <= free[c.index] and job.allowed_on(c.index):
                        chosen = c
                        break
                if chosen is not None:
                    break
            if chosen is None:
                break  # the head waits, and so does everyone behind it
            free[chosen.index] -= chosen.servers_for(size)
            out.append((job.job, chosen.index, 0 if size == job.gpus else size))
        return out
