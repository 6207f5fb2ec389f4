"""Japanese dates (FORMAT_MODULE_PATH; see portal/formats/en): "2026年12月1日" and
"2026年12月1日 08:19 UTC". Money stays US dollars ($3,750) in every language."""

SHORT_DATE_FORMAT = DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT = "Y年n月j日 H:i T"
