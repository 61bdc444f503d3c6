"""The alert settings: read at evaluation, unset means no alerts, a secret's value is never
echoed. A malformed alert variable names itself: test_settings.py, with every variable."""

from __future__ import annotations

import datetime as dt

import pytest

from reach_pipeline.settings import (
    SETTINGS,
    SettingsError,
    asset_owners,
    freshness_deadline,
    resolve_alert_settings,
    resolve_settings,
)
from reach_pipeline_tests.support.alert_logs import SENTINEL


def test_unset_means_no_destination_and_the_defaults():
    alerts = resolve_alert_settings(environ={})
    assert alerts.destinations == []
    assert alerts.ui_base_url == "http://127.0.0.1:3000"
    assert alerts.freshness_deadline_utc == dt.time(8, 0)
    assert alerts.slack_api_url == "https://slack.com/api/"


def test_every_destination():
    alerts = resolve_alert_settings(
        environ={
            "REACH_ALERT_WEBHOOK_URL": f"https://hooks.slack.com/services/{SENTINEL}",
            "REACH_SLACK_TOKEN": f"xoxb-{SENTINEL}",
            "REACH_SLACK_CHANNEL": "#reach-alerts",
            "REACH_UI_BASE_URL": "https://dagster.example.org/",
        }
    )
    assert alerts.destinations == ["webhook", "slack"]
    assert alerts.ui_base_url == "https://dagster.example.org"
    assert SENTINEL not in repr(alerts)


def test_a_malformed_webhook_url_is_not_echoed():
    with pytest.raises(SettingsError) as info:
        resolve_alert_settings(environ={"REACH_ALERT_WEBHOOK_URL": f"hooks/{SENTINEL}"})
    assert str(info.value).startswith("REACH_ALERT_WEBHOOK_URL must be an incoming-webhook URL")
    assert SENTINEL not in str(info.value)


@pytest.mark.parametrize(
    "environ",
    [{"REACH_SLACK_TOKEN": f"xoxb-{SENTINEL}"}, {"REACH_SLACK_CHANNEL": "#reach"}],
)
def test_slack_token_and_channel_go_together(environ):
    with pytest.raises(SettingsError, match="REACH_SLACK_TOKEN and REACH_SLACK_CHANNEL") as info:
        resolve_alert_settings(environ=environ)
    assert SENTINEL not in str(info.value)


def test_a_bad_alert_setting_does_not_stop_processing():
    """Runs resolve only the run settings: a typo in an alert variable is the alert
    sensors' error, not every day's."""
    settings = resolve_settings(environ={"REACH_FRESHNESS_DEADLINE_UTC": "8am"})
    assert settings.output_format == "csv"
    assert not any(hasattr(settings, s.field) for s in SETTINGS if s.scope != "run")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("ops@example.org", ["ops@example.org"]),
        (" ops@example.org , team:reach-ops ", ["ops@example.org", "team:reach-ops"]),
    ],
)
def test_owners(value, expected):
    assert asset_owners({"REACH_OWNERS": value}) == expected


@pytest.mark.parametrize("value", ["ops", "team:", "ops@example", "a@b.org,,team:x", "team:a b"])
def test_malformed_owners_name_the_variable(value):
    with pytest.raises(SettingsError, match=r"^REACH_OWNERS must be comma-separated emails"):
        asset_owners({"REACH_OWNERS": value})


def test_freshness_deadline():
    assert freshness_deadline({}) == dt.time(8, 0)
    assert freshness_deadline({"REACH_FRESHNESS_DEADLINE_UTC": "6:30"}) == dt.time(6, 30)
