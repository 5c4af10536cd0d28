"""Form widgets shared by every module."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. It only accepts ISO dates, so the value is always rendered as
    YYYY-MM-DD whatever the display locale (otherwise edit forms open with empty dates)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
