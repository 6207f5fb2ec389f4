"""English dates on the manufacturer pages (FORMAT_MODULE_PATH). The pages write a calendar day
with SHORT_DATE_FORMAT (ISO 8601, as the evidence workbook writes it) and a moment with
SHORT_DATETIME_FORMAT ("1 Dec 2026, 08:19 UTC"); `|day` and `|date:"SHORT_DATETIME_FORMAT"`
in the templates. Django's own DATE_FORMAT and DATETIME_FORMAT, which the console shows, stay."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
