"""English dates (FORMAT_MODULE_PATH), one style on every page, the review console's included:
a calendar day in ISO 8601 ("2024-06-01", as the evidence workbook writes it) and a moment as
"1 Dec 2026, 08:19 UTC". The manufacturer pages name SHORT_DATE_FORMAT and
SHORT_DATETIME_FORMAT (`|day` and `|date:"SHORT_DATETIME_FORMAT"`); the console's dates and the
admin's lists take DATE_FORMAT and DATETIME_FORMAT, which are the same."""

SHORT_DATE_FORMAT = DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT = "j M Y, H:i T"
