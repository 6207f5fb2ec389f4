"""Attestation certificates: issue on approval, render (the locked renderer, the PDF/A-3b
layout, the QR code), sign, store once, verify, revoke and download.

It builds on the filing lifecycle (`filings`), never the other way round: approvals and
rejections reach it through `filings.signals`, which `receivers` here listens to.
"""
