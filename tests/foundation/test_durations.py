"""Go duration syntax, as Ory's APIs and CLIs write lifespans."""

import pytest

from ory_platform.durations import duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h30m", 5400), ("1h0m0s", 3600), ("500ms", 0.5), ("2h45m30s", 9930)],
)
def test_durations(text, seconds):
    assert duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "1d", "h", "-1h", "1.5h", "1h 30m", " 1h", None, 3600])
def test_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match="not a duration"):
        duration_seconds(text)
