"""The audit trail: append-only, hash-chained events that every app records its changes in.

It sits below every app (accounts and filings both write to it) and imports none of them."""
