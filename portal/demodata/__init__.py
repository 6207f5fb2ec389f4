"""The demo's data for `make demo` and its tests: it sits above every app, since it fills them
all (accounts, filings, rulebook versions, certificates)."""
