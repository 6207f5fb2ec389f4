"""Japanese dates on the portal's pages (FORMAT_MODULE_PATH): "2026年12月1日",
"2026年12月1日 08:19 UTC". Money stays US dollars ($3,750) in every language."""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i T"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d H:i T"
