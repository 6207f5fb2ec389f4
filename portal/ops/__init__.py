"""Operators' tools that run beside the portal, not in it: the restore drill."""
