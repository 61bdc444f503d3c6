"""The developer's own settings kept out of the tests.

A test sees none of the shell's ``REACH_*`` and ``DAGSTER_*`` variables (a developer who
set ``REACH_PARTITIONS_START`` or ``DAGSTER_HOME`` for their own runs must get the same
results as CI), except the few that steer the test suite itself.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIXES = ("REACH_", "DAGSTER_")
# Variables of the test suite, not of the product: CI's "a missing service fails", the
# snapshot refresh, the size of the S3 outage test.
TEST_SUITE_VARIABLES = frozenset(
    {"REACH_REQUIRE_SERVICES", "REACH_UPDATE_SNAPSHOT", "REACH_OUTAGE_TEST_DAYS"}
)


def developer_variables(environ: Mapping[str, str]) -> list[str]:
    """The names in ``environ`` a test must not see."""
    return sorted(
        name for name in environ if name.startswith(PREFIXES) and name not in TEST_SUITE_VARIABLES
    )
