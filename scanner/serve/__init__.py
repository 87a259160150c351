"""``appaudit serve``: a local web workbench over the same engine.

Uploads become jobs in the batch database's ``jobs`` table (scanner.serve.jobs), scanned by
worker threads in the batch engine's isolated processes (scanner.serve.worker), shown by
script-free pages and a REST API (scanner.serve.app) behind a bearer token
(scanner.serve.security).
"""
