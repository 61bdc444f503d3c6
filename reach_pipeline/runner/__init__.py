"""Running a processor on one day in isolation: fork worker, staging, atomic placement."""
