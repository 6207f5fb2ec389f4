"""The exam dossier: one signed ZIP of everything a filing's examination rests on (issue 12).

Built by the worker, stored once, downloadable by the filing's manufacturer and by the
authority, and through a time-limited examiner link; `manage.py verify_dossier` checks one
offline. See docs/dossier.md.
"""
