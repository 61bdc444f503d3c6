"""Running a processor on one day in isolation: fork worker, staging, atomic placement,
and the per-day lock (``locks``)."""
