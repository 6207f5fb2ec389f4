"""Every write and state transition of a filing, one module per side of it.

- `manufacturer`: create, edit, upload, submit, withdraw, reopen.
- `assessment`: the worker's run, the sweep of stuck assessments.
- `review`: the reviewing authority's review and decision.
- `common`: the errors, role checks, the state compare-and-swap and queueing they share.

Each service takes keyword-only arguments, checks the actor's role and the filing's state
(`filings.states`), runs in one transaction, changes state by compare-and-swap and writes its
audit event in that same transaction. Side effects (queueing, mail) happen after commit.
Import a service from its module: this package re-exports nothing, so importing one side never
loads another's dependencies.
"""
