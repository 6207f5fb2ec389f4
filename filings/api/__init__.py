"""The REST API for manufacturers' systems and the authority (`/api/v1/`), and its tokens."""
