"""Attestation certificates: the locked renderer, the PDF/A-3b layout, the QR code and signing.

Pure rendering and cryptography live here; what is issued when, and the records of it, live in
`filings.services.certificates`.
"""
