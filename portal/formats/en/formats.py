"""English dates on the portal's pages (FORMAT_MODULE_PATH): calendar dates stay ISO 8601, as
the evidence workbook writes them; moments read "1 Dec 2026, 08:19 UTC"."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
