"""UDL day file -> Level-1C CDF. No Dagster here: the Dagster layer and the CLI call this."""

from .api import DayFacts, process_day, process_file
from .errors import ReachInputError

__all__ = ["DayFacts", "ReachInputError", "process_day", "process_file"]
