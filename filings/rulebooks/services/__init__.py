"""The rulebooks app's writes, one module per step of an amendment's life:

- `drafting`: create, edit, amend and discard a draft;
- `preview`: the impact preview of a draft (requested by an approver, run by the worker);
- `publishing`: publish, the worker's re-assessment of what it changes, the sweep, reconciling
  an assessment that finished while a version was published;
- `what_if`: a filing's evidence under any version, stored nowhere.

Approvers of the reviewing authority draft and publish (Capability.AMEND_RULES). Every step is an
audit event: the authority's own trail for the rulebook, each filing's trail for what happened to
it. Import a service from its module; this package re-exports nothing.
"""
