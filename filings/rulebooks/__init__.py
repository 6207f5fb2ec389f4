"""The rules as versioned records: drafts, amendments, impact previews, publication and the
re-assessment it sets off, what-if runs, and the public rules pages.

It builds on the filing lifecycle (`filings`), never the other way round: the lifecycle learns
the rules in force through `settings.ASSESSMENT_RULEBOOK` and announces finished assessments
through `filings.signals`, which `receivers` here listens to.
"""
