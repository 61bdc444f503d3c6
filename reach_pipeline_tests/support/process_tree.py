"""``ProcessTree``: one command in its own session, stopped by PID, with the arguments the
README test gives it. It is a :class:`~.processes.ServerProcess` stopped as an operator
would stop it (SIGTERM, then SIGINT, to the command alone; SIGKILL only for what is left);
new tests use ``ServerProcess`` or a ``ServerGroup`` (``dagster_servers``) directly.
"""

from __future__ import annotations

import signal
from pathlib import Path

from .processes import ServerProcess


class ProcessTree(ServerProcess):
    """``argv`` run in its own session, output to ``log_path``."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log_path: Path):
        super().__init__(
            Path(argv[0]).name,
            argv,
            env=env,
            cwd=cwd,
            log=log_path,
            signal_group=False,
            stop_signals=(signal.SIGTERM, signal.SIGINT),
        )

    def check_alive(self) -> None:
        self.track()  # no tracker thread: remember the tree at every check
        super().check_alive()
